/**
 * One client connection: the handshake, the frame loop, liveness and the
 * connection's fate on each error (PROTOCOL.md sections 3 to 6).
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { Clock } from "../async/clock.ts";
import { settleWithin, sleep } from "../async/deadline.ts";
import { Liveness, type LivenessOptions } from "../async/liveness.ts";
import { ChatError, type ErrorCode } from "../protocol/errors.ts";
import { encodeSessionId, type SplicedFrame } from "../protocol/encode.ts";
import { SmallBuffers } from "../io/small_buffers.ts";
import { FrameDecoder } from "../protocol/frame_decoder.ts";
import {
  type Frame,
  type FrameId,
  guestName,
  type HeartbeatSettings,
  parseFrame,
  PROTOCOL_VERSION,
} from "../protocol/messages.ts";
import type { OutputBudget } from "../transport/output_budget.ts";
import { IdWords, OutputQueue, type OutputQueueEvents } from "../transport/output_queue.ts";
import type { Framer, Incoming, TransportKind } from "../transport/types.ts";
import type {
  Audience,
  Directory,
  HandlerContext,
  MessageReceipt,
  OutgoingMessage,
  SessionInfo,
} from "./handler.ts";
import type { AccountSessions } from "./account_sessions.ts";
import type { HandshakeSlots } from "./handshake_slots.ts";
import { accountInfo, identityOf } from "./account_info.ts";
import {
  type AccountInfo,
  type Awaitable,
  type HistoryPage,
  type HistoryRequest,
  messageFrame,
  type Resumption,
  type SessionRecord,
} from "./history/mod.ts";
import type { HistoryKeeper, ResumeToken } from "./history_keeper.ts";
import { type Identity, LoginRefused, type RefusalLog } from "./identity/identity.ts";
import type { Logins } from "./logins.ts";
import type { ServerMetrics } from "./metrics.ts";
import type { CloseReason } from "./options.ts";
import type { Names } from "./names.ts";
import { nameKey } from "../protocol/names.ts";
import type { Holder } from "./queue_total.ts";
import type { Relay } from "./relay.ts";
import { RoomLimit } from "./room_limit.ts";
import type { Rooms } from "./rooms.ts";
import type { Roster } from "./roster.ts";
import type { ServerSettings } from "./settings.ts";
import type { TokenCheck } from "./token.ts";
import { TokenBucket } from "./token_bucket.ts";
import type { Turns } from "./turns.ts";

const log = getLogger(["chat", "session"]);
const EMPTY = new Uint8Array(0);
/**
 * A stream decoder with no partial frame, by frame limit, for the next
 * read of any session: a session between frames holds no decoder. One is
 * enough: a read's frames are split at once, and the decoder given back.
 */
const spareDecoders = new Map<number, FrameDecoder>();

/** A spare decoder of frames up to `maxFrame` bytes (a new one when there is none). */
function spareDecoder(maxFrame: number): FrameDecoder {
  const decoder = spareDecoders.get(maxFrame);
  if (decoder === undefined) return new FrameDecoder(maxFrame);
  spareDecoders.delete(maxFrame);
  return decoder;
}

/** The framer a session keeps after a read: none when it is a stream decoder holding nothing. */
function keepDecoder(decoder: Framer): Framer | undefined {
  if (!(decoder instanceof FrameDecoder) || !decoder.spare) return decoder;
  spareDecoders.set(decoder.maxFrame, decoder);
  return undefined;
}

/** The rooms of a session in none. */
const NO_ROOMS: ReadonlySet<string> = new Set();

/**
 * The smallest and largest read buffer: small while idle, grown (four times
 * over) by reads that fill it, back to the smallest after a read that takes
 * an eighth of it or less. Before the handshake completes it grows to 4 KiB
 * at most: a `session_ack` needs no more, and a connection that has not
 * logged in holds little (PROTOCOL.md section 1).
 */
const READ_MIN = 256;
/** The smallest read buffers: views of shared slabs, 256 to a slab, given back when not in use. */
const smallBuffers = new SmallBuffers(READ_MIN, 256);
const READ_MAX = 64 * 1024;
const READ_MAX_HANDSHAKE = 4 * 1024;
/** Most frames of one session whose answers wait for a commit of history while it goes on reading. */
const MAX_WAITING = 1024;

/** What a session needs of its server: settings, and the parts that sessions share. */
export interface SessionHost {
  /** Limits, heartbeat, handler and clock. */
  readonly settings: ServerSettings;
  /** The server's counters. */
  readonly metrics: ServerMetrics;
  /** The sessions handlers see (in a cluster, every node's). */
  readonly directory: Directory;
  /** Whether a `session_ack` token lets the session in. */
  readonly checkToken: TokenCheck;
  /** Relays a handler's frame to its targets. */
  readonly relay: Pick<Relay<Session>, "send">;
  /** Display names. */
  readonly names: Pick<Names<Session>, "rename">;
  /** Room membership. */
  readonly rooms: Pick<Rooms<Session>, "join" | "leave">;
  /** The session's id, and the bookkeeping of its handshake, its end and its last breath. */
  readonly roster: Pick<
    Roster<Session>,
    | "newSessionId"
    | "admits"
    | "opened"
    | "closed"
    | "finished"
    | "holder"
    | "resumed"
    | "adopt"
  >;
  /** History and resume (none with `--history 0`, or a handler that keeps no history). */
  readonly keeper: HistoryKeeper | undefined;
  /** The slots of connections in their handshake: this one gives its own back. */
  readonly slots: Pick<HandshakeSlots, "release">;
  /** The turns that sessions take to handle what they read. */
  readonly turns: Turns;
  /** The unsent output of every session together (`--max-queue-total`). */
  readonly budget: OutputBudget;
  /** The login of its handshake (PROTOCOL.md section 11), where the server knows identities. */
  readonly logins: Pick<Logins, "known" | "announcement" | "admit" | "resumes">;
  /** One session per account: its account's name, taken from the session that held it. */
  readonly accounts: Pick<AccountSessions<Session>, "take">;
}

const enum State {
  Handshake,
  Ready,
  Closing,
  Closed,
}

/**
 * One client connection and the session it holds. It is its own
 * {@linkcode LivenessOptions}: its {@linkcode Liveness} needs no other object.
 */
export class Session implements SessionInfo, OutputQueueEvents, LivenessOptions, Holder {
  /** Its display name. */
  name: string;
  /** The transport it arrived on. */
  readonly transport: TransportKind;
  /** The rooms it is in (none: no set of its own, see {@linkcode Session.enter}). */
  #rooms: Set<string> | undefined;
  /** Its record as history last kept it (none without history). */
  record: SessionRecord | undefined;
  /** Whether it was resumed: a message id it sent before may come again (PROTOCOL.md section 9). */
  resumed = false;
  /** Whether a resume took its session over: its connection ends, the session goes on. */
  displaced = false;
  /**
   * While its record is being kept before its handshake is answered: the
   * promise of that answer (an ending waits for it: one answer per id).
   */
  answering: Promise<void> | undefined;
  /** The identity its login proved (PROTOCOL.md section 11); `undefined` for a guest. */
  identity: Identity | undefined;

  #id: string;
  #host: SessionHost;
  #liveness: Liveness;
  #conn: Incoming;
  #queue: OutputQueue;
  /**
   * Its framer: a WebSocket's own, or a stream decoder; none between two
   * reads while it holds no partial frame (see `spareDecoders`).
   */
  #decoder: Framer | undefined;
  #state = State.Handshake;
  #registered = false;
  /** Whether it holds a handshake slot (from its accept until it is admitted or refused). */
  #inHandshake = true;
  /** When its handshake completed (by its clock). */
  #openedAt = 0;
  /** Its id as {@linkcode IdWords}, for relayed frames (made on first use). */
  #idWords: IdWords | undefined;
  #ending: Promise<void> | undefined;
  /** The resume token of its `session_init`, until the handshake completes. */
  #token: ResumeToken | undefined;
  /** Resolves once the answers of the frames handled so far are written (set while some wait for a commit). */
  #behind: Promise<void> | undefined;
  /** How many frames wait for a commit before their answers. */
  #waiting = 0;
  /**
   * Its rate limit's bucket (none when `--rate-limit 0`), made full when a
   * read needs it and dropped by the sweep once full again: a full bucket
   * is a new one, and an idle session holds none.
   */
  #bucket: TokenBucket | undefined;
  /**
   * Resolves once the session starts to end (a login it waits for is then
   * no longer awaited); made by the first login that waits.
   */
  #leaving: PromiseWithResolvers<void> | undefined;
  /** The buffer of its next read (a small one from `smallBuffers` until it runs). */
  #buffer: Uint8Array<ArrayBuffer> = EMPTY;
  /** The turn of its last read (see {@linkcode Turns}). */
  #turn = -1;
  /** The sessions it sees: through its login's `rooms` claim, when it has one. */
  #directory: Directory;
  /** Its login's `rooms` claim: the only rooms it may join or ask `who` about. */
  #roomLimit: RoomLimit | undefined;

  /**
   * Creates the session of a new connection, which holds a handshake slot
   * already; {@linkcode Session.run} starts it.
   */
  constructor(host: SessionHost, conn: Incoming, transport: TransportKind) {
    this.#host = host;
    this.#conn = conn;
    this.transport = transport;
    this.#id = host.roster.newSessionId();
    this.name = guestName(this.id);
    const { maxFrame, handshakeMaxFrame } = host.settings;
    this.#decoder = conn.framer?.(maxFrame, handshakeMaxFrame) ??
      new FrameDecoder(maxFrame, handshakeMaxFrame);
    this.#queue = new OutputQueue(conn, host.settings.maxQueue, this, host.budget);
    this.#liveness = new Liveness(this);
    this.#liveness.allow(host.settings.handshakeMs);
    this.#directory = host.directory;
  }

  /** The session's UUID (a resume makes it the resumed session's). */
  get id(): string {
    return this.#id;
  }

  /** The rooms it is in, by the names they are shown by. */
  get rooms(): ReadonlySet<string> {
    return this.#rooms ?? NO_ROOMS;
  }

  /**
   * It is in `room` now (the registry's to call). Its set of rooms is made
   * by the first, and dropped when it leaves the last: most sessions of a
   * big server sit in no room, and an empty set costs more than its object.
   */
  enter(room: string): void {
    (this.#rooms ??= new Set()).add(room);
  }

  /** It is in `room` no more (the registry's to call). */
  exit(room: string): void {
    if (this.#rooms?.delete(room) && this.#rooms.size === 0) this.#rooms = undefined;
  }

  /** Whether it logged in to an account. */
  get verified(): boolean {
    return this.identity !== undefined;
  }

  /** The account it logged in to, as history keeps it with the session. */
  get account(): AccountInfo | undefined {
    return this.identity && accountInfo(this.identity);
  }

  /** Its peer's address, as logs write it: `tcp://IP:PORT`, `ws://IP:PORT` or `unix`. */
  get peer(): string {
    return this.#conn.peer.url;
  }

  /** The sessions its handlers see (its login's `rooms` claim applied). */
  get directory(): Directory {
    return this.#directory;
  }

  /** Its login's `rooms` claim, when it has one. */
  get roomLimit(): RoomLimit | undefined {
    return this.#roomLimit;
  }

  /** Takes `identity` on: verified, and limited to its `rooms` claim, if it has one. */
  #takeIdentity(identity: Identity): void {
    this.identity = identity;
    if (identity.rooms === undefined) return;
    this.#roomLimit = new RoomLimit(identity.rooms);
    this.#directory = this.#roomLimit.view(this.#host.directory);
  }

  /** The heartbeat settings it is held to (its {@linkcode Liveness} reads them). */
  get heartbeat(): HeartbeatSettings {
    return this.#host.settings.heartbeat;
  }

  /** The clock of its deadlines (its {@linkcode Liveness} reads it). */
  get clock(): Clock {
    return this.#host.settings.clock;
  }

  /**
   * Its output passed `--max-queue`: cut it. What it was owed and not yet
   * being written is dropped for the `slow_consumer` error, which it gets if
   * it reads within the grace period; then the connection is closed.
   */
  onOverflow(): void {
    this.#cut(`more than ${this.#host.settings.maxQueue} bytes of output unsent`);
  }

  /** Its unsent output, in bytes. */
  get queued(): number {
    return this.#queue.unsent;
  }

  /** The output of all sessions passed `--max-queue-total`, and it holds the most: cut it. */
  cutForTotal(): void {
    const { maxQueueTotal } = this.#host.settings;
    this.#cut(
      `${this.queued} bytes of output unsent, among the most of all sessions, whose total ` +
        `passed ${maxQueueTotal} bytes`,
    );
  }

  /** Cuts the session with `slow_consumer` (see {@linkcode Session.onOverflow}). */
  #cut(content: string): void {
    if (this.#state >= State.Closing) return;
    this.#host.metrics.error("slow_consumer");
    this.#queue.lastWord(JSON.stringify({
      type: "error",
      code: "slow_consumer",
      content,
      session_id: this.id,
    }));
    void this.end("slow_consumer");
  }

  /** A write failed: the peer is gone. */
  onWriteError(): void {
    this.#destroy("write_failed");
  }

  /** Bytes were written to its connection. */
  onWritten(bytes: number): void {
    this.#host.metrics.bytesSent += bytes;
  }

  /** Whether the session is closing or closed. */
  get gone(): boolean {
    return this.#state >= State.Closing;
  }

  /**
   * Sends `session_init`, then reads and handles frames until the connection
   * ends; then its end is awaited and the roster told. A fault in one session
   * closes that session alone.
   *
   * While idle, a session waits for one read with one callback: no async
   * function is suspended, so an idle session holds no generator, no chain
   * of promises and no closure of its own but {@linkcode Session.#onRead}.
   */
  run(): void {
    log.debug("connection {session_id} from {peer}", () => this.#logProps());
    const init: Frame = {
      type: "session_init",
      content: "Session established",
      protocol: PROTOCOL_VERSION,
      heartbeat: this.heartbeat,
      max_frame: this.#host.settings.maxFrame,
      ...this.#host.logins.announcement,
    };
    const keeper = this.#host.keeper;
    if (keeper) init.resume_token = (this.#token = keeper.newToken()).token;
    this.send(init);
    this.#buffer = smallBuffers.take();
    this.#read();
  }

  /** Reads once more, unless the session is closing: then waits for its end. */
  #read(): void {
    if (this.#state >= State.Closing) {
      void this.#finish();
      return;
    }
    this.#conn.read(this.#buffer).then(this.#onRead, this.#onRead);
  }

  /**
   * What a read brought: how many bytes, `null` at the end of the stream,
   * or the error it failed with (the end too). One function for both
   * outcomes, made once per session.
   */
  readonly #onRead = (result: unknown): void => {
    let handling: void | Promise<void>;
    try {
      handling = this.#took(typeof result === "number" ? result : null);
    } catch (error) {
      return this.#failed(error);
    }
    if (handling) handling.then(() => this.#read(), (error) => this.#failed(error));
    else this.#read();
  };

  /** Handling what it read threw: the session is closed (alone), and its end awaited. */
  #failed(error: unknown): void {
    log.error("session {session_id} failed: {error}", { ...this.#logProps(), error });
    this.#destroy("internal_error");
    void this.#finish();
  }

  /** Waits for the end under way, then tells the roster the session is finished. */
  async #finish(): Promise<void> {
    // No read is in flight any more: the buffer is free.
    this.#buffer = this.#nextBuffer(this.#buffer, -1);
    await this.#ending;
    this.#host.roster.finished(this);
  }

  /**
   * Handles what one read brought: `n` bytes in the read buffer, or `null`
   * at the end of the stream. A promise only when it must wait (its turn,
   * its rate, a frame that holds up the next ones).
   */
  #took(n: number | null): void | Promise<void> {
    if (n === null) return this.end("peer_closed");
    this.#host.metrics.bytesReceived += n;
    // One read's worth of frames per turn: wait while the others take theirs.
    const turns = this.#host.turns;
    if (turns.current === this.#turn) return turns.next().then(() => this.#handleRead(n));
    return this.#handleRead(n);
  }

  /** Handles the frames of a read of `n` bytes, in its turn. */
  #handleRead(n: number): void | Promise<void> {
    this.#turn = this.#host.turns.take();
    const decoder = this.#decoder ?? spareDecoder(this.#host.settings.maxFrame);
    const frames = decoder.push(this.#buffer.subarray(0, n));
    this.#decoder = keepDecoder(decoder);
    this.#rate()?.refill(this.clock.now());
    const handling = this.#frames(frames, 0);
    if (handling) return handling.then(() => this.#afterRead(n));
    this.#afterRead(n);
  }

  /**
   * Handles `frames` from the `i`th on (`taken`: its token is taken
   * already); a promise when one must be waited for.
   */
  #frames(frames: (Uint8Array | ChatError)[], i: number, taken = false): void | Promise<void> {
    for (; i < frames.length && this.#state < State.Closing; i++, taken = false) {
      // A frame is handled only with a token; meanwhile nothing more is read.
      const bucket = taken ? undefined : this.#rate();
      if (bucket && !bucket.take()) {
        const at = i;
        return this.#throttle(frames.length - i).then(() => this.#frames(frames, at, true));
      }
      const pending = this.#onFrame(frames[i]);
      if (pending) {
        const at = i + 1;
        return pending.then(() => this.#frames(frames, at));
      }
    }
  }

  /** After the frames of a read of `n` bytes: a frame over the limit, and the next buffer. */
  #afterRead(n: number): void {
    const decoder = this.#decoder;
    if (decoder?.tooLarge && this.#state < State.Closing) {
      const why = `frame over ${decoder.limit} bytes`;
      if (this.#state === State.Handshake) this.#refuse("frame_too_large", why);
      else this.fail(new ChatError("frame_too_large", why));
    }
    this.#buffer = this.#nextBuffer(this.#buffer, n);
  }

  /**
   * The buffer of the next read, after one of `n` bytes into `buffer` (-1:
   * there is none, the session is finished). A small buffer no longer used
   * goes back to `smallBuffers`.
   */
  #nextBuffer(buffer: Uint8Array<ArrayBuffer>, n: number): Uint8Array<ArrayBuffer> {
    let next = buffer;
    if (n < 0) next = EMPTY;
    else if (n === buffer.length) {
      const max = this.#state === State.Handshake ? READ_MAX_HANDSHAKE : READ_MAX;
      if (buffer.length < max) next = new Uint8Array(buffer.length * 4);
    } else if (n * 8 <= buffer.length && buffer.length > READ_MIN) next = smallBuffers.take();
    if (next !== buffer && buffer.length === READ_MIN) smallBuffers.give(buffer);
    return next;
  }

  /**
   * Waits until the bucket gives a token (then taken) for the first of the
   * `left` frames read and not yet handled: a timer only while the session
   * is over its rate, for the tokens of up to 20 ms of frames at once.
   */
  async #throttle(left: number): Promise<void> {
    const clock = this.clock;
    const batch = Math.min(left, Math.ceil(this.#host.settings.rateLimit / 50));
    for (;;) {
      await sleep(Math.max(1, this.#rate()!.msUntil(batch)), clock);
      // The bucket of now: the sweep may have dropped a full one meanwhile.
      const bucket = this.#rate()!;
      bucket.refill(clock.now());
      if (bucket.take()) return;
    }
  }

  /** Its rate limit's bucket, a full one made when it has none; none with `--rate-limit 0`. */
  #rate(): TokenBucket | undefined {
    const { rateLimit, clock } = this.#host.settings;
    if (rateLimit <= 0) return undefined;
    return this.#bucket ??= new TokenBucket(rateLimit, clock.now());
  }

  /** Queues a frame for this session, with its `session_id`. */
  send(frame: Frame): boolean {
    if (frame.type === "error") this.#host.metrics.error(String(frame.code));
    frame.session_id = this.id;
    return this.#queue.pushText(JSON.stringify(frame));
  }

  /** Queues a frame encoded once for many receivers. */
  deliver(frame: SplicedFrame): boolean {
    return this.#state === State.Ready &&
      this.#queue.pushSpliced(
        frame.head,
        this.#idWords ??= new IdWords(encodeSessionId(this.id)),
        frame.tail,
      );
  }

  /** Sends the `error` frame of `error`, and closes the connection when its code says so. */
  fail(error: ChatError): void {
    this.send(this.errorFrame(error));
    if (error.closes) void this.end(error.code);
  }

  /** The `error` frame of `error` (logged at debug). */
  errorFrame(error: ChatError): Frame {
    const frame: Frame = { type: "error", code: error.code, content: error.message };
    if (error.frameId !== undefined) frame.id = error.frameId;
    log.debug("session {session_id}: {code}", () => ({ ...this.#logProps(), code: error.code }));
    return frame;
  }

  /**
   * A resume took its session over (PROTOCOL.md section 9): this connection
   * ends at once, and the session goes on on the other.
   */
  displace(): void {
    this.displaced = true;
    this.#destroy("taken_over");
  }

  /** Closes after the output owed is flushed (waiting at most the grace period). */
  end(reason: CloseReason): Promise<void> {
    if (this.#state === State.Closed) return Promise.resolve();
    return this.#ending ??= this.#endAfterFlush(reason);
  }

  async #endAfterFlush(reason: CloseReason): Promise<void> {
    this.#state = State.Closing;
    this.#leaving?.resolve();
    this.#queue.retire();
    const { graceMs, clock } = this.#host.settings;
    await settleWithin(this.#queue.drained(), graceMs, clock);
    this.#destroy(reason);
  }

  /**
   * Cuts the session when it sent nothing valid in time: its handshake
   * deadline, then its silence deadline, has passed at `now`. The server's
   * sweep calls it for every connection.
   */
  check(now: number): void {
    // A bucket full again is as good as none (a new one is full): an idle session drops it.
    if (this.#bucket?.fullAt(now)) this.#bucket = undefined;
    this.#liveness.check(now);
  }

  /** Its deadline passed (called once, by its {@linkcode Liveness}): it is cut. */
  onDead(): void {
    // A closing session is already on its way out: no second error frame.
    if (this.#state >= State.Closing) return;
    const { handshakeMs, silenceMs } = this.#host.settings;
    if (this.#state === State.Handshake) {
      return this.#refuse("handshake_timeout", `no session_ack within ${handshakeMs / 1000} s`);
    }
    this.fail(new ChatError("heartbeat_timeout", `no frame within ${silenceMs / 1000} s`));
  }

  #destroy(reason: CloseReason): void {
    if (this.#state === State.Closed) return;
    this.#state = State.Closed;
    this.#leaving?.resolve();
    this.#leaveHandshake();
    this.#queue.close();
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
    if (this.#registered) {
      const duration = Math.round(this.clock.now() - this.#openedAt) / 1000;
      log.info(
        "session {session_id} from {peer} ({name}) ended: {reason} after {duration} s",
        () => ({
          ...this.#logProps(),
          name: this.name,
          reason,
          duration,
        }),
      );
    } else {
      // Not a session: only a refusal is logged (at warn); this line is for debugging.
      log.debug(
        "connection {session_id} from {peer} closed before its handshake: {reason}",
        () => ({
          ...this.#logProps(),
          reason,
        }),
      );
    }
    this.#host.roster.closed(this, reason, this.#registered);
  }

  /** What every log line of this session names: its id, its peer's address and transport. */
  #logProps(): Record<string, unknown> {
    return { session_id: this.id, peer: this.#conn.peer.url, transport: this.transport };
  }

  /** Handles one frame; returns a promise only when the next frame must wait for it. */
  #onFrame(bytes: Uint8Array | ChatError): void | Promise<void> {
    let frame: Frame;
    try {
      if (bytes instanceof ChatError) throw bytes;
      frame = parseFrame(bytes);
    } catch (error) {
      const chatError = error as ChatError;
      if (this.#state === State.Handshake) {
        return this.#refuse(chatError.code, chatError.message, chatError.frameId);
      }
      return this.fail(chatError);
    }
    return this.#inTurn(frame);
  }

  /**
   * Handles a frame once the frames before it allow: while some wait for a
   * commit of history, a `message` is handled at once (its answers follow
   * theirs), anything else after them.
   */
  #inTurn(frame: Frame): void | Promise<void> {
    const behind = this.#behind;
    if (behind && (frame.type !== "message" || this.#waiting >= MAX_WAITING)) {
      return behind.then(() => this.#inTurn(frame));
    }
    return this.#handle(frame);
  }

  #handle(frame: Frame): void | Promise<void> {
    if (this.#state === State.Handshake) return this.#handshake(frame);
    if (frame.session_id !== this.id) {
      const why = frame.session_id === undefined ? "missing session_id" : "wrong session_id";
      return this.fail(new ChatError("bad_session", why, { frameId: frame.id }));
    }
    this.#liveness.seen();
    switch (frame.type) {
      case "heartbeat":
        this.send(withId({ type: "heartbeat", content: "pong" }, frame.id));
        return;
      case "disconnect":
        this.ack(frame.id, { content: "bye" });
        void this.end("disconnect");
        return;
    }
    const handler = this.#host.settings.handler;
    // Without history, `history` is a type the server does not handle.
    if (
      !handler.types.includes(frame.type) || (frame.type === "history" && !this.#host.keeper)
    ) {
      return this.fail(
        new ChatError("unknown_type", `unknown type ${JSON.stringify(frame.type)}`, {
          frameId: frame.id,
        }),
      );
    }
    const behind = this.#behind;
    const ctx = new Context(this, this.#host, frame.id, behind !== undefined);
    // A failure after the frame's answer was sent is reported without its id: never two answers.
    const failed = (error: unknown) => ctx.fail(this.#handlerError(error, frame.id, ctx.answered));
    let result: void | Promise<void> = undefined;
    try {
      result = handler.handle(frame, ctx);
    } catch (error) {
      failed(error);
    }
    if (!result && !ctx.held) return ctx.done();
    const settled = result ? result.then(() => ctx.done(), failed) : ctx.done();
    // A frame that waits for anything but a commit of history holds up the next ones.
    if (!ctx.pipelined && !ctx.held) return settled;
    this.#pipeline(Promise.all([behind, settled]).then(() => ctx.release()));
  }

  /** A frame's answers wait for a commit: the next frames' answers wait for them. */
  #pipeline(answered: Promise<void>): void {
    this.#behind = answered;
    this.#waiting++;
    answered.then(() => {
      this.#waiting--;
      if (this.#behind === answered) this.#behind = undefined;
    });
  }

  /**
   * The error to answer a handler's failure on the frame `frameId` with: a
   * {@linkcode ChatError} with its code, anything else (logged) as
   * `invalid_message`. When the frame was `answered` already, the error
   * carries no id: never two answers.
   */
  #handlerError(error: unknown, frameId: FrameId | undefined, answered = false): ChatError {
    if (!(error instanceof ChatError)) {
      log.error("handler {handler} failed on session {session_id}: {error}", {
        ...this.#logProps(),
        handler: this.#host.settings.handler.name,
        error,
      });
      error = new ChatError("invalid_message", "the server could not handle this frame");
    }
    const { code, message, frameId: own } = error as ChatError;
    const id = answered ? undefined : own ?? frameId;
    return id === own ? error as ChatError : new ChatError(code, message, { frameId: id });
  }

  /** Sends the `ack` of the client frame with id `frameId` (none when it had no id). */
  ack(frameId: FrameId | undefined, fields?: Record<string, unknown>): void {
    if (frameId === undefined) return;
    this.send({ type: "ack", content: "ok", ...fields, id: frameId });
  }

  /**
   * Refuses the handshake: its error, then the connection is closed. Logged
   * at `warn` with the peer's address (a token is never in `message`); a
   * refused login with the user it named (or `-`) and why, never a secret.
   */
  #refuse(code: ErrorCode, message: string, frameId?: FrameId, login?: RefusalLog): void {
    if (login === undefined) {
      log.warn(
        "refused {peer}: {code} ({why})",
        () => ({ ...this.#logProps(), code, why: message }),
      );
    } else {
      const { user, reason, throttled } = login;
      log.warn("refused {peer}: {code} ({why}): a login as {user}: {reason}", () => ({
        ...this.#logProps(),
        code,
        why: message,
        user,
        reason,
        throttled,
      }));
    }
    this.send(withId({ type: "error", code, content: message }, frameId));
    void this.end(code);
  }

  #handshake(frame: Frame): void | Promise<void> {
    if (frame.type !== "session_ack") {
      return this.#refuse(
        "bad_session",
        `expected session_ack, got ${JSON.stringify(frame.type)}`,
        frame.id,
      );
    }
    if (frame.session_id !== this.id) {
      return this.#refuse("bad_session", "wrong session_id", frame.id);
    }
    if (!this.#host.checkToken(frame.token)) {
      const why = frame.token === undefined ? "a token is required" : "wrong token";
      return this.#refuse("unauthorized", why, frame.id);
    }
    // PROTOCOL.md section 11: the resume first (it needs no credentials: its token is the
    // secret), then, when it recovers nothing, the login.
    const keeper = this.#host.keeper;
    if (keeper && frame.resume !== undefined) return this.#resume(keeper, frame);
    return this.#opening(frame, false);
  }

  /**
   * What opens a session that resumed nothing (`unresumed`: it asked for a
   * resume that recovered nothing): the login, where the server knows
   * identities; else the name asked.
   */
  #opening(frame: Frame, unresumed: boolean): void | Promise<void> {
    if (this.#host.logins.known) return this.#login(frame, unresumed);
    return this.#named(frame, unresumed);
  }

  /**
   * The login of a server that knows identities (PROTOCOL.md section 11):
   * an account's session bears the account's name (a `name` asked is
   * ignored); a guest keeps its guest name (a `name` asked is
   * `not_permitted`, or ignored after a resume that recovered nothing); a
   * refused login is `unauthorized`. The handshake timeout stops at a
   * `session_ack` with `auth`: frames after it wait for the decision.
   */
  #login(frame: Frame, unresumed: boolean): Promise<void> {
    if (frame.auth !== undefined) this.#liveness.allow(Infinity);
    const deciding = this.#host.logins.admit(frame.auth, this.peer);
    const decided = (identity: Identity | undefined) => {
      if (this.#state !== State.Handshake) return;
      if (identity !== undefined) return this.#asAccount(identity, frame.id, unresumed);
      if (frame.name === undefined || unresumed) return this.#admit(frame.id, unresumed);
      return this.#nameRefused(
        new ChatError("not_permitted", "a guest keeps its guest name on this server"),
        frame.id,
        unresumed,
      );
    };
    const refused = (error: unknown) => {
      if (this.#state !== State.Handshake) return;
      const log = error instanceof LoginRefused ? error.log : undefined;
      this.#refuse("unauthorized", (error as Error).message, frame.id, log);
    };
    // A session that ends meanwhile (a shutdown, say) no longer waits for its login.
    return Promise.race([deciding.then(decided, refused), this.#left()]);
  }

  /** Resolves once the session starts to end (at once if it has). */
  #left(): Promise<void> {
    if (this.#leaving === undefined) {
      this.#leaving = Promise.withResolvers();
      if (this.#state >= State.Closing) this.#leaving.resolve();
    }
    return this.#leaving.promise;
  }

  /** An account's session: it takes the account (and its name) from whoever held it, then opens. */
  async #asAccount(
    identity: Identity,
    frameId: FrameId | undefined,
    unresumed: boolean,
  ): Promise<void> {
    this.#takeIdentity(identity);
    try {
      await this.#host.accounts.take(this, identity, () => this.#admit(frameId, unresumed));
    } catch (error) {
      if (this.#state !== State.Handshake) return;
      const reason = error instanceof LoginRefused ? error.reason : (error as Error).message;
      this.#refuse("unauthorized", (error as Error).message, frameId, {
        peer: this.peer,
        user: identity.account,
        reason,
        throttled: false,
      });
    }
  }

  /**
   * The handshake of a server that knows no identities: takes the name the
   * `session_ack` asks for, if any, then completes the handshake;
   * `unresumed`: it asked for a resume that recovered nothing.
   */
  #named(frame: Frame, unresumed: boolean): void | Promise<void> {
    if (frame.name === undefined) return this.#admit(frame.id, unresumed);
    const refused = (error: unknown) => this.#nameRefused(error, frame.id, unresumed);
    let claiming: void | Promise<void>;
    try {
      claiming = this.#host.names.rename(this, frame.name as string);
    } catch (error) {
      return refused(error);
    }
    if (claiming) return claiming.then(() => this.#admit(frame.id, unresumed), refused);
    return this.#admit(frame.id, unresumed);
  }

  /**
   * The `name` of the `session_ack` `frameId` was refused: its error is the
   * one answer (PROTOCOL.md section 4), and the session opens as it is.
   */
  #nameRefused(
    error: unknown,
    frameId: FrameId | undefined,
    unresumed: boolean,
  ): void | Promise<void> {
    this.fail(this.#handlerError(error, frameId));
    return this.#admit(undefined, unresumed);
  }

  /** Gives back its handshake slot (once). */
  #leaveHandshake(): void {
    if (!this.#inHandshake) return;
    this.#inHandshake = false;
    this.#host.slots.release(this.#conn.peer.address);
  }

  /**
   * Completes the handshake (unless the session ended while its name was
   * claimed, or the server has `--max-clients` sessions, away ones
   * included: `server_full`): with history, its record is kept (with
   * `--store`, committed) before the answer.
   */
  #admit(frameId: FrameId | undefined, unresumed: boolean): void | Promise<void> {
    if (this.#state !== State.Handshake) return;
    this.#leaveHandshake();
    if (!this.#host.roster.admits()) {
      return this.#refuse("server_full", "server is full", frameId);
    }
    this.#registered = true;
    this.#state = State.Ready;
    this.#liveness.seen();
    this.#openedAt = this.clock.now();
    log.info("session {session_id} opened from {peer} as {name}", () => ({
      ...this.#logProps(),
      name: this.name,
    }));
    this.#host.roster.opened(this);
    const keeper = this.#host.keeper;
    const answer = () => {
      if (keeper && unresumed) {
        const newest = keeper.store.newest;
        this.#sendResumed({ recovered: false, replayed: 0, seq: newest });
      }
      this.#token = undefined;
      this.ack(frameId, { content: "Session acknowledged", name: this.name });
    };
    const saving = keeper?.opened(this, this.#token!.hash);
    if (saving) {
      const answering = saving.then(answer);
      this.answering = answering;
      return answering;
    }
    answer();
  }

  /** `session_ack` asks to resume a session (PROTOCOL.md section 9). */
  #resume(keeper: HistoryKeeper, frame: Frame): void | Promise<void> {
    const resume = frame.resume as Record<string, unknown> | null;
    const token = typeof resume?.token === "string" ? resume.token : undefined;
    const seq = resume?.seq;
    const after = Number.isSafeInteger(seq) && (seq as number) >= 0 ? seq as number : 0;
    // Whatever comes of it, the token of the `resumed` frame is a new one.
    const next = this.#token = keeper.newToken();
    if (token === undefined) return this.#opening(frame, true);
    const found = keeper.resume(token, after, next, (record) => this.#mayTakeOver(keeper, record));
    if (!(found instanceof Promise)) return this.#resumeWith(found, frame);
    return found.then((resumption) => this.#resumeWith(resumption, frame), (error) => {
      log.error("history: a resume failed: {error}", { error });
      return this.#opening(frame, true);
    });
  }

  /**
   * Whether a resume may take `record`'s session over: it is away within its
   * window, or live elsewhere (in a cluster, also on another node: the
   * store's sessions are the cluster's); an account's only while the account is
   * unchanged and its login token (plus the leeway) has not expired
   * (PROTOCOL.md section 11). A newer login of the account dropped it
   * already: it is found no more.
   */
  #mayTakeOver(keeper: HistoryKeeper, record: SessionRecord): boolean {
    const holder = this.#host.roster.holder(record.id);
    if (holder === this || !keeper.resumable(record)) return false;
    if (holder === undefined && !keeper.store.shared) return false;
    if (record.account === undefined) return true;
    return this.#host.logins.resumes(identityOf(record.account));
  }

  /** Takes over the session found (none: a new session, `recovered: false`). */
  #resumeWith(found: Resumption | undefined, frame: Frame): void | Promise<void> {
    if (this.#state !== State.Handshake) return;
    const roster = this.#host.roster;
    // In a cluster, a session that another node held is registered here to be taken over.
    const holder = found && (roster.holder(found.session.id) ??
      (this.#host.keeper?.store.shared ? roster.adopt(found.session) : undefined));
    if (!found || !holder) return this.#opening(frame, true);
    const own = this.#id;
    this.#id = found.session.id;
    this.#idWords = undefined;
    this.name = holder.name;
    for (const room of holder.rooms) this.enter(room);
    this.record = found.session;
    if (found.session.account) this.#takeIdentity(identityOf(found.session.account));
    this.resumed = true;
    this.#leaveHandshake();
    this.#registered = true;
    this.#state = State.Ready;
    this.#liveness.seen();
    this.#openedAt = this.clock.now();
    log.info("session {session_id} resumed from {peer} as {name}", () => ({
      ...this.#logProps(),
      name: this.name,
    }));
    this.#host.roster.resumed(this, holder, own);
    for (const message of found.messages) this.send(messageFrame(message, true));
    const replayed = found.messages.length;
    this.#sendResumed({ recovered: found.complete, replayed, seq: found.newest });
    this.#token = undefined;
    this.ack(frame.id, { content: "Session acknowledged", name: this.name });
  }

  /** The `resumed` frame: the outcome, the session's name and rooms, and its next token. */
  #sendResumed(content: { recovered: boolean; replayed: number; seq: number }): void {
    this.send({
      type: "resumed",
      content,
      name: this.name,
      rooms: [...this.rooms],
      resume_token: this.#token!.token,
    });
  }
}

function withId(frame: Frame, id: FrameId | undefined): Frame {
  if (id !== undefined) frame.id = id;
  return frame;
}

/** The {@linkcode HandlerContext} of one frame. */
class Context implements HandlerContext {
  readonly session: Session;
  readonly directory: Directory;
  /** Whether its answers wait for a commit of history (and the next frames need not). */
  pipelined = false;
  #host: SessionHost;
  #frameId: FrameId | undefined;
  /** Whether a frame carrying the frame's id was sent, or it failed: its one answer (PROTOCOL.md section 4). */
  #answered = false;
  /** Its answers, held until those of the frames before it are written. */
  #held: Frame[] | undefined;

  /** The context of a frame; `hold`: its answers wait for those of earlier frames. */
  constructor(session: Session, host: SessionHost, frameId: FrameId | undefined, hold: boolean) {
    this.session = session;
    this.directory = session.directory;
    this.#host = host;
    this.#frameId = frameId;
    if (hold) this.#held = [];
  }

  /** Whether its answers are held. */
  get held(): boolean {
    return this.#held !== undefined;
  }

  send(frame: Frame): void {
    // A reply that carries the frame's id is its one answer: no ack after it.
    if (frame.id !== undefined && frame.id === this.#frameId) this.#answered = true;
    if (this.#held) this.#held.push(frame);
    else this.session.send(frame);
  }

  ack(fields?: Record<string, unknown>): void {
    if (this.#answered) return;
    this.#answered = true;
    if (this.#frameId === undefined) return;
    this.send({ type: "ack", content: "ok", ...fields, id: this.#frameId });
  }

  /** Answers with an error (closing the connection when its code says so): no ack after it. */
  fail(error: ChatError): void {
    this.#answered = true;
    this.send(this.session.errorFrame(error));
    if (error.closes) void this.session.end(error.code);
  }

  /** Whether the frame got its answer already (its id must be on no other frame). */
  get answered(): boolean {
    return this.#answered;
  }

  relay(targets: Iterable<SessionInfo> | Audience, frame: Frame): number {
    return this.#host.relay.send(targets, frame, this.session);
  }

  publish(
    targets: Iterable<SessionInfo> | Audience,
    message: OutgoingMessage,
  ): MessageReceipt | Promise<MessageReceipt> {
    const { session } = this;
    const keeper = this.#host.keeper;
    const ts = Date.now();
    if (!keeper) {
      const frame: Frame = { type: "message", content: message.content, from: session.name, ts };
      if (session.verified) frame.verified = true;
      if (message.room !== undefined) frame.room = message.room;
      if (message.to !== undefined) frame.to = message.to;
      return { recipients: this.relay(targets, frame) };
    }
    const draft = {
      ts,
      sender: session.id,
      from: session.name,
      verified: session.verified,
      content: message.content,
      room: message.room,
      roomKey: message.room === undefined ? undefined : nameKey(message.room),
      recipient: message.recipient,
      to: message.to,
    };
    const receipt = keeper.publish(
      draft,
      this.#frameId,
      session.resumed,
      (frame) => this.relay(targets, frame),
      () => this.#count(targets),
    );
    if (receipt instanceof Promise) this.pipelined = true;
    return receipt;
  }

  resent(): Awaitable<number | undefined> {
    const keeper = this.#host.keeper;
    const id = this.#frameId;
    if (!keeper || !this.session.resumed || id === undefined) return undefined;
    return keeper.store.resent(this.session.id, id);
  }

  history(request: HistoryRequest): Awaitable<HistoryPage> {
    const keeper = this.#host.keeper;
    if (!keeper) throw new ChatError("unknown_type", 'unknown type "history"');
    const { room, before, limit } = request;
    const roomKey = room === undefined ? undefined : nameKey(room);
    return keeper.history({ session: this.session.id, roomKey, before, limit });
  }

  rename(name: string): void | Promise<void> {
    if (this.#host.logins.known) {
      // PROTOCOL.md section 11: an account's session bears its name, a guest its guest name.
      throw new ChatError(
        "not_permitted",
        this.session.verified
          ? "an account's session is called by the account's name"
          : "a guest keeps its guest name on this server",
      );
    }
    return this.#kept(this.#host.names.rename(this.session, name));
  }

  join(room: string): void | Promise<void> {
    this.session.roomLimit?.check(room);
    return this.#kept(this.#host.rooms.join(this.session, room));
  }

  leave(room: string): void | Promise<void> {
    this.#host.rooms.leave(this.session, room);
    return this.#kept(undefined);
  }

  /** Sends the plain `ack`, unless the handler answered itself. */
  done(): void {
    this.ack();
  }

  /** Writes the answers held. */
  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const frame of held) this.session.send(frame);
  }

  /** After `step`, the session's record is kept anew (where history is on). */
  #kept(step: void | Promise<void>): void | Promise<void> {
    const keeper = this.#host.keeper;
    if (!keeper) return step;
    const keep = () => keeper.changed(this.session);
    if (step) return step.then(keep);
    return keep();
  }

  /** How many sessions `targets` names now, the sender aside. */
  #count(targets: Iterable<SessionInfo> | Audience): number {
    const { directory, session } = this;
    const sessions = Symbol.iterator in targets
      ? targets as Iterable<SessionInfo>
      : "room" in targets
      ? directory.members(targets.room)
      : directory.sessions();
    let n = 0;
    for (const target of sessions) if (target.id !== session.id) n++;
    return n;
  }
}
