import { ChatClient } from "../mod.ts";

/**
 * Connects again after `lost` lost its connection, resuming its session:
 * the messages it missed arrive first (`replay: true`), then the live ones.
 */
export async function resume(lost: ChatClient): Promise<ChatClient> {
  const client = new ChatClient({ ...lost.options, resume: lost.resumePoint });
  await client.connect();
  const { recovered = false, replayed = 0 } = client.resumed ?? {};
  console.log(recovered ? `${replayed} messages while away` : "some messages may be lost");
  return client;
}

if (import.meta.main) {
  let client = new ChatClient({ to: { transport: "tcp", hostname: "localhost", port: 9999 } });
  await client.connect();
  const { messages } = await client.history(undefined, { limit: 20 }); // the last 20
  for (const m of messages) console.log(`${m.from}: ${m.content}`);
  for (;;) {
    for await (const frame of client) console.log(`${frame.from}: ${frame.content}`);
    client = await resume(client); // the connection was lost: take the session back
  }
}
