/**
 * The client's side of the protocol (PROTOCOL.md sections 3 to 6) with no
 * I/O: bytes (or frames) from the server in, frames to write and events
 * out. It owns the handshake, request/answer matching by `id`, the version
 * 0 mode (one frame in flight) and the bookkeeping of how the connection
 * ends. It never touches a socket, a timer or a log, so a transport (a
 * stream socket, a WebSocket) and the timers live in the shell that drives
 * it: {@linkcode ChatClient} in `client.ts`.
 *
 * @module
 */

import { PROTOCOL_DEFAULTS } from "../protocol/defaults.ts";
import { ChatError, type ErrorCode, isErrorCode } from "../protocol/errors.ts";
import { FrameDecoder } from "../protocol/frame_decoder.ts";
import type { Login } from "../protocol/login.ts";
import {
  type Frame,
  type FrameId,
  guestName,
  type HeartbeatSettings,
  parseServerFrame,
} from "../protocol/messages.ts";
import { type CloseInfo, ConnectionClosedError } from "./close_info.ts";
import { oversize } from "./frame_limit.ts";

/** Where a client's session stands. */
export enum ClientState {
  /** Connected; waiting for the server's `session_init`. */
  AwaitingInit = "awaiting_init",
  /** `session_ack` written; waiting for its `ack` (version 1 only). */
  AwaitingAck = "awaiting_ack",
  /** The handshake is complete: requests may be sent. */
  Ready = "ready",
  /** The connection has ended (a refused handshake ends it too). */
  Closed = "closed",
}

/** Where a session left off, to resume it (PROTOCOL.md section 9). */
export interface ResumePoint {
  /** The resume token of its last `session_init` or `resumed`. */
  readonly token: string;
  /** The largest seq it saw, in messages or acks. */
  readonly seq: number;
  /**
   * The next request id to give (the client's own, not sent): a resumed
   * session's new messages must not reuse the ids of its old ones, which
   * the server takes for resends.
   */
  readonly nextId?: number;
}

/** How a resume went: the `content` of the server's `resumed` frame. */
export interface ResumeOutcome {
  /** Whether the session was taken back with every message it missed. */
  readonly recovered: boolean;
  /** How many missed messages were sent again (before `resumed`). */
  readonly replayed: number;
  /** The chat's newest seq then. */
  readonly seq: number;
  /** Whether the session is the one resumed (false: a new one). */
  readonly resumed: boolean;
}

/** What the core needs to know of the client's settings. */
export interface ClientCoreOptions {
  /** Resume this session (where the server keeps history). */
  resume?: ResumePoint;
  /** Display name to ask for in `session_ack`. */
  name?: string;
  /** Token for a server that requires one. */
  token?: string;
  /** An account's credentials, sent as the `session_ack`'s `auth` (PROTOCOL.md section 11). */
  login?: Login;
  /** Largest frame accepted from the server, in bytes (default 16 MiB). */
  maxFrame?: number;
}

/** What the core tells its shell, synchronously and in order. */
export interface ClientCoreEvents {
  /** Write this frame to the server, after those written before it. */
  write(frame: Frame): void;
  /** A frame that answers no request (relayed messages, errors, `disconnect`, echo replies). */
  frame(frame: Frame): void;
  /** The handshake completed: requests may follow. */
  ready(): void;
  /** The handshake failed: a refusal (a {@linkcode ChatError}), another first frame, or the end. */
  failed(error: Error): void;
  /** The connection ended (called once): close the transport. */
  closed(info: CloseInfo): void;
}

/** Who waits for a request's answer. */
export interface Answer {
  /** Called with the answer: its `ack`, its `who` reply, or (version 0) the next reply. */
  resolve(frame: Frame): void;
  /** Called with a {@linkcode ChatError} on its `error`, or a {@linkcode ConnectionClosedError}. */
  reject(error: Error): void;
}

/** A request sent and not yet answered. */
interface Pending {
  readonly request: Frame;
  readonly answer: Answer;
  /** The entries of a `who` answer split over several frames, so far; the messages of a `history` answer. */
  parts?: unknown[];
}

/** The `id` of the client's `session_ack`. */
export const HANDSHAKE_ID = "hs";

/** Errors on `session_ack` that leave the handshake to complete with the guest (or account) name. */
const NAME_ERRORS: readonly ErrorCode[] = ["name_taken", "invalid_name", "not_permitted"];

/**
 * The protocol state of one client connection.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { ClientCore, ClientState } from "./client_core.ts";
 * const written: string[] = [];
 * const core = new ClientCore({ name: "ada" }, {
 *   write: (frame) => written.push(JSON.stringify(frame)),
 *   frame: () => {},
 *   ready: () => {},
 *   failed: () => {},
 *   closed: () => {},
 * });
 * core.receive(new TextEncoder().encode('{"type":"session_init","session_id":"s1","protocol":1}\n'));
 * strictEqual(core.state, ClientState.AwaitingAck);
 * strictEqual(written[0], '{"type":"session_ack","content":"Session acknowledged","name":"ada","id":"hs","session_id":"s1"}');
 * ```
 */
export class ClientCore {
  /** The rooms joined on this connection. */
  readonly rooms: Set<string> = new Set();
  readonly #options: ClientCoreOptions;
  readonly #events: ClientCoreEvents;
  readonly #decoder: FrameDecoder;
  #state = ClientState.AwaitingInit;
  #sessionId = "";
  #protocol = 0;
  #heartbeat: HeartbeatSettings = { ...PROTOCOL_DEFAULTS.heartbeat };
  #frameLimit?: number;
  #loginMethods?: readonly string[];
  #name = "";
  #nameError?: ChatError;
  /** Version 1: requests by `id`. */
  #byId = new Map<FrameId, Pending>();
  /** Version 0: requests in order, the first one in flight. */
  #inTurn: Pending[] = [];
  #nextId = 1;
  /** `history` requests waiting for their answer, oldest first: replayed messages are the oldest's. */
  #histories: Pending[] = [];
  #resumeToken?: string;
  #lastSeq = 0;
  #resumed?: ResumeOutcome;
  /** Set when the server announced, by an error, that it is closing the connection. */
  #closing?: CloseInfo;
  #closeInfo?: CloseInfo;

  /** Creates the core of a connection that has just opened. */
  constructor(options: ClientCoreOptions, events: ClientCoreEvents) {
    this.#options = options;
    this.#events = events;
    this.#decoder = new FrameDecoder(options.maxFrame ?? PROTOCOL_DEFAULTS.clientMaxFrame);
    this.#lastSeq = options.resume?.seq ?? 0;
    this.#nextId = options.resume?.nextId ?? 1;
  }

  /**
   * Where to resume this session on a new connection: its resume token and
   * the largest seq seen. `undefined` where the server keeps no history.
   */
  get resumePoint(): ResumePoint | undefined {
    const token = this.#resumeToken;
    return token === undefined ? undefined : { token, seq: this.#lastSeq, nextId: this.#nextId };
  }

  /** The largest seq seen, in messages or acks (0: none). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** How the resume asked for went, once the server said (`resumed`). */
  get resumed(): ResumeOutcome | undefined {
    return this.#resumed;
  }

  /** Where the session stands. */
  get state(): ClientState {
    return this.#state;
  }

  /** Whether the handshake is under way (neither complete nor ended). */
  get handshaking(): boolean {
    return this.#state === ClientState.AwaitingInit || this.#state === ClientState.AwaitingAck;
  }

  /** The session id the server gave (empty before `session_init`). */
  get sessionId(): string {
    return this.#sessionId;
  }

  /** The server's protocol version (0 for the original Python peers). */
  get protocol(): number {
    return this.#protocol;
  }

  /** Heartbeat settings the server announced (the defaults until it did). */
  get heartbeat(): HeartbeatSettings {
    return this.#heartbeat;
  }

  /** The server's frame limit in bytes (`max_frame` of `session_init`), if it announced one. */
  get frameLimit(): number | undefined {
    return this.#frameLimit;
  }

  /**
   * The kinds of login the server takes (`session_init`'s `login`:
   * `password`, `jwt`); `undefined` when it knows no identities.
   */
  get loginMethods(): readonly string[] | undefined {
    return this.#loginMethods;
  }

  /** The display name the server confirmed. */
  get name(): string {
    return this.#name;
  }

  /** The error the server gave to the requested name, if it refused it. */
  get nameError(): ChatError | undefined {
    return this.#nameError;
  }

  /** Requests sent (or, version 0, queued) and not yet answered. */
  get inFlight(): number {
    return this.#byId.size + this.#inTurn.length;
  }

  /** How the connection ended, once it has. */
  get closeInfo(): CloseInfo | undefined {
    return this.#closeInfo;
  }

  /**
   * Takes bytes read from a stream transport; returns how many frames they
   * completed (each a sign of life). Bytes that are not a frame are skipped;
   * a frame over the limit closes the connection.
   */
  receive(chunk: Uint8Array): number {
    let frames = 0;
    for (const bytes of this.#decoder.push(chunk)) {
      if (this.#closeInfo) return frames;
      let frame: Frame;
      try {
        frame = parseServerFrame(bytes);
      } catch {
        continue; // Not a frame: a server bug; nothing to answer.
      }
      frames++;
      this.receiveFrame(frame);
    }
    if (this.#decoder.tooLarge) {
      this.close({ reason: "the server sent a frame that is too large", byServer: false });
    }
    return frames;
  }

  /** Takes one frame from the server (a message-based transport's unit). */
  receiveFrame(frame: Frame): void {
    switch (this.#state) {
      case ClientState.AwaitingInit:
        return this.#opened(frame);
      case ClientState.Closed:
        return;
    }
    const seq = frame.seq;
    if (typeof seq === "number" && seq > this.#lastSeq) this.#lastSeq = seq;
    if (frame.type === "resumed") return this.#resumedBy(frame);
    if (frame.type === "message" && frame.replay === true && this.#histories.length > 0) {
      (this.#histories[0].parts ??= []).push(frame);
      return;
    }
    if (frame.type === "disconnect") {
      this.#events.frame(frame);
      this.close({ reason: String(frame.content ?? "disconnect"), byServer: true });
      return;
    }
    if (this.#protocol < 1) return this.#answerInTurn(frame);
    if (frame.type === "heartbeat") return;
    if (this.#state === ClientState.AwaitingAck && this.#handshakeAnswer(frame)) return;
    this.#answerById(frame);
  }

  /**
   * Writes a frame as it is, with this session's id; throws once the
   * connection has ended, and a {@linkcode TooLongError} (writing nothing)
   * for a frame over the server's `max_frame`.
   */
  send(frame: Frame): void {
    if (this.#closeInfo) throw new ConnectionClosedError(this.#closeInfo);
    frame.session_id = this.#sessionId;
    const tooLong = this.#oversize(frame);
    if (tooLong) throw tooLong;
    this.#write(frame);
  }

  /**
   * Sends a request: version 1 gives it a fresh `id` (unless it has one, which
   * no request in flight may have) and writes it at once;
   * version 0 writes it when the requests before it are answered. A frame
   * over the server's `max_frame` is not written: it is rejected with a
   * {@linkcode TooLongError}.
   */
  request(frame: Frame, answer: Answer): void {
    if (this.#closeInfo) return answer.reject(new ConnectionClosedError(this.#closeInfo));
    const pending = { request: frame, answer };
    if (frame.type === "history") this.#histories.push(pending);
    if (this.#protocol >= 1) {
      frame.id ??= this.#nextId++;
      frame.session_id = this.#sessionId;
      const tooLong = this.#oversize(frame);
      if (tooLong) return answer.reject(tooLong);
      this.#byId.set(frame.id, pending);
      this.#write(frame);
    } else {
      this.#inTurn.push(pending);
      if (this.#inTurn.length === 1) this.#write(frame);
    }
  }

  /** A heartbeat is due: writes `ping` (a version 0 peer gets none). */
  beat(): void {
    if (this.#state === ClientState.Ready && this.#protocol >= 1) {
      this.#write({ type: "heartbeat", content: "ping" });
    }
  }

  /**
   * Says goodbye: writes `disconnect`; returns whether the server will close
   * the connection in answer (a version 0 peer knows no `disconnect`).
   */
  disconnect(reason: string): boolean {
    if (this.#state !== ClientState.Ready || this.#protocol < 1) return false;
    this.#write({ type: "disconnect", content: reason });
    return true;
  }

  /**
   * Ends the connection (once): every request still waiting is rejected with
   * a {@linkcode ConnectionClosedError}. When the server ends it after an
   * error that announced the close, that error is the reason. Returns how it
   * ended.
   */
  close(info: CloseInfo): CloseInfo {
    return this.#end(info);
  }

  /** Ends the connection; a handshake under way fails with `failure` (default: the end). */
  #end(info: CloseInfo, failure?: Error): CloseInfo {
    if (this.#closeInfo) return this.#closeInfo;
    const final = this.#closing && info.byServer ? this.#closing : info;
    const handshaking = this.handshaking;
    this.#state = ClientState.Closed;
    this.#closeInfo = final;
    const error = new ConnectionClosedError(final);
    if (handshaking) this.#events.failed(failure ?? error);
    for (const pending of [...this.#byId.values(), ...this.#inTurn]) pending.answer.reject(error);
    this.#byId.clear();
    this.#histories = [];
    this.#inTurn = [];
    this.#events.closed(final);
    return final;
  }

  #write(frame: Frame): void {
    frame.session_id = this.#sessionId;
    this.#events.write(frame);
  }

  /** The error of a frame over the limit the server announced (none announced: none). */
  #oversize(frame: Frame): Error | undefined {
    return this.#frameLimit === undefined ? undefined : oversize(frame, this.#frameLimit);
  }

  /** The first frame: `session_init` (answered with `session_ack`), or a refusal. */
  #opened(frame: Frame): void {
    if (frame.type !== "session_init") {
      return this.#refuse(
        frame.type === "error"
          ? serverError(frame)
          : new Error(`expected session_init, got ${frame.type}`),
      );
    }
    this.#sessionId = String(frame.session_id);
    this.#protocol = typeof frame.protocol === "number" ? frame.protocol : 0;
    if (isHeartbeat(frame.heartbeat)) this.#heartbeat = frame.heartbeat;
    if (Number.isSafeInteger(frame.max_frame) && (frame.max_frame as number) > 0) {
      this.#frameLimit = frame.max_frame as number;
    }
    if (Array.isArray(frame.login)) {
      this.#loginMethods = frame.login.filter((kind) => typeof kind === "string");
    }
    const ack: Frame = { type: "session_ack", content: "Session acknowledged" };
    if (this.#options.name !== undefined) ack.name = this.#options.name;
    if (this.#options.token !== undefined) ack.token = this.#options.token;
    if (this.#options.login !== undefined) ack.auth = { ...this.#options.login };
    if (typeof frame.resume_token === "string") {
      this.#resumeToken = frame.resume_token;
      const resume = this.#options.resume;
      if (resume) ack.resume = { token: resume.token, seq: resume.seq };
    }
    if (this.#protocol >= 1) {
      ack.id = HANDSHAKE_ID;
      this.#state = ClientState.AwaitingAck;
      this.#write(ack);
      return;
    }
    // A version 0 peer does not answer session_ack: the name is the one asked for.
    this.#name = this.#options.name ?? "";
    this.#state = ClientState.Ready;
    this.#write(ack);
    this.#events.ready();
  }

  /** While awaiting the handshake's `ack`: handles the frames that answer it; false for others. */
  #handshakeAnswer(frame: Frame): boolean {
    if (frame.id === HANDSHAKE_ID) {
      if (frame.type === "ack") {
        if (typeof frame.name === "string") this.#name = frame.name;
        this.#state = ClientState.Ready;
        this.#events.ready();
        return true;
      }
      if (frame.type !== "error") return false;
      const error = serverError(frame);
      if (!NAME_ERRORS.includes(error.code)) {
        this.#refuse(error);
        return true;
      }
      // The name's error is the session_ack's one answer (PROTOCOL.md section 4): the session
      // is open, under its guest name. (An ack after it, from an older server, is ignored.)
      this.#nameError = error;
      this.#name = guestName(this.#sessionId);
      this.#state = ClientState.Ready;
      this.#events.ready();
      return true;
    }
    // A refused handshake (unauthorized, bad_session) may come without the ack's id.
    const error = frame.type === "error" ? serverError(frame) : undefined;
    if (!error?.closes) return false;
    this.#refuse(error);
    return true;
  }

  /**
   * Version 1: an `ack`, `who` or `error` answers the request of its `id`;
   * a `who` answer split over several frames (`"more":true` on all but the
   * last) answers it once, with every entry.
   */
  #answerById(frame: Frame): void {
    const pending = frame.id === undefined ? undefined : this.#byId.get(frame.id);
    if (!pending) {
      if (frame.type === "error") this.#noteClose(serverError(frame));
      if (frame.type !== "ack") this.#events.frame(frame);
      return;
    }
    if (pending.request.type === "history") {
      this.#histories.splice(this.#histories.indexOf(pending), 1);
    }
    if (frame.type === "error") {
      this.#byId.delete(frame.id!);
      pending.answer.reject(this.#noteClose(serverError(frame)));
    } else if (frame.type === "who" && frame.more === true) {
      pending.parts = [...pending.parts ?? [], ...entries(frame)];
    } else if (frame.type === "ack" || frame.type === "who" || frame.type === "history") {
      this.#byId.delete(frame.id!);
      const whole = frame.type === "history"
        ? { ...frame, messages: pending.parts ?? [] }
        : pending.parts && frame.type === "who"
        ? { ...frame, content: [...pending.parts, ...entries(frame)] }
        : frame;
      this.#answered(pending, whole);
    } else {
      this.#events.frame(frame);
    }
  }

  /** Version 0: every reply answers the oldest request in flight; then the next is written. */
  #answerInTurn(frame: Frame): void {
    if (frame.type !== "heartbeat") this.#events.frame(frame);
    const pending = this.#inTurn.shift();
    if (!pending) return;
    if (frame.type === "error") pending.answer.reject(serverError(frame));
    else this.#answered(pending, frame);
    const next = this.#inTurn[0];
    if (next && this.#state === ClientState.Ready) this.#write(next.request);
  }

  /**
   * `resumed`: the session is the one it names (resumed, or a new one), with
   * its name, rooms and next token.
   */
  #resumedBy(frame: Frame): void {
    const content = (frame.content ?? {}) as Record<string, unknown>;
    const id = typeof frame.session_id === "string" ? frame.session_id : this.#sessionId;
    this.#resumed = {
      recovered: content.recovered === true,
      replayed: typeof content.replayed === "number" ? content.replayed : 0,
      seq: typeof content.seq === "number" ? content.seq : 0,
      resumed: id !== this.#sessionId,
    };
    this.#sessionId = id;
    if (typeof frame.name === "string") this.#name = frame.name;
    if (typeof frame.resume_token === "string") this.#resumeToken = frame.resume_token;
    this.rooms.clear();
    if (Array.isArray(frame.rooms)) {
      for (const room of frame.rooms) {
        this.rooms.add(String(room));
      }
    }
    const newest = typeof content.seq === "number" ? content.seq : 0;
    if (!this.#resumed.resumed) {
      // A new session, maybe on a server that numbers anew (restarted without its history):
      // the seqs of the lost one say nothing here; it has seen up to the newest.
      this.#lastSeq = newest;
    } else if (newest > this.#lastSeq) {
      // Whatever it missed up to the newest seq is replayed above, or lost.
      this.#lastSeq = newest;
    }
  }

  /** A request succeeded: the session's name and rooms follow it, then its caller hears. */
  #answered({ request, answer }: Pending, reply: Frame): void {
    const subject = String(request.content);
    if (request.type === "nick") this.#name = confirmedName(reply, subject);
    else if (request.type === "join") this.rooms.add(subject);
    else if (request.type === "leave") this.rooms.delete(subject);
    answer.resolve(reply);
  }

  /** The handshake was refused (or opened with something else): the client ends the connection. */
  #refuse(error: Error): void {
    const info: CloseInfo = {
      reason: `the session was refused: ${error.message}`,
      byServer: false,
    };
    if (error instanceof ChatError) info.code = error.code;
    this.#end(info, error);
  }

  /** Remembers an error that announces the close, as the reason for the end to come. */
  #noteClose(error: ChatError): ChatError {
    if (error.closes) this.#closing = { reason: error.message, code: error.code, byServer: true };
    return error;
  }
}

/**
 * The name a `nick` request's answer confirms: a version 1 server's `ack`
 * carries it in `content`; otherwise (a version 0 peer) it is the name asked for.
 */
export function confirmedName(reply: Frame, requested: string): string {
  return reply.type === "ack" && typeof reply.content === "string" ? reply.content : requested;
}

/** The {@linkcode ChatError} of an `error` frame (an unknown code reads as `invalid_message`). */
function serverError(frame: Frame): ChatError {
  const code = isErrorCode(frame.code) ? frame.code : "invalid_message";
  return new ChatError(code, String(frame.content ?? code), { frameId: frame.id });
}

/** The entries of a `who` frame (none when its content is not a list). */
function entries(frame: Frame): unknown[] {
  return Array.isArray(frame.content) ? frame.content : [];
}

function isHeartbeat(value: unknown): value is HeartbeatSettings {
  const h = value as HeartbeatSettings | undefined;
  return typeof h?.interval === "number" && typeof h.timeout === "number" &&
    typeof h.retries === "number" &&
    h.interval > 0 && h.timeout > 0 && h.retries > 0;
}
