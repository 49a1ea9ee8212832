/**
 * The default `chat` handler: relays messages to everyone, a room or one
 * session, and serves names, rooms and `who` (PROTOCOL.md section 4).
 *
 * @module
 */

import { ChatError } from "../../protocol/errors.ts";
import type { Frame, WhoEntry } from "../../protocol/messages.ts";
import { whoPages } from "../../protocol/who_pages.ts";
import type { Audience, HandlerContext, MessageHandler, SessionInfo } from "../handler.ts";

const EVERYONE: Audience = { everyone: true };

function message(frame: Frame, ctx: HandlerContext): void {
  const { session, directory } = ctx;
  const asked = frame.room as string | undefined;
  const to = frame.to as string | undefined;
  // The room in any spelling; relayed under the name it is shown by.
  const room = asked === undefined ? undefined : directory.roomName(asked);
  if (asked !== undefined && (room === undefined || !session.rooms.has(room))) {
    throw new ChatError("no_such_room", `not in room ${asked}`);
  }
  let targets: Iterable<SessionInfo> | Audience;
  if (to !== undefined) {
    const target = directory.find(to);
    if (!target) throw new ChatError("no_such_recipient", `nobody is called ${to}`);
    targets = [target];
  } else {
    targets = room === undefined ? EVERYONE : { room };
  }
  const relayed: Frame = {
    type: "message",
    content: frame.content,
    from: session.name,
    ts: Date.now(),
    ...session.verified && { verified: true },
  };
  if (room !== undefined) relayed.room = room;
  if (to !== undefined) relayed.to = to;
  const recipients = ctx.relay(targets, relayed);
  ctx.ack({ content: "delivered", recipients });
}

/** Answers `who`: one answer, in as many frames under 64 KiB as the list needs. */
function who(frame: Frame, ctx: HandlerContext): void {
  const room = frame.room as string | undefined;
  const sessions = room === undefined ? ctx.directory.sessions() : ctx.directory.members(room);
  const content: WhoEntry[] = [];
  for (const s of sessions) {
    const entry: WhoEntry = {
      session_id: s.id,
      name: s.name,
      transport: s.transport,
      rooms: [...s.rooms],
    };
    if (s.verified) entry.verified = true;
    content.push(entry);
  }
  for (const page of whoPages(content, { room, id: frame.id }, ctx.session.id.length)) {
    ctx.send(page);
  }
}

/** Runs `next` after `step`, at once when `step` was synchronous. */
function then(step: void | Promise<void>, next: () => void): void | Promise<void> {
  if (step) return step.then(next);
  next();
}

const verbs: Record<string, (frame: Frame, ctx: HandlerContext) => void | Promise<void>> = {
  message,
  who,
  nick(frame, ctx) {
    return then(ctx.rename(frame.content as string), () => ctx.ack({ content: ctx.session.name }));
  },
  join(frame, ctx) {
    const room = frame.content as string;
    return then(ctx.join(room), () => ctx.ack({ content: ctx.directory.roomName(room) }));
  },
  leave(frame, ctx) {
    const room = frame.content as string;
    const shown = ctx.directory.roomName(room);
    ctx.leave(room);
    ctx.ack({ content: shown });
  },
};

/** The default handler: chat between sessions, with names, rooms and `who`. */
export const chatHandler: MessageHandler = {
  name: "chat",
  types: Object.keys(verbs),
  handle(frame: Frame, ctx: HandlerContext): void | Promise<void> {
    return verbs[frame.type](frame, ctx);
  },
};
