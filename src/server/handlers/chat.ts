/**
 * The default `chat` handler: relays messages to everyone, a room or one
 * session (kept in history, where the server keeps it), and serves names,
 * rooms, `who` and `history` (PROTOCOL.md sections 4 and 9).
 *
 * @module
 */

import { ChatError } from "../../protocol/errors.ts";
import type { Frame, WhoEntry } from "../../protocol/messages.ts";
import { whoPages } from "../../protocol/who_pages.ts";
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
  const asked = frame.room as string | undefined;
  const to = frame.to as string | undefined;
  // The room in any spelling; relayed under the name it is shown by.
  const room = asked === undefined ? undefined : directory.roomName(asked);
  if (asked !== undefined && (room === undefined || !session.rooms.has(room))) {
    return refusedUnlessResent(ctx, new ChatError("no_such_room", `not in room ${asked}`));
  }
  let targets: Iterable<SessionInfo> | Audience;
  let recipient: string | undefined;
  if (to !== undefined) {
    const target = directory.find(to);
    if (!target) {
      return refusedUnlessResent(
        ctx,
        new ChatError("no_such_recipient", `nobody is called ${to}`),
      );
    }
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

/**
 * Throws `error`, unless the frame is a resumed session's resend of a
 * message relayed before (its target gone since): then its first ack,
 * reaching nobody now.
 */
function refusedUnlessResent(ctx: HandlerContext, error: ChatError): void | Promise<void> {
  const ack = (seq: number | undefined): void => {
    if (seq === undefined) throw error;
    ctx.ack({ content: "delivered", recipients: 0, seq });
  };
  const seq = ctx.resent();
  if (seq instanceof Promise) return seq.then(ack);
  ack(seq);
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
    if (s.away) entry.away = true;
    content.push(entry);
  }
  for (const page of whoPages(content, { room, id: frame.id }, ctx.session.id.length)) {
    ctx.send(page);
  }
}

/**
 * Answers `history` (PROTOCOL.md section 9): the messages, each as it was
 * relayed with `replay: true`, then the closing `history` frame, its one
 * answer.
 */
function history(frame: Frame, ctx: HandlerContext): void | Promise<void> {
  const request = historyRequest(frame);
  // The room in any spelling (the closing frame carries it as asked, as `who` does).
  const room = request.room;
  const shown = room === undefined ? undefined : ctx.directory.roomName(room);
  if (room !== undefined && (shown === undefined || !ctx.session.rooms.has(shown))) {
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
  const page = ctx.history({ ...request, room: shown });
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
    const room = frame.content as string;
    return then(ctx.join(room), () => ctx.ack({ content: ctx.directory.roomName(room) }));
  },
  leave(frame, ctx) {
    const room = frame.content as string;
    const shown = ctx.directory.roomName(room);
    return then(ctx.leave(room), () => ctx.ack({ content: shown }));
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
