/**
 * The live fuzz target: a real in-process server on TCP and Unix sockets,
 * many hostile sessions at once each sending a fuzzed byte stream in random
 * chunks (before and after a valid handshake), and after every batch a
 * round trip between two well-behaved control sessions on the same server.
 *
 * Each hostile session checks what the server sent it: every line is a
 * JSON object with a string `type` and the receiver's `session_id`, every
 * error code is a protocol code, and (unless the session aborted) the
 * errors and pongs the protocol predicts for its bytes arrived, in order,
 * and the connection closed exactly when predicted.
 *
 * @module
 */

import fc from "fast-check";
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { PROTOCOL_DEFAULTS } from "../src/protocol/defaults.ts";
import { isErrorCode } from "../src/protocol/errors.ts";
import type { Frame } from "../src/protocol/messages.ts";
import { chatHandler } from "../src/server/handlers/chat.ts";
import type { ConnectOptions } from "../src/transport/types.ts";
import { RawClient } from "../tests/helpers/raw_client.ts";
import { startServer, type TestServer } from "../tests/helpers/server.ts";
import { within } from "../src/async/deadline.ts";
import { ready } from "../tests/helpers/session.ts";
import {
  concatBytes,
  cutsArb,
  encoder,
  type FrameSpec,
  garbageArb,
  type Input,
  inputArb,
  mutate,
  type Mutation,
  mutationArb,
  OTHER_SESSION_ID,
  renderFrame,
  renderInput,
  sometimes,
  split,
  trickyString,
  wellFormedFrameArb,
} from "./generators.ts";
import type { RunOptions, Target } from "./harness.ts";
import { attackOf, runAttack } from "./live_attacks.ts";
import { type Answer, PREDICTED_CODES, predictSession } from "./oracles.ts";

/** The live server's frame limit: below the default, so that oversized frames are cheap to send. */
export const LIVE_MAX_FRAME = 64 * 1024;
/** How long a hostile session waits for the server's answer or close. */
const WAIT_MS = 10_000;
/** The live server's handshake and heartbeat timeouts, in seconds: beyond every wait of the run. */
const OUT_OF_REACH_S = 3600;
/** Hostile sessions at once, per batch. */
export const BATCH = 16;

// ---------------------------------------------------------------- plans

/** One line of a hostile stream. */
type HostileLine =
  | { kind: "frame"; spec: FrameSpec; mutation: Mutation | null; end: string }
  | { kind: "input"; input: Input; end: string }
  | { kind: "text"; text: string; end: string };

/** What one hostile session does. */
export interface HostilePlan {
  transport: "tcp" | "unix";
  /** Whether it reads `session_init` before writing (else it writes blind, with a wrong id). */
  waitInit: boolean;
  /**
   * The `session_ack` that opens the stream (maybe mutated, maybe padded
   * past the 16 KiB a frame may take before the handshake), or none.
   */
  ack: { name: string | null; mutation: Mutation | null; pad: number | null } | null;
  lines: HostileLine[];
  /** Where the stream is cut into writes. */
  cuts: number[];
  /** Whether to yield to the event loop between writes. */
  pause: boolean;
  /** `sync`: end with a heartbeat round trip; `half-close`: shut the write side; `abort`: close. */
  ending: "sync" | "half-close" | "abort";
}

const endArb = fc.constantFrom("\n", "\n", "\n", "\r\n", "", "\n\n", " ");

const lineArb: fc.Arbitrary<HostileLine> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("frame" as const),
      spec: wellFormedFrameArb,
      mutation: sometimes(mutationArb, 0.25),
      end: endArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("input" as const), input: inputArb, end: endArb }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("text" as const), text: garbageArb, end: endArb }),
  },
);

/** Hostile session plans. */
export const planArb: fc.Arbitrary<HostilePlan> = fc.record({
  transport: fc.constantFrom("tcp" as const, "unix" as const),
  waitInit: fc.constantFrom(true, true, true, true, true, true, true, false),
  ack: fc.option(
    fc.record({
      name: sometimes(fc.oneof(trickyString, fc.constantFrom("__proto__", "x y", "")), 0.3),
      mutation: sometimes(mutationArb, 0.15),
      // Pre-login garbage: padding around the 16 KiB limit of a frame before the handshake.
      pad: sometimes(fc.integer({ min: 16_000, max: 40_000 }), 0.08),
    }),
    { freq: 8 },
  ),
  lines: fc.array(lineArb, { maxLength: 12 }),
  cuts: cutsArb,
  pause: fc.boolean(),
  ending: fc.constantFrom(
    "sync" as const,
    "sync" as const,
    "half-close" as const,
    "abort" as const,
  ),
});

function renderLine(line: HostileLine, sessionId: string): Uint8Array {
  switch (line.kind) {
    case "frame": {
      const bytes = renderFrame(line.spec, sessionId);
      return concatBytes([
        line.mutation ? mutate(bytes, line.mutation) : bytes,
        encoder.encode(line.end),
      ]);
    }
    case "input":
      return concatBytes([renderInput(line.input, sessionId), encoder.encode(line.end)]);
    case "text":
      return encoder.encode(line.text + line.end);
  }
}

/** The bytes a plan sends (before its ending), for a session that believes its id is `sessionId`. */
export function renderPlan(plan: HostilePlan, sessionId: string): Uint8Array {
  const parts: Uint8Array[] = [];
  if (plan.ack) {
    const ack: Frame = {
      type: "session_ack",
      content: "Session acknowledged",
      session_id: sessionId,
      id: "hs",
    };
    if (plan.ack.name !== null) ack.name = plan.ack.name;
    if (plan.ack.pad !== null) ack.pad = "p".repeat(plan.ack.pad);
    const bytes = encoder.encode(JSON.stringify(ack));
    parts.push(plan.ack.mutation ? mutate(bytes, plan.ack.mutation) : bytes, encoder.encode("\n"));
  }
  for (const line of plan.lines) parts.push(renderLine(line, sessionId));
  return concatBytes(parts);
}

// ---------------------------------------------------------------- a hostile peer

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A bare socket that records, and checks, every line the server sends: the
 * project's one raw peer, taking the raw bytes and splitting them at line
 * feeds only, as the protocol says the server writes them.
 */
class Peer {
  readonly client: RawClient;
  readonly frames: Frame[] = [];
  readonly problems: string[] = [];
  sessionId: string | undefined;
  #tail = new Uint8Array(0);

  private constructor(client: RawClient) {
    this.client = client;
    client.onData = (bytes) => bytes === null ? this.#end() : this.#data(bytes);
    client.startReading();
  }

  static async connect(to: ConnectOptions): Promise<Peer> {
    return new Peer(await RawClient.connect(to, { read: false, tolerateWriteErrors: true }));
  }

  /** The socket. */
  get conn(): Deno.Conn {
    return this.client.conn;
  }

  /** How the connection ended: `eof` (the server closed it) or `error` (reset, or closed by us). */
  get ended(): "eof" | "error" | undefined {
    const kind = this.client.endKind;
    return kind === undefined ? undefined : kind === "eof" ? "eof" : "error";
  }

  #data(bytes: Uint8Array): void {
    let data = concatBytes([this.#tail, bytes]);
    let lf: number;
    while ((lf = data.indexOf(0x0a)) >= 0) {
      this.#line(data.subarray(0, lf));
      data = data.subarray(lf + 1);
    }
    this.#tail = data.slice();
  }

  #end(): void {
    if (this.#tail.length > 0 && this.ended === "eof") {
      this.problems.push(
        `the server's output ends without a line feed: ${this.#tail.length} bytes`,
      );
    }
  }

  /** Checks one line of server output: a JSON object for this session, of a known shape. */
  #line(bytes: Uint8Array): void {
    let frame: Frame;
    try {
      frame = JSON.parse(utf8.decode(bytes));
    } catch (error) {
      this.problems.push(`server line is not UTF-8 JSON (${error}): ${bytes.length} bytes`);
      return;
    }
    if (frame === null || typeof frame !== "object" || Array.isArray(frame)) {
      this.problems.push(`server line is not an object: ${JSON.stringify(frame)}`);
      return;
    }
    if (typeof frame.type !== "string") this.problems.push(`no type: ${JSON.stringify(frame)}`);
    if (this.sessionId === undefined) {
      if (frame.type !== "session_init" || typeof frame.session_id !== "string") {
        this.problems.push(`first frame is not session_init: ${JSON.stringify(frame)}`);
      } else this.sessionId = frame.session_id;
    } else if (frame.session_id !== this.sessionId) {
      this.problems.push(`a frame for another session: ${JSON.stringify(frame).slice(0, 200)}`);
    }
    if (frame.type === "error") {
      if (!isErrorCode(frame.code)) this.problems.push(`unknown error code ${frame.code}`);
      if (typeof frame.content !== "string") this.problems.push("an error without content");
    }
    this.frames.push(frame);
  }

  /** Waits until `done()` or the connection ends or `ms` pass; returns `done()`. */
  async until(done: () => boolean, ms = WAIT_MS): Promise<boolean> {
    await this.client.until(() => done() || this.ended !== undefined || undefined, "an end", ms)
      .catch(() => {});
    return done();
  }

  /** Writes each chunk; false once a write fails (the server closed). */
  async write(chunks: Uint8Array[], pause: boolean): Promise<boolean> {
    for (const chunk of chunks) {
      if (!await this.client.write(chunk)) return false;
      if (pause) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    return true;
  }

  /** The errors and pongs received, as the prediction lists them. */
  answers(): Answer[] {
    const out: Answer[] = [];
    for (const f of this.frames) {
      if (f.type === "error" && PREDICTED_CODES.has(f.code as string)) {
        out.push({ what: f.code as string, id: f.id });
      } else if (f.type === "heartbeat") out.push({ what: "pong", id: f.id });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

const norm = (answers: Answer[]): string[] => answers.map((a) => JSON.stringify(a));

/** Counts of what happened to hostile sessions, by outcome. */
export type LiveStats = Record<string, number>;

function count(stats: LiveStats, key: string, by = 1): void {
  stats[key] = (stats[key] ?? 0) + by;
}

/** Runs one hostile session; returns a problem, or undefined when all went as the protocol says. */
async function runHostile(
  server: TestServer,
  plan: HostilePlan,
  tag: string,
  stats: LiveStats,
): Promise<string | undefined> {
  const peer = await Peer.connect(plan.transport === "tcp" ? server.tcp : server.unix);
  try {
    if (plan.waitInit && !(await peer.until(() => peer.sessionId !== undefined))) {
      return `no session_init (${peer.ended ?? "timeout"})`;
    }
    const believed = plan.waitInit ? peer.sessionId! : OTHER_SESSION_ID;
    let bytes = renderPlan(plan, believed);
    const syncId = `sync-${tag}`;
    if (plan.ending === "sync") {
      const sync = { type: "heartbeat", content: "ping", session_id: believed, id: syncId };
      bytes = concatBytes([bytes, encoder.encode("\n" + JSON.stringify(sync) + "\n")]);
    }
    const chunks = split(bytes, plan.cuts);
    count(stats, "bytes sent", bytes.length);
    count(stats, "writes", chunks.length);
    if (plan.ending === "abort") {
      count(stats, "aborted");
      // Close after a random part of the stream, without waiting for anything.
      await peer.write(chunks.slice(0, 1 + (plan.cuts[0] ?? 0) % chunks.length), plan.pause);
      return peer.problems[0];
    }
    const wrote = await peer.write(chunks, plan.pause);
    if (plan.ending === "half-close") {
      try {
        await peer.conn.closeWrite();
      } catch {
        // The server closed already.
      }
    }
    const gotSync = () => peer.answers().some((a) => a.what === "pong" && a.id === syncId);
    await peer.until(() => peer.ended !== undefined || (plan.ending === "sync" && gotSync()));
    if (peer.problems.length > 0) return peer.problems.join("; ");
    if (peer.sessionId === undefined) return `no session_init (${peer.ended ?? "timeout"})`;
    const prediction = predictSession(
      bytes,
      peer.sessionId,
      LIVE_MAX_FRAME,
      PROTOCOL_DEFAULTS.handshakeMaxFrame,
      chatHandler.types,
    );
    const expected = norm(prediction.answers);
    const actual = norm(peer.answers());
    const closes = prediction.closes !== null;
    count(stats, `${plan.ending}: ${prediction.closes ? `closed (${prediction.closes})` : "open"}`);
    count(stats, "answers checked", expected.length);
    count(stats, "frames handled", prediction.frames);
    if (peer.ended === "error") count(stats, "reset by the server");
    if (actual.length < expected.length) count(stats, "answers cut short by a reset");
    if (plan.ending === "sync") {
      if (!closes && !gotSync()) {
        return `no pong for the sync (${
          peer.ended ?? "timeout"
        }); expected ${expected}; got ${actual}`;
      }
      if (closes && peer.ended === undefined) {
        return `still open, expected a close for ${prediction.closes}; got ${actual}`;
      }
    } else if (peer.ended === undefined) return "not closed after half-close";
    if (!closes && !wrote) return "a write failed, yet the session should be open";
    // A reset (we were still writing when the server closed) may cut what we read short.
    const got = peer.ended === "error" ? expected.slice(0, actual.length) : expected;
    if (JSON.stringify(actual) !== JSON.stringify(got)) {
      return `answers differ (ended ${peer.ended}, predicted close ${prediction.closes})\n` +
        `  expected ${JSON.stringify(expected)}\n  actual   ${JSON.stringify(actual)}`;
    }
    return undefined;
  } finally {
    await peer.close();
  }
}

// ---------------------------------------------------------------- control sessions

/** Takes frames of `type` from a client until one matches (other frames stay queued). */
async function nextMatching(
  client: RawClient,
  type: string,
  match: (frame: Frame) => boolean,
): Promise<Frame> {
  for (;;) {
    const frame = await client.next(type, WAIT_MS);
    if (match(frame)) return frame;
  }
}

/** A message with an id from one control session to the other: relayed once, acknowledged. */
async function roundTrip(
  from: RawClient,
  to: RawClient,
  toName: string,
  tag: string,
): Promise<void> {
  const content = `control ${tag} ${crypto.randomUUID()}`;
  await from.say({ type: "message", content, to: toName, id: tag });
  const ack = await from.ackOf(tag);
  strictEqual(ack.recipients, 1, "the control message reached one session");
  const relayed = await nextMatching(to, "message", (f) => f.content === content);
  strictEqual(relayed.session_id, to.sessionId);
  strictEqual(relayed.to, toName);
}

// ---------------------------------------------------------------- the target

/** Listens for unhandled rejections and uncaught errors while `body` runs. */
async function watchingGlobalErrors<T>(body: (errors: string[]) => Promise<T>): Promise<T> {
  const errors: string[] = [];
  const onRejection = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    errors.push(`unhandled rejection: ${event.reason?.stack ?? event.reason}`);
  };
  const onError = (event: ErrorEvent) => {
    event.preventDefault();
    errors.push(`uncaught error: ${event.error?.stack ?? event.message}`);
  };
  globalThis.addEventListener("unhandledrejection", onRejection);
  globalThis.addEventListener("error", onError);
  try {
    return await body(errors);
  } finally {
    globalThis.removeEventListener("unhandledrejection", onRejection);
    globalThis.removeEventListener("error", onError);
  }
}

/** Waits until `done()` holds, checking every few milliseconds, or fails after `ms`. */
async function eventually(done: () => boolean, what: () => string, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what()}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** What the live target's sessions met, over every run of this process. */
export const liveStats: LiveStats = {};

/** Hostile sessions against a live server, in batches; a control round trip after each. */
export const liveTarget: Target = {
  name: "live",
  weight: 0.1,
  unit: "hostile sessions",
  async run(options: RunOptions): Promise<void> {
    await runLive(options, liveStats);
  },
};

/** Runs the live target; returns the number of hostile sessions. */
export async function runLive(
  options: RunOptions,
  stats: LiveStats = {},
): Promise<number> {
  let sessions = 0;
  await watchingGlobalErrors(async (globalErrors) => {
    // History off: the oracle predicts unknown_type for a history request, and cut sessions end at once.
    // No session here is meant to meet a timeout (the oracle predicts none, the slot holders count
    // their slots, the control sessions wait between batches): the handshake and silence deadlines
    // are out of reach, so that a loaded machine makes the run slower, never a timeout.
    const server = await startServer({
      maxFrame: LIVE_MAX_FRAME,
      history: 0,
      handshakeTimeout: OUT_OF_REACH_S,
      heartbeat: { timeout: OUT_OF_REACH_S },
    });
    let stopped = false;
    try {
      await runBatches(server, options, stats, globalErrors, (n) => sessions += n);
      await within(Promise.resolve(server[Symbol.asyncDispose]()), WAIT_MS, "the server's stop()");
      stopped = true;
    } finally {
      // After a failure, still stop the server, but do not wait for ever.
      if (!stopped) {
        await within(Promise.resolve(server[Symbol.asyncDispose]()), WAIT_MS, "stop()").catch(
          () => {},
        );
      }
    }
    deepStrictEqual(globalErrors, [], "no unhandled rejection or uncaught error");
  });
  return sessions;
}

async function runBatches(
  server: TestServer,
  options: RunOptions,
  stats: LiveStats,
  globalErrors: string[],
  counted: (sessions: number) => void,
): Promise<void> {
  let batchNo = 0;
  const alice = await ready(server.tcp, { name: "control-alice" });
  const bob = await ready(server.unix, { name: "control-bob" });
  try {
    const batches = Math.max(1, Math.ceil(options.cases / BATCH));
    const batchSize = Math.min(BATCH, options.cases);
    await fc.assert(
      fc.asyncProperty(
        fc.array(planArb, { minLength: batchSize, maxLength: batchSize }),
        async (plans) => {
          const batch = batchNo++;
          const hostile = Promise.all(
            plans.map((plan, i) =>
              runHostile(server, plan, `${batch}-${i}`, stats).catch((e) =>
                `threw: ${e?.stack ?? e}`
              )
            ),
          );
          // Beside the hostile sessions, one attack a batch in turn.
          const attack = attackOf(batch);
          const attacked = await runAttack(attack, server, hostile);
          for (const [what, n] of Object.entries(attacked)) count(stats, what, n);
          count(stats, `batches with attack ${attack}`);
          const problems = await hostile;
          counted(plans.length);
          const failed = problems
            .map((p, i) => p === undefined ? undefined : `hostile session ${i}: ${p}`)
            .filter((p) => p !== undefined);
          ok(failed.length === 0, failed.join("\n"));
          deepStrictEqual(globalErrors, [], "no unhandled rejection or uncaught error");
          // Hostile sessions all gone, the control sessions still there.
          await eventually(
            () => server.server.connectionCount === 2,
            () => `${server.server.connectionCount} connections left, expected the 2 controls`,
          );
          strictEqual(server.server.sessions.length, 2, "registered sessions");
          ok(!alice.ended && !bob.ended, "the control sessions are open");
          await roundTrip(alice, bob, "control-bob", `ctl-${batch}-a`);
          await roundTrip(bob, alice, "control-alice", `ctl-${batch}-b`);
        },
      ),
      { seed: options.seed, numRuns: batches, path: options.path, endOnFailure: true },
    );
  } finally {
    await alice.close();
    await bob.close();
  }
  await eventually(() => server.server.connectionCount === 0, () => "controls still connected");
}
