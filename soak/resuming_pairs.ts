/**
 * Reconnecting pairs that resume (PROTOCOL.md section 9): two sessions
 * that send each other numbered direct messages with ids, cut their own
 * connection now and then, and lose it when the server is killed or
 * stopped; each time they connect again, resume with their token and the
 * largest seq seen, and send again what had no ack, under the same id.
 * Every message must arrive exactly once, in order, and be acked.
 *
 * @module
 */

import type { RawClient } from "../tests/helpers/raw_client.ts";
import { dial, type Frame, type Target } from "./client.ts";
import { PairSide } from "./pair_side.ts";
import type { DeliveryCounts } from "./sequence_check.ts";

/** How many messages a side may have unacknowledged. */
const WINDOW = 16;
const PAD = "r".repeat(80);

/** What one resuming side saw. */
export interface ResumingReport extends DeliveryCounts {
  name: string;
  /** Connections it made (the first included). */
  connections: number;
  /** Resumes that took its session back with everything (`recovered: true`). */
  recovered: number;
  /** Resumes that did not (a new session, or messages lost). */
  notRecovered: number;
  errors: string[];
}

/** Resolves after `ms`. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class ResumingSide extends PairSide<ResumingSide> {
  connections = 0;
  recovered = 0;
  notRecovered = 0;
  errors: string[] = [];
  /** Sending stops; the side still connects until everything is acked and received. */
  stopping = false;
  #done = false;
  #token: string | undefined;
  #sessionId = "";
  #lastSeq = 0;
  readonly #unacked = new Map<number, string>();
  readonly #target: Target;
  readonly #random: () => number;
  #conn: RawClient | undefined;
  #running: Promise<void> | undefined;

  constructor(name: string, target: Target, random: () => number) {
    super(name);
    this.#target = target;
    this.#random = random;
  }

  /** Whether everything it sent was acked and everything its partner sent arrived. */
  get settled(): boolean {
    return this.#unacked.size === 0 && this.acked >= this.sent &&
      this.sequence.received >= this.partner.sent;
  }

  start(rate: number): void {
    this.#running = this.#run(rate);
  }

  async #run(rate: number): Promise<void> {
    while (!this.#done) {
      let conn: RawClient;
      try {
        conn = await dial(this.#target);
      } catch {
        await pause(50); // the server is down: try again
        continue;
      }
      this.#conn = conn;
      try {
        await this.#session(conn, rate);
      } catch {
        // The connection ended (cut, or the server went away): connect again.
      } finally {
        await conn.close();
      }
    }
  }

  /** One connection: the handshake (a resume after the first), the resends, then sending. */
  async #session(conn: RawClient, rate: number): Promise<void> {
    const resume = this.#token && { token: this.#token, seq: this.#lastSeq };
    const init = await conn.handshake(resume ? { name: this.name, resume } : { name: this.name });
    this.connections++;
    if (!resume) {
      this.#token = init.resume_token as string;
      this.#sessionId = init.session_id as string;
    } else {
      for (;;) {
        const frame = await conn.next();
        if (frame.type === "message") {
          this.#take(frame);
          continue;
        }
        if (frame.type === "error") {
          // A resume that fails opens a new session, whose name may be refused: said, then resumed.
          this.errors.push(`before resumed: ${JSON.stringify(frame).slice(0, 200)}`);
          continue;
        }
        if (frame.type !== "resumed") throw new Error(`before resumed: ${frame.type}`);
        const content = frame.content as { recovered: boolean };
        if (content.recovered && frame.session_id === this.#sessionId) this.recovered++;
        else {
          this.notRecovered++;
          this.errors.push(`not recovered: ${JSON.stringify(frame).slice(0, 200)}`);
        }
        this.#token = frame.resume_token as string;
        this.#sessionId = frame.session_id as string;
        break;
      }
    }
    conn.sessionId = this.#sessionId;
    await conn.ackOf("hs");
    while (conn.backlog.length > 0) this.#onFrame(await conn.next());
    conn.onFrame = (frame) => this.#onFrame(frame);
    // What had no ack goes again, under its id: the server delivers it once.
    const resend = [...this.#unacked.values()].join("");
    if (resend) await conn.write(resend.replaceAll("@SID@", this.#sessionId));
    const cutAt = performance.now() + 300 + this.#random() * 1500;
    const started = performance.now();
    const base = this.sent;
    while (!conn.ended) {
      if (this.stopping) {
        if (this.settled) {
          this.#done = true;
          await conn.say({ type: "disconnect", content: "bye" });
          return;
        }
        await conn.changed(50);
        continue;
      }
      if (performance.now() >= cutAt) return; // cut its own connection
      const due = rate > 0
        ? Math.floor(((performance.now() - started) * rate) / 1000) + 1 - (this.sent - base)
        : WINDOW;
      const n = Math.min(WINDOW - this.#unacked.size, due);
      if (n <= 0) {
        await conn.changed(5);
        continue;
      }
      let text = "";
      for (let i = 0; i < n; i++) {
        const seq = this.sent++;
        const line = `{"type":"message","content":"${seq} ${PAD}","to":"${this.partner.name}",` +
          `"id":${seq},"session_id":"@SID@"}\n`;
        this.#unacked.set(seq, line);
        text += line;
      }
      await conn.write(text.replaceAll("@SID@", this.#sessionId));
    }
  }

  #onFrame(frame: Frame): void {
    if (typeof frame.seq === "number" && frame.seq > this.#lastSeq) this.#lastSeq = frame.seq;
    if (frame.type === "message") this.#take(frame);
    else if (frame.type === "ack" && typeof frame.id === "number") {
      if (this.#unacked.delete(frame.id)) this.acked++;
    } else if (frame.type === "error" && this.errors.length < 10) {
      this.errors.push(`error: ${JSON.stringify(frame).slice(0, 200)}`);
    }
  }

  #take(frame: Frame): void {
    if (typeof frame.seq === "number" && frame.seq > this.#lastSeq) this.#lastSeq = frame.seq;
    this.sequence.take(Number.parseInt(frame.content as string, 10));
  }

  /** Stops sending and waits (at most `ms`) until settled and gone. */
  async finish(ms: number): Promise<void> {
    this.stopping = true;
    this.#conn?.wake();
    const late = pause(ms).then(() => {
      if (!this.#done) this.errors.push(`not settled within ${ms} ms`);
      this.#done = true;
      this.#conn?.wake();
    });
    await Promise.race([this.#running, late]);
    await this.#conn?.close();
    await this.#running;
  }

  report(): ResumingReport {
    return {
      name: this.name,
      ...this.counts(),
      connections: this.connections,
      recovered: this.recovered,
      notRecovered: this.notRecovered,
      errors: this.errors,
    };
  }
}

/** Resuming pairs, all on one server's Unix socket. */
export class ResumingPairs {
  readonly #sides: ResumingSide[] = [];

  /** Starts `count` pairs sending at `rate` messages a second each. */
  static start(count: number, target: Target, rate: number, random: () => number): ResumingPairs {
    const pairs = new ResumingPairs();
    for (let i = 0; i < count; i++) {
      const a = new ResumingSide(`resume${i}a`, target, random);
      const b = new ResumingSide(`resume${i}b`, target, random);
      a.partner = b;
      b.partner = a;
      pairs.#sides.push(a, b);
    }
    for (const side of pairs.#sides) side.start(rate);
    return pairs;
  }

  /** Messages sent so far by every side. */
  get sent(): number {
    return this.#sides.reduce((sum, side) => sum + side.sent, 0);
  }

  /** Stops sending, waits until everything is acked and received, and reports each side. */
  async finish(ms: number): Promise<ResumingReport[]> {
    await Promise.all(this.#sides.map((side) => side.finish(ms)));
    return this.#sides.map((side) => side.report());
  }
}
