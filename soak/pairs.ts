/**
 * Well-behaved pairs: two sessions (TCP and Unix mixed) that send each other
 * sequence-numbered direct messages with ids, all through the soak, and
 * check that every frame arrives exactly once, in order, and is acked.
 *
 * @module
 */

import { PeerError, type RawClient } from "../tests/helpers/raw_client.ts";
import { dial, type Frame, SoakError, startSession, type Target } from "./client.ts";
import { PairSide } from "./pair_side.ts";
import type { DeliveryCounts } from "./sequence_check.ts";

/** How many messages a side may have unacknowledged. */
const WINDOW = 16;
/** Most messages a side writes in one go. */
const BATCH = 8;
const PAD = "p".repeat(80);

/** What one side of a pair saw. */
export interface SideReport extends DeliveryCounts {
  name: string;
  transport: RawClient["transport"];
  /** Acks out of order, or not `delivered` to exactly one recipient. */
  badAcks: number;
  /** Messages from anyone else (none are expected). */
  foreign: number;
  /** Anything else that went wrong: error frames, an early end. */
  errors: string[];
}

/** One pair's figures. */
export interface PairReport {
  pair: number;
  a: SideReport;
  b: SideReport;
  ok: boolean;
}

class Side extends PairSide<Side> {
  readonly conn: RawClient;
  badAcks = 0;
  foreign = 0;
  errors: string[] = [];
  byeAcked = false;
  whoReplies = new Map<string, Frame>();
  #stopping = false;
  /** While set, the side sends only a heartbeat every `idleBeatMs`. */
  idle = false;
  idleBeatMs = 500;
  #pumping: Promise<void> | undefined;
  #closing = false;

  constructor(name: string, conn: RawClient) {
    super(name);
    this.conn = conn;
  }

  /** Sequence numbers skipped and not (yet) received. */
  get missing(): number {
    return this.sequence.missing;
  }

  onFrame(frame: Frame): void {
    switch (frame.type) {
      case "message": {
        if (frame.from !== this.partner.name || frame.to !== this.name) {
          this.foreign++;
          return;
        }
        this.sequence.take(Number.parseInt(frame.content as string, 10));
        return;
      }
      case "ack":
        if (typeof frame.id === "number") {
          if (frame.id !== this.acked || frame.content !== "delivered" || frame.recipients !== 1) {
            this.badAcks++;
            if (this.badAcks <= 3) this.errors.push(`bad ack: ${JSON.stringify(frame)}`);
          }
          this.acked++;
        } else if (frame.id === "bye") {
          this.byeAcked = true;
        }
        return;
      case "who":
        this.whoReplies.set(String(frame.id), frame);
        return;
      case "heartbeat":
        return;
      default:
        if (this.errors.length < 10) this.errors.push(`unexpected ${JSON.stringify(frame)}`);
    }
  }

  /** Sends until stopped: at most `rate` messages a second (0: no limit), `WINDOW` unacked. */
  start(rate: number): void {
    this.#pumping = this.#pump(rate);
  }

  async #pump(rate: number): Promise<void> {
    let started = performance.now();
    let base = 0;
    const to = JSON.stringify(this.partner.name);
    const sid = JSON.stringify(this.conn.sessionId);
    let lastBeat = 0;
    while (!this.#stopping && !this.conn.ended) {
      if (this.idle) {
        const due = lastBeat + this.idleBeatMs - performance.now();
        if (due <= 0) {
          lastBeat = performance.now();
          await this.conn.write(`{"type":"heartbeat","content":"ping","session_id":${sid}}\n`);
        } else {
          await this.conn.changed(due);
        }
        // The rate starts over when the side is busy again.
        started = performance.now();
        base = this.sent;
        continue;
      }
      let n = Math.min(WINDOW - (this.sent - this.acked), BATCH);
      let waitMs = 1000;
      if (rate > 0) {
        const elapsed = performance.now() - started;
        const due = Math.floor((elapsed * rate) / 1000) + 1 - (this.sent - base);
        if (due < n) {
          n = due;
          waitMs = Math.max(1, ((this.sent - base + 1) * 1000) / rate - elapsed);
        }
      }
      if (n <= 0) {
        await this.conn.changed(waitMs);
        continue;
      }
      let text = "";
      for (let i = 0; i < n; i++) {
        const seq = this.sent + i;
        text += `{"type":"message","content":"${seq} ${PAD}","to":${to},"id":${seq},` +
          `"session_id":${sid}}\n`;
      }
      this.sent += n;
      if (!await this.conn.write(text)) {
        this.errors.push(`write failed after ${this.sent} messages`);
        return;
      }
    }
  }

  /** Stops sending; resolves once the sender loop returned. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.conn.wake();
    await this.#pumping;
  }

  /** Leaves with `disconnect`, waits for its ack and the server's close. */
  async leave(ms: number): Promise<void> {
    this.#closing = true;
    try {
      await this.conn.say({ type: "disconnect", content: "bye", id: "bye" });
      await this.conn.until(
        () => {
          if (this.byeAcked) return true;
          if (this.conn.ended) {
            throw new SoakError(`${this.name}: ended before the ack of disconnect`);
          }
        },
        `${this.name}: ack of disconnect`,
        ms,
      );
      await this.conn.closed(ms, `${this.name}: close after disconnect`);
    } catch (error) {
      this.errors.push((error as Error).message);
    } finally {
      await this.conn.close();
    }
  }

  /** Notes an end of the connection before the pair left. */
  check(): void {
    if (this.conn.ended && !this.#closing) {
      this.errors.push(`connection ended early (${this.conn.endKind})`);
    }
  }

  report(): SideReport {
    return {
      name: this.name,
      transport: this.conn.transport,
      ...this.counts(),
      badAcks: this.badAcks,
      foreign: this.foreign,
      errors: this.errors,
    };
  }
}

/** The well-behaved pairs of a soak. */
export class Pairs {
  readonly #sides: Side[][] = [];
  #whoCount = 0;

  /** The display names of every pair session. */
  get names(): string[] {
    return this.#sides.flat().map((side) => side.name);
  }

  /** The session id of every pair session, by display name. */
  get sessionIds(): Map<string, string> {
    return new Map(this.#sides.flat().map((side) => [side.name, side.conn.sessionId]));
  }

  /** Messages sent by every side so far. */
  get sent(): number {
    return this.#sides.flat().reduce((sum, side) => sum + side.sent, 0);
  }

  /**
   * Connects `count` pairs (pair i: TCP and Unix, TCP and TCP, Unix and
   * Unix, Unix and TCP, in turn), each side named, and starts them sending.
   */
  static async start(
    count: number,
    tcp: Target,
    unix: Target,
    rate: number,
    ms: number,
  ): Promise<Pairs> {
    const pairs = new Pairs();
    const layouts: [Target, Target][] = [[tcp, unix], [tcp, tcp], [unix, unix], [unix, tcp]];
    try {
      for (let i = 0; i < count; i++) {
        const [ta, tb] = layouts[i % layouts.length];
        const sides: Side[] = [];
        pairs.#sides.push(sides);
        for (const [target, suffix] of [[ta, "a"], [tb, "b"]] as const) {
          const conn = await dial(target);
          const side = new Side(`pair${i}${suffix}`, conn);
          sides.push(side);
          await startSession(conn, ms, side.name);
          conn.onFrame = (frame) => side.onFrame(frame);
        }
        sides[0].partner = sides[1];
        sides[1].partner = sides[0];
      }
    } catch (error) {
      await Promise.all(pairs.#sides.flat().map((side) => side.conn.close()));
      throw error;
    }
    for (const side of pairs.#sides.flat()) side.start(rate);
    return pairs;
  }

  /** Waits until every side has `count` messages acked. */
  async warm(count: number, ms: number): Promise<void> {
    await Promise.all(
      this.#sides.flat().map((side) =>
        side.conn.until(() => side.acked >= count || undefined, `${side.name} warm-up`, ms)
      ),
    );
  }

  /**
   * Idle (only heartbeats, so that the server keeps them) or busy again.
   * Rate and sequence numbers carry on where they were.
   */
  setIdle(idle: boolean, beatMs: number): void {
    for (const side of this.#sides.flat()) {
      side.idle = idle;
      side.idleBeatMs = beatMs;
      side.conn.wake();
    }
  }

  /** Whether any side already went wrong (an error frame, an early end, a bad ack). */
  failing(): string | undefined {
    for (const side of this.#sides.flat()) {
      side.check();
      if (side.errors.length > 0) return `${side.name}: ${side.errors[0]}`;
      if (side.sequence.duplicates > 0 || side.badAcks > 0) {
        return `${side.name}: duplicates or bad acks`;
      }
    }
    return undefined;
  }

  /** Asks the server `who` through the first pair; returns the display names listed. */
  async who(ms: number): Promise<string[]> {
    const side = this.#sides[0][0];
    const id = `who-${++this.#whoCount}`;
    await side.conn.say({ type: "who", id });
    const frame = await side.conn.until(() => side.whoReplies.get(id), "who", ms);
    side.whoReplies.delete(id);
    return (frame.content as { name: string }[]).map((entry) => entry.name);
  }

  /**
   * Stops sending, waits until every message sent was acked and received
   * (within `ms`), then every session leaves with `disconnect`.
   */
  async finish(ms: number): Promise<PairReport[]> {
    const sides = this.#sides.flat();
    await Promise.all(sides.map((side) => side.stop()));
    await Promise.all(sides.map(async (side) => {
      try {
        await side.conn.until(
          () =>
            (side.acked >= side.sent && side.sequence.received >= side.partner.sent) || undefined,
          `${side.name}: the last acks and messages`,
          ms,
        );
      } catch (error) {
        if (error instanceof PeerError) side.errors.push(error.message);
        else throw error;
      }
    }));
    for (const side of sides) side.check();
    await Promise.all(sides.map((side) => side.leave(ms)));
    return this.#sides.map(([a, b], pair) => {
      const reports = [a.report(), b.report()];
      const ok = reports.every((r) =>
        r.errors.length === 0 && r.sent === r.acked && r.lost === 0 && r.duplicates === 0 &&
        r.reordered === 0 && r.badAcks === 0 && r.foreign === 0
      );
      return { pair, a: reports[0], b: reports[1], ok };
    });
  }

  /** Closes every connection at once (on an aborted run). */
  async abort(): Promise<void> {
    const sides = this.#sides.flat();
    await Promise.all(sides.map((side) => side.stop()));
    await Promise.all(sides.map((side) => side.conn.close()));
  }
}
