/**
 * The default `chat` handler: relays messages to everyone, a room or one
 * session, and serves names, rooms and `who` (PROTOCOL.md section 4).
 *
 * @module
 */

import { ChatError } from "../../protocol/errors.ts";
import type { Frame, WhoEntry } from "../../protocol/messages.ts";
import type { HandlerContext, MessageHandler, SessionInfo } from "../handler.ts";

function* others(sessions: Iterable<SessionInfo>, self: SessionInfo): Iterable<SessionInfo> {
  for (const session of sessions) if (session !== self) yield session;
}

function message(frame: Frame, ctx: HandlerContext): void {
  const { session, directory } = ctx;
  const room = frame.room as string | undefined;
  const to = frame.to as string | undefined;
  if (room !== undefined && !session.rooms.has(room)) {
    throw new ChatError("no_such_room", `not in room ${room}`);
  }
  let targets: Iterable<SessionInfo>;
  if (to !== undefined) {
    const target = directory.find(to);
    if (!target) throw new ChatError("no_such_recipient", `nobody is called ${to}`);
    targets = [target];
  } else {
    targets = others(room === undefined ? directory.sessions() : directory.members(room), session);
  }
  const relayed: Frame = {
    type: "message",
    content: frame.content,
    from: session.name,
    ts: Date.now(),
  };
  if (room !== undefined) relayed.room = room;
  if (to !== undefined) relayed.to = to;
  const recipients = ctx.relay(targets, relayed);
  ctx.ack({ content: "delivered", recipients });
}

function who(frame: Frame, ctx: HandlerContext): void {
  const room = frame.room as string | undefined;
  const sessions = room === undefined ? ctx.directory.sessions() : ctx.directory.members(room);
  const content: WhoEntry[] = [];
  for (const s of sessions) {
    content.push({ session_id: s.id, name: s.name, transport: s.transport, rooms: [...s.rooms] });
  }
  const reply: Frame = { type: "who", content };
  if (room !== undefined) reply.room = room;
  if (frame.id !== undefined) reply.id = frame.id;
  ctx.send(reply);
}

const verbs: Record<string, (frame: Frame, ctx: HandlerContext) => void> = {
  message,
  who,
  nick(frame, ctx) {
    ctx.rename(frame.content as string);
    ctx.ack({ content: ctx.session.name });
  },
  join(frame, ctx) {
    ctx.join(frame.content as string);
    ctx.ack({ content: frame.content });
  },
  leave(frame, ctx) {
    ctx.leave(frame.content as string);
    ctx.ack({ content: frame.content });
  },
};

/** The default handler: chat between sessions, with names, rooms and `who`. */
export const chatHandler: MessageHandler = {
  name: "chat",
  types: Object.keys(verbs),
  handle(frame: Frame, ctx: HandlerContext): void {
    verbs[frame.type](frame, ctx);
  },
};
