/**
 * The `echo` handler: answers each message as the original Python server
 * did, and relays nothing.
 *
 * @module
 */

import type { Frame } from "../../protocol/messages.ts";
import type { HandlerContext, MessageHandler } from "../handler.ts";

/** Answers `message` with `Server received: <content>`; serves no other type. */
export const echoHandler: MessageHandler = {
  name: "echo",
  types: ["message"],
  handle(frame: Frame, ctx: HandlerContext): void {
    ctx.send({ type: "message", content: `Server received: ${frame.content}` });
    ctx.ack({ content: "delivered", recipients: 1 });
  },
};
