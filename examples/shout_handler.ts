import { chatHandler, type MessageHandler } from "../mod.ts";

/** A handler that relays every message in capitals, and leaves the rest to `chat`. */
export const shoutHandler: MessageHandler = {
  name: "shout",
  types: chatHandler.types,
  handle(frame, ctx) {
    if (frame.type !== "message") return chatHandler.handle(frame, ctx);
    const loud = { ...frame, content: String(frame.content).toUpperCase() };
    return chatHandler.handle(loud, ctx);
  },
};
