/**
 * The soak's faults: sessions that churn, reset, half-close, go silent,
 * close mid-frame, dribble bytes, send oversized or invalid frames, or never
 * read while another floods them. Each fault runs in episodes: one short
 * life of a connection, checked against what the protocol promises (the
 * error frame, the close, its timing), and noted with the close reason the
 * server must log for it.
 *
 * @module
 */

import { Semaphore } from "../src/async/semaphore.ts";
import type { Limits } from "./server.ts";
import { PeerError, type RawClient } from "../tests/helpers/raw_client.ts";
import { SourcePeer } from "../tests/helpers/source_peer.ts";
import {
  dial,
  expectError,
  type Frame,
  line,
  SoakError,
  startSession,
  type Target,
} from "./client.ts";

/** The kinds of fault, each run by its own workers. */
export const KINDS = [
  "churn",
  "reset",
  "half-open",
  "silent",
  "mid-frame",
  "slowloris",
  "oversized",
  "invalid",
  "slow-consumer",
  "flooder",
  "prelogin",
  "slot-holder",
  "room-spam",
] as const;

/** A kind of fault. */
export type Kind = (typeof KINDS)[number];

/** How many workers of each kind, relative to the others. */
const WEIGHTS: Record<Kind, number> = {
  churn: 6,
  reset: 2,
  "half-open": 1,
  silent: 1,
  "mid-frame": 1,
  slowloris: 1,
  oversized: 1,
  invalid: 1,
  "slow-consumer": 1,
  flooder: 1,
  prelogin: 1,
  "slot-holder": 1,
  "room-spam": 1,
};

/** What the workers of one kind did. */
export interface KindStats {
  workers: number;
  episodes: number;
  passed: number;
  failed: number;
  /** The first few failures. */
  failures: string[];
  /** Episodes by variant. */
  variants: Record<string, number>;
}

/** How late past its limit the server cut a session, over every cut of one kind. */
export interface Lateness {
  count: number;
  minMs: number;
  maxMs: number;
  totalMs: number;
}

/** Everything the faults observed. */
export interface FaultStats {
  kinds: Record<Kind, KindStats>;
  /** Counts of observed events: the server's answers to the faults. */
  observed: Record<string, number>;
  /** How long after the limit the timeouts came. */
  lateness: { handshake: Lateness; heartbeat: Lateness };
  /** Most bytes a slow consumer could read back after it was cut. */
  maxSlowConsumerBacklog: number;
}

/** A close reason the server must log for a session. */
export interface Expectation {
  /** A fault kind, or `pairs`. */
  kind: string;
  variant: string;
  reasons: string[];
}

/**
 * The deadline server: a second server, the same but for a short handshake
 * timeout and heartbeat timeout, where the faults that are meant to meet
 * them run. The main server's timeouts are longer than any wait of the
 * soak, so that a fault about something else (a bad first frame, an
 * oversized frame, the handshake slots, a flood) is judged on the server's
 * answer and never on how fast a loaded machine got its bytes across.
 */
export interface DeadlineServer {
  tcp: Target;
  unix: Target;
  /** Its limits: the main server's, with short timeouts. */
  limits: Limits;
}

/** What every episode shares. */
export interface FaultContext {
  /** The main server: the pairs, the resources measured, every fault not about the handshake timeout. */
  tcp: Target;
  unix: Target;
  /** The main server's limits (its handshake and silence timeouts are out of the soak's reach). */
  limits: Limits;
  deadline: DeadlineServer;
  /** No episode starts after this time (`Date.now()`). */
  until: number;
  /** A run that failed elsewhere stops early. */
  aborted: boolean;
  /** How long to wait for an answer of the server. */
  waitMs: number;
  /** How late past its limit a timeout may come. */
  slackMs: number;
  random: () => number;
  stats: FaultStats;
  /** The close reason the server must log, by session id. */
  expected: Map<string, Expectation>;
}

/** A seeded pseudo-random generator (mulberry32), so a run can be repeated. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fresh, empty statistics. */
export function newStats(): FaultStats {
  const kinds = Object.fromEntries(
    KINDS.map((kind) => [kind, {
      workers: 0,
      episodes: 0,
      passed: 0,
      failed: 0,
      failures: [],
      variants: {},
    }]),
  ) as unknown as Record<Kind, KindStats>;
  const lateness = (): Lateness => ({ count: 0, minMs: Infinity, maxMs: -Infinity, totalMs: 0 });
  return {
    kinds,
    observed: {},
    lateness: { handshake: lateness(), heartbeat: lateness() },
    maxSlowConsumerBacklog: 0,
  };
}

/** The kind of each of `sessions` workers: every kind at least once, the rest by weight. */
export function assign(sessions: number): Kind[] {
  const kinds: Kind[] = [...KINDS].slice(0, sessions);
  const total = Object.values(WEIGHTS).reduce((a, b) => a + b, 0);
  const rest = sessions - kinds.length;
  const counts = KINDS.map((kind) => Math.floor((rest * WEIGHTS[kind]) / total));
  let left = rest - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0; i = (i + 1) % KINDS.length, left--) counts[i]++;
  KINDS.forEach((kind, i) => {
    for (let n = 0; n < counts[i]; n++) kinds.push(kind);
  });
  return kinds;
}

/** The connections of one episode, all closed at its end. */
class Scope {
  #conns: RawClient[] = [];

  async dial(target: Target, options?: { read?: boolean; readSize?: number }): Promise<RawClient> {
    const conn = await dial(target, options);
    this.#conns.push(conn);
    return conn;
  }

  async close(): Promise<void> {
    await Promise.all(this.#conns.map((conn) => conn.close()));
  }
}

/** The deadline server's listener on the transport of `target`. */
function onDeadline(ctx: FaultContext, target: Target): Target {
  return target.transport === "tcp" ? ctx.deadline.tcp : ctx.deadline.unix;
}

/** A pause that is part of a fault's timing (a dribble interval, a session's lifetime). */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function count(ctx: FaultContext, what: string, n = 1): void {
  ctx.stats.observed[what] = (ctx.stats.observed[what] ?? 0) + n;
}

function expect(
  ctx: FaultContext,
  conn: RawClient,
  kind: Kind,
  variant: string,
  reasons: string[],
): void {
  if (conn.sessionId === "") return;
  ctx.expected.set(conn.sessionId, { kind, variant, reasons });
}

/** The close reasons of a peer that went away: the server saw the end, or a write failed. */
const GONE = ["peer_closed", "write_failed"];

/**
 * Waits for the `error` `code` that a timeout sends and the close after it;
 * checks that it came no earlier than `limitMs` after `since` (a time taken
 * before the server's clock started) and no later than the slack allows.
 */
async function timedOut(
  ctx: FaultContext,
  conn: RawClient,
  code: "handshake_timeout" | "heartbeat_timeout",
  since: number,
  limitMs: number,
): Promise<void> {
  await expectError(conn, code, limitMs + ctx.slackMs + ctx.waitMs);
  const at = Date.now();
  await conn.closed(ctx.waitMs, `close after ${code}`);
  const late = at - (since + limitMs);
  // Timestamps are whole milliseconds on both sides: allow 2 ms of rounding.
  if (late < -2) throw new SoakError(`${code} came ${-late} ms before the limit`);
  if (late > ctx.slackMs) throw new SoakError(`${code} came ${late} ms after the limit`);
  const stats = ctx.stats.lateness[code === "handshake_timeout" ? "handshake" : "heartbeat"];
  stats.count++;
  stats.minMs = Math.min(stats.minMs, late);
  stats.maxMs = Math.max(stats.maxMs, late);
  stats.totalMs += late;
  count(ctx, code === "handshake_timeout" ? "handshake timeouts" : "heartbeat timeouts");
}

/** Waits for error `code` and the close that follows it. */
async function refused(ctx: FaultContext, conn: RawClient, code: string): Promise<void> {
  await expectError(conn, code, ctx.waitMs);
  await conn.closed(ctx.waitMs, `close after ${code}`);
}

/** One episode of a fault; returns the variant it ran. */
type Episode = (
  ctx: FaultContext,
  scope: Scope,
  target: Target,
  tag: string,
  round: number,
) => Promise<string>;

/** Connect, handshake, chat in a room, and leave: with `disconnect`, or by dropping. */
const churn: Episode = async (ctx, scope, target, tag, round) => {
  const w = ctx.waitMs;
  const conn = await scope.dial(target);
  const named = ctx.random() < 0.5;
  await startSession(conn, w, named ? `c${tag}` : undefined);
  const room = `room${Math.floor(ctx.random() * 4)}`;
  await conn.say({ type: "join", content: room, id: "j" });
  await conn.ackOf("j", w);
  const messages = 1 + Math.floor(ctx.random() * 4);
  for (let i = 0; i < messages; i++) {
    await conn.say({ type: "message", content: `hello ${i} from ${tag}`, room, id: `m${i}` });
  }
  for (let i = 0; i < messages; i++) {
    const ack = await conn.ackOf(`m${i}`, w);
    if (ack.content !== "delivered") throw new SoakError(`message ack: ${JSON.stringify(ack)}`);
  }
  count(ctx, "churn messages", messages);
  if (ctx.random() < 0.3) {
    await conn.say({ type: "nick", content: `n${tag}`, id: "n" });
    await conn.ackOf("n", w);
  }
  if (ctx.random() < 0.3) {
    await conn.say({ type: "who", room, id: "who" });
    await conn.next((f) => f.type === "who" && f.id === "who", w, "who");
  }
  await conn.say({ type: "heartbeat", content: "ping" });
  await conn.next("heartbeat", w);
  // The session's lifetime: part of the churn pattern.
  await pause(Math.floor(ctx.random() * 400));
  if (round % 4 !== 3) {
    await conn.say({ type: "disconnect", content: "bye", id: "bye" });
    const bye = await conn.ackOf("bye", w);
    if (bye.content !== "bye") throw new SoakError(`disconnect ack: ${JSON.stringify(bye)}`);
    await conn.closed(w, "close after disconnect");
    if (conn.endKind !== "eof") throw new SoakError(`disconnect ended with ${conn.endKind}`);
    expect(ctx, conn, "churn", "disconnect", ["disconnect"]);
    count(ctx, "clean disconnects");
    return "disconnect";
  }
  expect(ctx, conn, "churn", "drop", GONE);
  await conn.close();
  count(ctx, "dropped sessions");
  return "drop";
};

/** Close at once, before the handshake, or in the middle of a burst of frames. */
const reset: Episode = async (ctx, scope, target, tag, round) => {
  const w = ctx.waitMs;
  switch (round % 3) {
    case 0: {
      const conn = await scope.dial(target, { read: false });
      await conn.close();
      count(ctx, "resets");
      return "at-connect";
    }
    case 1: {
      const conn = await scope.dial(target);
      await conn.next("session_init", w);
      expect(ctx, conn, "reset", "after-init", GONE);
      await conn.close();
      count(ctx, "resets");
      return "after-init";
    }
    default: {
      const conn = await scope.dial(target);
      await startSession(conn, w, `r${tag}`);
      const frames: string[] = [];
      const n = 20 + Math.floor(ctx.random() * 200);
      for (let i = 0; i < n; i++) {
        const sid = conn.sessionId;
        frames.push(
          i % 3 === 0
            ? JSON.stringify({ type: "who", id: i, session_id: sid })
            : i % 3 === 1
            ? JSON.stringify({ type: "heartbeat", content: "ping", session_id: sid })
            : JSON.stringify({
              type: "message",
              content: `burst ${i}`,
              to: sid,
              id: i,
              session_id: sid,
            }),
        );
      }
      // Unread `who` lists can also pass --max-queue before the server sees the close.
      expect(ctx, conn, "reset", "mid-stream", [...GONE, "slow_consumer"]);
      // Write, and close right away: replies are still on their way.
      await conn.write(frames.join("\n") + "\n");
      await conn.close();
      count(ctx, "resets");
      return "mid-stream";
    }
  }
};

/** Shut down the writing half and keep reading: the server answers what it got, then closes. */
const halfOpen: Episode = async (ctx, scope, target, tag, round) => {
  const w = ctx.waitMs;
  const conn = await scope.dial(target);
  if (round % 2 === 1) {
    await conn.next("session_init", w);
    expect(ctx, conn, "half-open", "in-handshake", ["peer_closed"]);
    if (!await conn.closeWrite()) throw new SoakError("closeWrite failed");
    await conn.closed(w, "close after a half close in the handshake");
    if (conn.endKind !== "eof") throw new SoakError(`ended with ${conn.endKind}`);
    count(ctx, "half-open closed by the server");
    return "in-handshake";
  }
  await startSession(conn, w, `h${tag}`);
  await conn.say({ type: "who", id: "w" });
  await conn.say({ type: "heartbeat", content: "ping" });
  await conn.say({ type: "message", content: "to myself", to: conn.sessionId, id: "m" });
  expect(ctx, conn, "half-open", "after-frames", ["peer_closed"]);
  if (!await conn.closeWrite()) throw new SoakError("closeWrite failed");
  await conn.next((f) => f.type === "who" && f.id === "w", w, "who after a half close");
  await conn.next("heartbeat", w);
  await conn.ackOf("m", w);
  await conn.next((f) => f.type === "message" && f.content === "to myself", w, "the message");
  await conn.closed(w, "close after a half close");
  if (conn.endKind !== "eof") throw new SoakError(`ended with ${conn.endKind}`);
  count(ctx, "half-open closed by the server");
  return "after-frames";
};

/** Connect and say nothing more (on the deadline server): cut at the heartbeat or handshake timeout. */
const silent: Episode = async (ctx, scope, target, tag, round) => {
  const { handshakeTimeout, heartbeatTimeout, heartbeatRetries } = ctx.deadline.limits;
  const handshakeMs = handshakeTimeout * 1000;
  const silenceMs = heartbeatTimeout * heartbeatRetries * 1000;
  switch (round % 3) {
    case 0: {
      const conn = await scope.dial(onDeadline(ctx, target));
      const since = await startSession(conn, ctx.waitMs, `s${tag}`);
      expect(ctx, conn, "silent", "after-handshake", ["heartbeat_timeout"]);
      await timedOut(ctx, conn, "heartbeat_timeout", since, silenceMs);
      return "after-handshake";
    }
    case 1: {
      const conn = await scope.dial(onDeadline(ctx, target));
      await conn.next("session_init", ctx.waitMs);
      expect(ctx, conn, "silent", "in-handshake", ["handshake_timeout"]);
      await timedOut(ctx, conn, "handshake_timeout", conn.dialedAt, handshakeMs);
      return "in-handshake";
    }
    default: {
      // Neither reads nor writes until well past the handshake timeout.
      const conn = await scope.dial(onDeadline(ctx, target), { read: false });
      await pause(handshakeMs + 500);
      conn.startReading();
      await conn.next("session_init", ctx.waitMs);
      expect(ctx, conn, "silent", "deaf", ["handshake_timeout"]);
      await refused(ctx, conn, "handshake_timeout");
      count(ctx, "handshake timeouts");
      return "deaf";
    }
  }
};

/** Close (or half close) in the middle of a frame. */
const midFrame: Episode = async (ctx, scope, target, tag, round) => {
  const w = ctx.waitMs;
  const conn = await scope.dial(target);
  const variant = ["close", "half-close", "in-handshake", "large"][round % 4];
  if (variant === "in-handshake") {
    await conn.next("session_init", w);
    await conn.write(`{"type":"session_ack","content":"Session ack`);
    expect(ctx, conn, "mid-frame", variant, GONE);
    await conn.close();
  } else {
    await startSession(conn, w, `f${tag}`);
    const head = `{"type":"message","content":"`;
    if (variant === "large") {
      // Half of a frame well under the limit, written in pieces.
      const body = head + "y".repeat(ctx.limits.maxFrame / 2);
      for (let i = 0; i < body.length / 2; i += 4096) await conn.write(body.slice(i, i + 4096));
      expect(ctx, conn, "mid-frame", variant, GONE);
      await conn.close();
    } else {
      // Ends inside a two-byte UTF-8 character.
      const bytes = new TextEncoder().encode(`${head}caf\u00e9`);
      await conn.write(bytes.subarray(0, bytes.length - 1));
      if (variant === "close") {
        expect(ctx, conn, "mid-frame", variant, GONE);
        await conn.close();
      } else {
        expect(ctx, conn, "mid-frame", variant, ["peer_closed"]);
        if (!await conn.closeWrite()) throw new SoakError("closeWrite failed");
        await conn.closed(w, "close after a half close mid-frame");
        if (conn.endKind !== "eof") throw new SoakError(`ended with ${conn.endKind}`);
      }
    }
  }
  count(ctx, "closed mid-frame");
  return variant;
};

/** Writes `bytes` one at a time, `intervalMs` apart, until the server answers or closes. */
async function dribble(conn: RawClient, bytes: Uint8Array, intervalMs: number): Promise<number> {
  let i = 0;
  while (i < bytes.length && !conn.ended && conn.backlog.length === 0) {
    if (!await conn.write(bytes.subarray(i, i + 1))) break;
    i++;
    await conn.changed(intervalMs);
  }
  return i;
}

/** Slowloris (on the deadline server): a `session_ack`, or a frame after it, one byte at a time. */
const slowloris: Episode = async (ctx, scope, target, tag, round) => {
  const interval = 100;
  const { handshakeTimeout, heartbeatTimeout, heartbeatRetries } = ctx.deadline.limits;
  const handshakeMs = handshakeTimeout * 1000;
  const silenceMs = heartbeatTimeout * heartbeatRetries * 1000;
  const conn = await scope.dial(onDeadline(ctx, target));
  if (round % 2 === 0) {
    await conn.next("session_init", ctx.waitMs);
    expect(ctx, conn, "slowloris", "handshake", ["handshake_timeout"]);
    const ack = line({
      type: "session_ack",
      content: "Session acknowledged, slowly, one byte at a time, " + "z".repeat(60),
      session_id: conn.sessionId,
      name: `l${tag}`,
    });
    const done = dribble(conn, ack, interval);
    await timedOut(ctx, conn, "handshake_timeout", conn.dialedAt, handshakeMs);
    const written = await done;
    if (written >= ack.length) throw new SoakError("the whole session_ack got through");
    count(ctx, "slowloris bytes", written);
    return "handshake";
  }
  const since = await startSession(conn, ctx.waitMs, `l${tag}`);
  expect(ctx, conn, "slowloris", "frame", ["heartbeat_timeout"]);
  const frame = line({
    type: "message",
    content: "d".repeat(400),
    to: conn.sessionId,
    session_id: conn.sessionId,
  });
  const done = dribble(conn, frame, interval);
  await timedOut(ctx, conn, "heartbeat_timeout", since, silenceMs);
  const written = await done;
  if (written >= frame.length) throw new SoakError("the whole dribbled frame got through");
  count(ctx, "slowloris bytes", written);
  return "frame";
};

/** Frames over `--max-frame`: whole lines, an endless frame, or a giant `session_ack`. */
const oversized: Episode = async (ctx, scope, target, tag, round) => {
  const w = ctx.waitMs;
  const max = ctx.limits.maxFrame;
  const conn = await scope.dial(target);
  const variant = ["line", "endless", "handshake"][round % 3];
  if (variant === "handshake") {
    await conn.next("session_init", w);
  } else {
    await startSession(conn, w, `o${tag}`);
  }
  expect(ctx, conn, "oversized", variant, ["frame_too_large"]);
  const sid = conn.sessionId;
  if (variant === "endless") {
    // Never ends: the server must refuse it once past the limit, not buffer on.
    await conn.write(`{"type":"message","session_id":"${sid}","content":"`);
    const chunk = "e".repeat(16 * 1024);
    let sent = 0;
    while (sent < 8 * max && !conn.ended && conn.backlog.length === 0) {
      if (!await conn.write(chunk)) break;
      sent += chunk.length;
    }
  } else {
    const frame = variant === "line"
      ? { type: "message", content: "o".repeat(max + 100), session_id: sid }
      : {
        type: "session_ack",
        content: "Session acknowledged",
        session_id: sid,
        padding: "o".repeat(max + 100),
      };
    // The server may close before it has read it all: a failed write is expected.
    await conn.send(frame);
  }
  await conn.closed(w, "close after an oversized frame");
  // On TCP the close may reset the connection; the error frame still arrives first.
  const error = conn.backlog.find((f) => f.type === "error");
  if (error && error.code !== "frame_too_large") {
    throw new SoakError(`expected frame_too_large, got ${JSON.stringify(error)}`);
  }
  count(ctx, error ? "oversized refused with frame_too_large" : "oversized closed, error unseen");
  return variant;
};

/** Invalid JSON and invalid messages: answered, connection kept (or closed where the protocol says). */
const invalid: Episode = async (ctx, scope, target, tag, round) => {
  const w = ctx.waitMs;
  const conn = await scope.dial(target);
  const variant = ["after-handshake", "garbage-first", "wrong-type-first", "wrong-id-first"][
    round % 4
  ];
  if (variant !== "after-handshake") {
    await conn.next("session_init", w);
    const sid = conn.sessionId;
    const [text, code] = variant === "garbage-first"
      ? ["hello, server\n", "invalid_json"]
      : variant === "wrong-type-first"
      ? [JSON.stringify({ type: "message", content: "hi", session_id: sid }) + "\n", "bad_session"]
      : [
        JSON.stringify({
          type: "session_ack",
          content: "Session acknowledged",
          session_id: crypto.randomUUID(),
        }) + "\n",
        "bad_session",
      ];
    expect(ctx, conn, "invalid", variant, [code]);
    await conn.write(text);
    await refused(ctx, conn, code);
    count(ctx, "invalid frames answered");
    return variant;
  }
  await startSession(conn, w, `i${tag}`);
  const sid = conn.sessionId;
  const frame = (fields: Record<string, unknown>) => JSON.stringify({ ...fields, session_id: sid });
  // Every one answered in order; the connection stays open.
  const cases: [string | Uint8Array, string[], string | number | undefined][] = [
    [`{"type":\n`, ["invalid_json"], undefined],
    [`[1,2,3]\n`, ["invalid_message"], undefined],
    [`"just a string"\r\n`, ["invalid_message"], undefined],
    [frame({ type: "message", id: "no-content" }) + "\n", ["invalid_message"], "no-content"],
    [frame({ type: "bogus", content: "x", id: "ut" }) + "\n", ["unknown_type"], "ut"],
    [frame({ type: "message", content: "x", to: `nobody${tag}`, id: "nr" }), [
      "no_such_recipient",
    ], "nr"],
    [frame({ type: "nick", content: "has space", id: "nn" }), ["invalid_name"], "nn"],
    [frame({ type: "leave", content: "nowhere", id: "lv" }) + "\n\n\n", ["no_such_room"], "lv"],
    [
      new Uint8Array([
        ...new TextEncoder().encode(`{"type":"message","content":"`),
        0xff,
        0xfe,
        ...new TextEncoder().encode(`","session_id":"${sid}"}\n`),
      ]),
      ["invalid_json"],
      undefined,
    ],
    ["[".repeat(5000) + "]".repeat(5000) + "\n", ["invalid_message", "invalid_json"], undefined],
    [
      frame({ type: "message", content: "x", id: { no: 1 } }) + "\n",
      ["invalid_message"],
      undefined,
    ],
  ];
  for (const [bytes] of cases) await conn.write(bytes);
  // Two pings back to back with no separator, then one more: three pongs.
  const ping = frame({ type: "heartbeat", content: "ping" });
  await conn.write(ping + ping + "\r\n" + ping + "\n");
  for (const [, codes, id] of cases) {
    const error = await conn.next("error", w);
    if (!codes.includes(error.code as string) || error.id !== id) {
      throw new SoakError(
        `expected ${codes.join(" or ")} (id ${id}), got ${JSON.stringify(error)}`,
      );
    }
    if (error.session_id !== sid) throw new SoakError(`error without the session id`);
  }
  for (let i = 0; i < 3; i++) await conn.next("heartbeat", w);
  count(ctx, "invalid frames answered", cases.length);
  // Then a frame of another session: bad_session, and the connection is closed.
  expect(ctx, conn, "invalid", variant, ["bad_session"]);
  await conn.send({ type: "message", content: "x", session_id: crypto.randomUUID() });
  await refused(ctx, conn, "bad_session");
  count(ctx, "invalid frames answered");
  return variant;
};

/**
 * A session that never reads (it only writes its heartbeats) while another
 * floods it with direct messages: the server must cut it as a slow
 * consumer. The flood stops once the server says the recipient is gone;
 * then the consumer reads what was left in its socket and must find it closed.
 */
const slowConsumer: Episode = async (ctx, scope, target, tag) => {
  const w = ctx.waitMs;
  const other = target.transport === "tcp" ? ctx.unix : ctx.tcp;
  const consumer = await scope.dial(target, { readSize: 4096 });
  const name = `slow${tag}`;
  await startSession(consumer, w, name);
  consumer.pause();
  expect(ctx, consumer, "slow-consumer", "flooded", ["slow_consumer"]);
  let flooding = true;
  const beating = (async () => {
    const interval = ctx.limits.heartbeatInterval * 1000;
    while (flooding) {
      // Only writes: the pongs pile up on the server like everything else.
      await consumer.say({ type: "heartbeat", content: "ping" });
      await pause(interval);
    }
  })();
  try {
    const flooder = await scope.dial(other);
    await startSession(flooder, w, `flood${tag}`);
    const content = "F".repeat(16 * 1024);
    // Counted, not timed: past what the socket buffers (at most some MiB on Linux) and
    // --max-queue can hold, the consumer must have been cut, however slow the machine.
    const most = (64 * 1024 * 1024) / content.length;
    let sent = 0;
    let answered = 0;
    let cut = false;
    const window = 16;
    while (!cut) {
      if (answered > most) throw new SoakError(`not cut after ${answered} frames of 16 KiB`);
      while (sent - answered < window) {
        await flooder.say({ type: "message", content, to: name, id: sent++ });
      }
      const reply = await flooder.ackOf(answered++, w).catch((error) => {
        if (error instanceof PeerError && /no_such_recipient/.test(error.message)) return null;
        throw error;
      });
      if (reply === null || reply.recipients === 0) cut = true;
    }
    count(ctx, "flood frames", sent);
    // The rest of the window gets answered too; then the flooder leaves.
    await flooder.say({ type: "disconnect", content: "done", id: "bye" });
    await flooder.ackOf("bye", w);
    await flooder.closed(w, "flooder close after disconnect");
    expect(ctx, flooder, "slow-consumer", "flooder", ["disconnect"]);
  } finally {
    flooding = false;
    await beating;
  }
  consumer.resume();
  await consumer.closed(w, "the slow consumer's socket to close");
  ctx.stats.maxSlowConsumerBacklog = Math.max(
    ctx.stats.maxSlowConsumerBacklog,
    consumer.bytesRead,
  );
  count(ctx, "slow consumers cut");
  return "flooded";
};

/**
 * A session that sends frames which produce no output as fast as its
 * socket takes them (to a room of its own): the server reads it no faster
 * than `--rate-limit` (the pairs must not notice). Then it drops, or, after
 * a bounded burst, pings and waits for every frame before the ping to be
 * handled: nothing is refused or lost.
 */
const flooder: Episode = async (ctx, scope, target, tag, round) => {
  const w = ctx.waitMs;
  const conn = await scope.dial(target);
  await startSession(conn, w, `fl${tag}`);
  const room = `flood${tag}`;
  await conn.say({ type: "join", content: room, id: "j" });
  await conn.ackOf("j", w);
  const frame = JSON.stringify({ type: "message", content: "x", room, session_id: conn.sessionId });
  const chunk = (frame + "\n").repeat(256);
  if (round % 2 === 0) {
    // Flood, then drop with frames still unread. Bounded: the server goes on handling what
    // its socket holds, at the rate limit, after the peer is gone.
    const most = ctx.limits.rateLimit + Math.floor(ctx.random() * ctx.limits.rateLimit);
    let sent = 0;
    while (sent < most && !conn.ended) {
      if (!await conn.write(chunk)) break;
      sent += 256;
    }
    count(ctx, "flood frames", sent);
    expect(ctx, conn, "flooder", "drop", GONE);
    await conn.close();
    return "drop";
  }
  // A burst of twice the rate limit, then a ping: answered once all before it are handled.
  const burst = 2 * ctx.limits.rateLimit;
  const started = Date.now();
  for (let sent = 0; sent < burst; sent += 256) await conn.write(chunk);
  await conn.say({ type: "heartbeat", content: "ping", id: "after" });
  await conn.next((f) => f.type === "heartbeat" && f.id === "after", w + 10_000, "the ping");
  const took = Date.now() - started;
  // A full bucket, then the rate: about a second for the second half, not much less.
  const least = (1000 * (burst - ctx.limits.rateLimit)) / ctx.limits.rateLimit;
  if (took < least * 0.8) throw new SoakError(`a burst of ${burst} frames handled in ${took} ms`);
  count(ctx, "flood frames", burst);
  count(ctx, "flood bursts rate-limited");
  expect(ctx, conn, "flooder", "burst", ["disconnect"]);
  await conn.say({ type: "disconnect", content: "bye", id: "bye" });
  await conn.ackOf("bye", w);
  await conn.closed(w, "close after disconnect");
  return "burst";
};

/**
 * Garbage before the handshake: a `session_ack` that never ends within
 * 16 KiB (frame_too_large at 16 KiB, whatever `--max-frame`), bytes
 * without a line feed, or an unfinished `session_ack` under 16 KiB that is
 * held until the handshake timeout (on the deadline server).
 */
const prelogin: Episode = async (ctx, scope, target, tag, round) => {
  const w = ctx.waitMs;
  const variant = ["endless-ack", "garbage", "unfinished"][round % 3];
  const conn = await scope.dial(variant === "unfinished" ? onDeadline(ctx, target) : target);
  await conn.next("session_init", w);
  const head = `{"type":"session_ack","session_id":"${conn.sessionId}","name":"p${tag}","pad":"`;
  if (variant === "unfinished") {
    expect(ctx, conn, "prelogin", variant, ["handshake_timeout"]);
    await conn.write(head + "u".repeat(15 * 1024));
    await timedOut(
      ctx,
      conn,
      "handshake_timeout",
      conn.dialedAt,
      ctx.deadline.limits.handshakeTimeout * 1000,
    );
    return variant;
  }
  expect(ctx, conn, "prelogin", variant, ["frame_too_large"]);
  const text = variant === "garbage" ? "g".repeat(64 * 1024) : head + "e".repeat(1024 * 1024);
  // The server closes once past 16 KiB: a failed write is expected.
  await conn.write(text);
  await conn.closed(w, `close after ${variant}`);
  const error = conn.backlog.find((f) => f.type === "error");
  if (error && error.code !== "frame_too_large") {
    throw new SoakError(`expected frame_too_large, got ${JSON.stringify(error)}`);
  }
  count(
    ctx,
    error ? "pre-login garbage refused at 16 KiB" : "pre-login garbage closed, error unseen",
  );
  return variant;
};

/** Opens `n` silent connections from `address`, 50 at a time, each read up to its first frame. */
async function holdSlots(
  ctx: FaultContext,
  port: number,
  address: string,
  n: number,
  held: SourcePeer[],
): Promise<Frame[]> {
  const firsts: Frame[] = [];
  for (let opened = 0; opened < n; opened += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, n - opened) }, () => SourcePeer.connect(port, address)),
    );
    held.push(...batch);
    firsts.push(...await Promise.all(batch.map((peer) => peer.first(ctx.waitMs))));
  }
  return firsts;
}

/** The slot holders' turns, one set a run (see {@linkcode slotTurns}). */
const SLOT_TURNS = new WeakMap<FaultContext, Semaphore>();

/**
 * How many slot holders hold at once: together no more than half of
 * `--max-handshakes`, so that the server's total is never what refuses
 * the other faults (from 127.0.0.1 and Unix, an eighth each at most).
 */
function slotTurns(ctx: FaultContext): Semaphore {
  let turns = SLOT_TURNS.get(ctx);
  if (!turns) {
    const perAddress = Math.floor(ctx.limits.maxHandshakes / 8);
    turns = new Semaphore(Math.max(1, Math.floor(ctx.limits.maxHandshakes / 2 / perAddress)));
    SLOT_TURNS.set(ctx, turns);
  }
  return turns;
}

/**
 * Silent connections from an address of their own (127.0.0.N, TCP) until
 * the server refuses one with server_full: an eighth of
 * `--max-handshakes` at most from one address. Meanwhile sessions from
 * other addresses (the pairs, the other faults) are served as usual. Then
 * they let go at once; or, on the deadline server, the address fills its
 * share again and holds it until the handshake timeout cuts every one,
 * after which the address is served again. A few holders at a time (see
 * {@linkcode slotTurns}).
 */
const slotHolder: Episode = (ctx, scope, target, tag, round) =>
  slotTurns(ctx).run(() => holdAndJudge(ctx, scope, target, tag, round));

/** One turn of a slot holder (see {@linkcode slotHolder}). */
const holdAndJudge: Episode = async (ctx, _scope, _target, tag, round) => {
  // Its own address: 127.0.0.2 and up, one a worker (the index is in the tag).
  const address = `127.0.0.${2 + Number(tag.split("x")[0]) % 200}`;
  const perAddress = Math.floor(ctx.limits.maxHandshakes / 8);
  const held: SourcePeer[] = [];
  try {
    // More than its share, on the main server.
    const started = Date.now();
    const firsts = await holdSlots(
      ctx,
      (ctx.tcp as { port: number }).port,
      address,
      perAddress + 10,
      held,
    );
    const accepted = firsts.filter((f) => f.type === "session_init");
    const refusals = firsts.filter((f) => f.type !== "session_init");
    for (const init of accepted) {
      ctx.expected.set(init.session_id as string, {
        kind: "slot-holder",
        variant: "let-go",
        reasons: GONE,
      });
    }
    const bad = refusals.find((f) => f.code !== "server_full");
    if (bad) throw new SoakError(`expected server_full, got ${JSON.stringify(bad)}`);
    // Every first frame was decided before it was read; no slot is freed by the server before
    // the handshake timeout after `started`. So far within it, each was decided with all the
    // accepted slots held. The main server's timeout is beyond any of the waits above.
    const tookMs = Date.now() - started;
    if (tookMs >= ctx.limits.handshakeTimeout * 1000) {
      throw new SoakError(`${tookMs} ms to fill the slots, past the handshake timeout`);
    }
    if (accepted.length > perAddress || refusals.length === 0) {
      throw new SoakError(`${accepted.length} of ${firsts.length} taken from ${address}`);
    }
    count(ctx, "handshake slots held", accepted.length);
    count(ctx, "slot holders refused with server_full", refusals.length);
    await Promise.all(held.splice(0).map((peer) => peer.close()));
    if (round % 2 === 0) return "let-go";
    return await heldToTimeout(ctx, address, perAddress, held);
  } finally {
    await Promise.all(held.map((peer) => peer.close()));
  }
};

/**
 * On the deadline server: the address's whole share held, each connection
 * cut with handshake_timeout (waited for, however long a loaded machine
 * takes), then one more connection from the address is served.
 */
async function heldToTimeout(
  ctx: FaultContext,
  address: string,
  perAddress: number,
  held: SourcePeer[],
): Promise<string> {
  const w = ctx.waitMs;
  const port = (ctx.deadline.tcp as { port: number }).port;
  // Its earlier episodes waited for the server to free their slots: its share is free.
  const firsts = await holdSlots(ctx, port, address, perAddress, held);
  const bad = firsts.find((f) => f.type !== "session_init");
  if (bad) throw new SoakError(`expected session_init, got ${JSON.stringify(bad)}`);
  for (const init of firsts) {
    ctx.expected.set(init.session_id as string, {
      kind: "slot-holder",
      variant: "held-to-timeout",
      reasons: ["handshake_timeout"],
    });
  }
  const limitMs = ctx.deadline.limits.handshakeTimeout * 1000;
  await Promise.all(held.map(async (peer) => {
    const error = await peer.frame((f) => f.type === "error", limitMs + ctx.slackMs + w);
    if (error.code !== "handshake_timeout") {
      throw new SoakError(`expected handshake_timeout, got ${JSON.stringify(error)}`);
    }
    await peer.closed(w);
  }));
  count(ctx, "held slots cut at the handshake timeout", held.length);
  // The server freed each slot before it closed its connection: the address is served again.
  const again = await SourcePeer.connect(port, address);
  held.push(again);
  const first = await again.first(w);
  if (first.type !== "session_init") {
    throw new SoakError(`after the timeouts, expected session_init, got ${JSON.stringify(first)}`);
  }
  ctx.expected.set(first.session_id as string, {
    kind: "slot-holder",
    variant: "served-again",
    reasons: GONE,
  });
  count(ctx, "addresses served again after their slots timed out");
  return "held-to-timeout";
}

/**
 * A session that joins rooms past `--max-rooms` (too_many_rooms), with
 * long names, and asks `who`: the answer in frames under 64 KiB, `more` on
 * all but the last, its id on each.
 */
const roomSpam: Episode = async (ctx, scope, target, tag) => {
  const w = ctx.waitMs;
  const conn = await scope.dial(target);
  await startSession(conn, w, `rs${tag}`);
  const over = 10;
  const joins = ctx.limits.maxRooms + over;
  const lines: string[] = [];
  for (let i = 0; i < joins; i++) {
    const room = `spam-${tag}-${i}-`.padEnd(32, "r");
    lines.push(JSON.stringify({ type: "join", content: room, id: i, session_id: conn.sessionId }));
  }
  await conn.write(lines.join("\n") + "\n");
  let refused = 0;
  for (let i = 0; i < joins; i++) {
    const answer = await conn.answerOf(i, w);
    if (answer.type === "error") {
      if (answer.code !== "too_many_rooms") throw new SoakError(JSON.stringify(answer));
      refused++;
    }
  }
  if (refused !== over) throw new SoakError(`${refused} joins refused, expected ${over}`);
  count(ctx, "joins refused with too_many_rooms", refused);
  await conn.say({ type: "who", id: "who" });
  let frames = 0;
  for (;;) {
    const frame = await conn.next((f) => f.type === "who" && f.id === "who", w, "who");
    frames++;
    const size = new TextEncoder().encode(JSON.stringify(frame)).length;
    if (size >= 65_536) throw new SoakError(`a who frame of ${size} bytes`);
    if (frame.more !== true) break;
  }
  count(ctx, "who frames", frames);
  expect(ctx, conn, "room-spam", "spam", ["disconnect"]);
  await conn.say({ type: "disconnect", content: "bye", id: "bye" });
  await conn.ackOf("bye", w);
  await conn.closed(w, "close after disconnect");
  return "spam";
};

const EPISODES: Record<Kind, Episode> = {
  churn,
  reset,
  "half-open": halfOpen,
  silent,
  "mid-frame": midFrame,
  slowloris,
  oversized,
  invalid,
  "slow-consumer": slowConsumer,
  flooder,
  prelogin,
  "slot-holder": slotHolder,
  "room-spam": roomSpam,
};

/** Runs episodes of `kind` until the context's time is up; worker `index` alternates transports. */
export async function worker(ctx: FaultContext, kind: Kind, index: number): Promise<void> {
  const stats = ctx.stats.kinds[kind];
  stats.workers++;
  for (let round = 0; Date.now() < ctx.until && !ctx.aborted; round++) {
    const target = (index + round) % 2 === 0 ? ctx.tcp : ctx.unix;
    const tag = `${index}x${round}`;
    const scope = new Scope();
    stats.episodes++;
    try {
      // Each variant on both transports; workers of a kind start at different variants.
      const variant = await EPISODES[kind](ctx, scope, target, tag, Math.floor(round / 2) + index);
      stats.passed++;
      stats.variants[variant] = (stats.variants[variant] ?? 0) + 1;
    } catch (error) {
      stats.failed++;
      if (stats.failures.length < 5) {
        stats.failures.push(`${target.transport} ${tag}: ${(error as Error).message}`);
      }
    } finally {
      await scope.close();
    }
  }
}
