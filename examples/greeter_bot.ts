import { ChatClient, type Frame } from "../mod.ts";

/** A bot that answers every message it receives with a greeting, directly to the sender. */
export class GreeterBot extends ChatClient {
  protected override onFrame(frame: Frame): void {
    if (frame.type === "message" && typeof frame.from === "string") {
      this.message(`hello, ${frame.from}!`, { to: frame.from }).catch(() => {});
    }
    super.onFrame(frame); // still queue it for `for await (const frame of bot)`
  }
}

if (import.meta.main) {
  const bot = new GreeterBot({
    to: { transport: "tcp", hostname: "localhost", port: 9999 },
    name: "greeter",
  });
  await bot.connect();
  console.log(`connected as ${bot.name}; Ctrl+C to stop`);
  await bot.closed;
}
