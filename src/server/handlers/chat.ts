/**
 * The default `chat` handler: relays messages to everyone, a room or one
 * session (kept in history, where the server keeps it), and serves names,
 * rooms, `who` and `history` (PROTOCOL.md sections 4 and 9).
 *
 * @module
 */

import { ChatError } from "../../protocol/errors.ts";
import type { Frame, WhoEntry } from "../../protocol/messages.ts";
import type {
  Audience,
  HandlerContext,
  MessageHandler,
  MessageReceipt,
  SessionInfo,
} from "../handler.ts";
import { type HistoryPage, historyRequest, messageFrame } from "../history/mod.ts";

const EVERYONE: Audience = { everyone: true };

function message(frame: Frame, ctx: HandlerContext): void | Promise<void> {
  const { session, directory } = ctx;
  const room = frame.room as string | undefined;
  const to = frame.to as string | undefined;
  if (room !== undefined && !session.rooms.has(room)) {
    throw new ChatError("no_such_room", `not in room ${room}`);
  }
  let targets: Iterable<SessionInfo> | Audience;
  let recipient: string | undefined;
  if (to !== undefined) {
    const target = directory.find(to);
    if (!target) throw new ChatError("no_such_recipient", `nobody is called ${to}`);
    targets = [target];
    recipient = target.id;
  } else {
    targets = room === undefined ? EVERYONE : { room };
  }
  const receipt = ctx.publish(targets, { content: frame.content as string, room, to, recipient });
  const ack = (fields: MessageReceipt) => ctx.ack({ content: "delivered", ...fields });
  if (receipt instanceof Promise) return receipt.then(ack);
  ack(receipt);
}

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
    if (s.away) entry.away = true;
    content.push(entry);
  }
  const reply: Frame = { type: "who", content };
  if (room !== undefined) reply.room = room;
  if (frame.id !== undefined) reply.id = frame.id;
  ctx.send(reply);
}

/**
 * Answers `history` (PROTOCOL.md section 9): the messages, each as it was
 * relayed with `replay: true`, then the closing `history` frame, its one
 * answer.
 */
function history(frame: Frame, ctx: HandlerContext): void | Promise<void> {
  const request = historyRequest(frame);
  const room = request.room;
  if (room !== undefined && !ctx.session.rooms.has(room)) {
    throw new ChatError("no_such_room", `not in room ${room}`);
  }
  const answer = (page: HistoryPage) => {
    for (const message of page.messages) ctx.send(messageFrame(message, true));
    const closing: Frame = {
      type: "history",
      content: { count: page.messages.length, more: page.more },
    };
    if (room !== undefined) closing.room = room;
    if (frame.id !== undefined) closing.id = frame.id;
    ctx.send(closing);
  };
  const page = ctx.history(request);
  if (page instanceof Promise) return page.then(answer);
  answer(page);
}

/** Runs `next` after `step`, at once when `step` was synchronous. */
function then(step: void | Promise<void>, next: () => void): void | Promise<void> {
  if (step) return step.then(next);
  next();
}

const verbs: Record<string, (frame: Frame, ctx: HandlerContext) => void | Promise<void>> = {
  message,
  who,
  history,
  nick(frame, ctx) {
    return then(ctx.rename(frame.content as string), () => ctx.ack({ content: ctx.session.name }));
  },
  join(frame, ctx) {
    return then(ctx.join(frame.content as string), () => ctx.ack({ content: frame.content }));
  },
  leave(frame, ctx) {
    return then(ctx.leave(frame.content as string), () => ctx.ack({ content: frame.content }));
  },
};

/** The default handler: chat between sessions, with names, rooms, `who` and history. */
export const chatHandler: MessageHandler = {
  name: "chat",
  types: Object.keys(verbs),
  history: true,
  handle(frame: Frame, ctx: HandlerContext): void | Promise<void> {
    return verbs[frame.type](frame, ctx);
  },
};
