/**
 * The one narrow interface between the server core and a message handler.
 *
 * @module
 */

import type { Frame } from "../protocol/messages.ts";
import type { TransportKind } from "../transport/types.ts";
import type { Awaitable, HistoryPage, HistoryRequest } from "./history/mod.ts";

/** What a handler may know of a session. */
export interface SessionInfo {
  /** The session's UUID. */
  readonly id: string;
  /** Its display name (a guest name until it sets one). */
  readonly name: string;
  /** The transport it is connected over. */
  readonly transport: TransportKind;
  /** The rooms it is in. */
  readonly rooms: ReadonlySet<string>;
  /**
   * `true` when it logged in to an account (PROTOCOL.md section 11): its
   * name is then the account's, and `who` entries, messages and notices of
   * it carry `"verified":true`.
   */
  readonly verified?: boolean;
  /** `true` while it waits to be resumed (PROTOCOL.md section 9): it lost its connection. */
  readonly away?: boolean;
}

/**
 * A read-only view of the sessions that completed their handshake: this
 * server's and, in a cluster (`--cluster`), every other server's too, as
 * their presence reached this one.
 */
export interface Directory {
  /** Every session, this server's first (in the order they joined). */
  sessions(): Iterable<SessionInfo>;
  /**
   * The session with this display name (in any spelling: names compare as
   * PROTOCOL.md section 2 says) or, failing that, this session id.
   */
  find(nameOrId: string): SessionInfo | undefined;
  /** The members of a room, named in any spelling (empty when nobody is in it). */
  members(room: string): Iterable<SessionInfo>;
  /**
   * The name a room (named in any spelling) is shown by, while anyone is in
   * it: the spelling (normalized) it was created with.
   */
  roomName(room: string): string | undefined;
}

/**
 * Who a relay is for, on every server of a cluster: `{ everyone: true }`
 * or the members of a room (`{ room }`); never the session that sends it.
 */
export type Audience = { readonly everyone: true } | { readonly room: string };

/** A chat message a session sends, as {@linkcode HandlerContext.publish} takes it. */
export interface OutgoingMessage {
  /** The text. */
  readonly content: string;
  /** The room it is for (one the session is in), by the name it is shown by. */
  readonly room?: string;
  /** `to` as the sender gave it, for a direct message. */
  readonly to?: string;
  /** The session id of the one it is for, for a direct message. */
  readonly recipient?: string;
}

/** The fields of a message's `ack` that its relay decided. */
export interface MessageReceipt {
  /** How many sessions it reached. */
  readonly recipients: number;
  /** Its place in history, where the server keeps history. */
  readonly seq?: number;
}

/**
 * What a handler can do while it handles one frame. Methods that fail throw
 * a {@linkcode ChatError}; the server answers the client with its code.
 */
export interface HandlerContext {
  /** The session that sent the frame. */
  readonly session: SessionInfo;
  /**
   * The sessions a handler sees: this server's and, in a cluster, every
   * other node's too (see {@linkcode Directory}).
   */
  readonly directory: Directory;
  /** Sends a frame to this session (its `session_id` is filled in). */
  send(frame: Frame): void;
  /**
   * Acknowledges the frame when it carried an `id` (else does nothing). A
   * handler that neither acks nor throws gets a plain `ack` sent for it.
   */
  ack(fields?: Record<string, unknown>): void;
  /**
   * Sends `frame` to each target (sessions found by their `id`, on this
   * server or another of the cluster: those of the directory, or any
   * {@linkcode SessionInfo} naming one; or an {@linkcode Audience}), each
   * with its own `session_id`; the frame is encoded once, and crosses to
   * another server of a cluster once. Returns how many sessions it
   * reached: those of this server, plus those of the others that their
   * presence lists as targets.
   */
  relay(targets: Iterable<SessionInfo> | Audience, frame: Frame): number;
  /**
   * Relays a chat message from this session to `targets` (as
   * {@linkcode HandlerContext.relay}) as a `message` frame with `from` and
   * `ts`; where the server keeps history (PROTOCOL.md section 9), keeps it
   * first, with its `seq` on every copy. A resumed session's message with
   * an `id` it already sent is not relayed again. Resolves to the `ack`'s
   * fields; with history in a file, once the message is committed (the
   * session's later frames may be handled meanwhile: their answers follow).
   */
  publish(
    targets: Iterable<SessionInfo> | Audience,
    message: OutgoingMessage,
  ): MessageReceipt | Promise<MessageReceipt>;
  /**
   * The seq this frame's `id` got when this session sent it before (a
   * resumed session resending what had no `ack`, PROTOCOL.md section 9);
   * `undefined` when it is new, or where no history is kept. Such a frame
   * gets its first `ack` again even where its target is gone meanwhile.
   */
  resent(): Awaitable<number | undefined>;
  /**
   * A page of history for this session (PROTOCOL.md section 9): the
   * messages of `room` (the caller checks that the session is in it), or
   * without a room those to everyone and the session's direct ones. Throws
   * `unknown_type` where the server keeps no history.
   */
  history(request: HistoryRequest): Awaitable<HistoryPage>;
  /**
   * Changes this session's display name to `name` normalized
   * (`invalid_name`, `name_taken`). In a cluster the name is claimed on
   * every server first: a promise.
   */
  rename(name: string): void | Promise<void>;
  /**
   * Puts this session in a room, named in any spelling (`invalid_name`,
   * `too_many_rooms`); see {@linkcode Directory.roomName} for the name it is
   * shown by. In a cluster, resolves once relays to the room reach this
   * server.
   */
  join(room: string): void | Promise<void>;
  /**
   * Takes this session out of a room, named in any spelling
   * (`no_such_room`); with history in a file, resolves once the change is
   * committed.
   */
  leave(room: string): void | Promise<void>;
}

/**
 * A message handler: the pluggable part of the server. The core handles the
 * handshake, `heartbeat` and `disconnect`; every other client type goes to
 * the handler when it is listed in `types`, else it gets `unknown_type`.
 *
 * @example
 * ```ts
 * import type { MessageHandler } from "./handler.ts";
 * const shout: MessageHandler = {
 *   name: "shout",
 *   types: ["message"],
 *   handle(frame, ctx) {
 *     ctx.send({ type: "message", content: String(frame.content).toUpperCase() });
 *   },
 * };
 * ```
 */
export interface MessageHandler {
  /** The handler's name, as given to `--handler`. */
  readonly name: string;
  /** The client frame types it serves. */
  readonly types: readonly string[];
  /**
   * Whether it keeps history (PROTOCOL.md section 9): the server then gives
   * `seq`s, resume tokens and resumes, unless `--history 0`.
   */
  readonly history?: boolean;
  /** Handles one validated frame of a type in `types`. */
  handle(frame: Frame, ctx: HandlerContext): void | Promise<void>;
}
