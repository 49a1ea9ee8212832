/**
 * One run of a resume property (a server alone, and a cluster) on real
 * peers: the receiver in r1 and the senders in their rooms
 * ({@linkcode SENDER_ROOMS}), the plan played (each send written and its
 * `ack` kept, each cut closing the receiver or, cut, resuming it), and the
 * model: the receiver got every message meant for it once, in seq order
 * (PROTOCOL.md section 9).
 *
 * @module
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { Frame } from "../../src/protocol/messages.ts";
import type { PeerTarget, RawClient } from "./raw_client.ts";
import { resumeOn } from "./resume.ts";
import { audienceOf, forReceiver, SENDER_ROOMS, type Step } from "./resume_plan.ts";
import { ready } from "./session.ts";

/** Where a run's peers connect, and what it does between resumes. */
export interface ResumeRunOptions {
  /** Where the receiver logs in. */
  receiver: PeerTarget;
  /** Where sender `i` (of {@linkcode SENDER_ROOMS}) logs in. */
  sender(i: number): PeerTarget;
  /** Where the receiver resumes next; `last` for the resume after the plan. */
  resumeAt(last: boolean): PeerTarget;
  /** Waits once the receiver resumed (until every sender's node sees it back, say). */
  resumed?(run: ResumeRun): Promise<void>;
  /** The run's name of a peer (`receiver`, `sender0`, ...); as it is by default. */
  name?(who: string): string;
  /** The run's name of a room (`r1`, `r2`); as it is by default. */
  room?(base: string): string;
}

/** The peers of one run of a resume property, what was sent and what the receiver got. */
export class ResumeRun implements AsyncDisposable {
  /** The senders, logged in and in their rooms, in the order of {@linkcode SENDER_ROOMS}. */
  readonly senders: RawClient[] = [];
  /** The seq of each message the receiver got, in the order it got them. */
  readonly received: number[] = [];
  /** The name of a peer in this run. */
  readonly name: (who: string) => string;
  /** The name of a room in this run. */
  readonly room: (base: string) => string;
  #options: ResumeRunOptions;
  #receiver: RawClient | undefined;
  #token = "";
  #connected = true;
  #sent = 0;
  #expected: Promise<number | undefined>[] = [];

  private constructor(options: ResumeRunOptions) {
    this.#options = options;
    this.name = options.name ?? ((who) => who);
    this.room = options.room ?? ((base) => base);
  }

  /**
   * Logs the receiver and the senders in, joins each sender to its rooms
   * and the receiver to r1; every peer is closed again when any of that
   * fails.
   */
  static async start(options: ResumeRunOptions): Promise<ResumeRun> {
    const run = new ResumeRun(options);
    try {
      await run.#join();
    } catch (error) {
      await run[Symbol.asyncDispose]();
      throw error;
    }
    return run;
  }

  /** The receiver's connection (the latest, after a resume). */
  get receiver(): RawClient {
    return this.#receiver!;
  }

  async #join(): Promise<void> {
    this.#receiver = await ready(this.#options.receiver, { name: this.name("receiver") });
    for (const [i, rooms] of SENDER_ROOMS.entries()) {
      const sender = await ready(this.#options.sender(i), { name: this.name(`sender${i}`) });
      this.senders.push(sender);
      for (const base of rooms) {
        await sender.say({ type: "join", content: this.room(base), id: base });
        await sender.ackOf(base);
      }
    }
    await this.receiver.say({ type: "join", content: this.room("r1"), id: "j" });
    await this.receiver.ackOf("j");
    this.#token = this.receiver.init!.resume_token as string;
    this.#receive(this.receiver);
  }

  /** From now on the messages `client` gets go to {@linkcode ResumeRun.received}. */
  #receive(client: RawClient): void {
    this.#receiver = client;
    client.onFrame = (frame) => this.#take(frame);
  }

  #take(frame: Frame): void {
    if (frame.type === "message") this.received.push(frame.seq as number);
  }

  /** Plays `plan`, step by step; a receiver cut at its end is resumed. */
  async play(plan: readonly Step[]): Promise<void> {
    for (const step of plan) {
      if (step.kind === "send") await this.#send(step);
      else if (this.#connected) {
        await this.receiver.close();
        this.#connected = false;
      } else await this.#resume(false);
    }
    if (!this.#connected) await this.#resume(true);
  }

  /** Resumes the receiver after the last seq it got; it must have recovered everything. */
  async #resume(last: boolean): Promise<void> {
    const at = this.#options.resumeAt(last);
    const back = await resumeOn(at, this.#token, Math.max(0, ...this.received));
    strictEqual((back.resumed.content as { recovered: boolean }).recovered, true);
    for (const frame of back.replayed) this.#take(frame);
    this.#token = back.resumed.resume_token as string;
    this.#receive(back.client);
    this.#connected = true;
    await this.#options.resumed?.(this);
  }

  /** Writes the message of `step`; its `ack` tells its seq, kept when it is for the receiver. */
  async #send(step: Extract<Step, { kind: "send" }>): Promise<void> {
    const sender = this.senders[step.sender];
    const to = audienceOf(step);
    const id = this.#sent++;
    const frame: Frame = { type: "message", content: `m${id}`, id };
    if (to === "r1" || to === "r2") frame.room = this.room(to);
    if (to === "dm-receiver") frame.to = this.name("receiver");
    if (to === "dm-sender") {
      frame.to = this.name(`sender${(step.sender + 1) % SENDER_ROOMS.length}`);
    }
    await sender.say(frame);
    this.#expected.push(
      sender.ackOf(id).then((ack) => {
        ok(typeof ack.seq === "number", JSON.stringify(ack));
        return forReceiver(to) ? ack.seq as number : undefined;
      }),
    );
  }

  /**
   * Checks the model: the receiver got every message meant for it, once,
   * in the order of its seq (messages to everyone reach only who was there
   * when they were sent: the receiver always was). Waits for the last,
   * after a `heartbeat` round trip (on a server alone, every message for
   * the receiver was relayed before its `ack`: the round trip brings it).
   */
  async check(): Promise<void> {
    const want = (await Promise.all(this.#expected)).filter((seq) => seq !== undefined)
      .sort((a, b) => a - b);
    await this.receiver.say({ type: "heartbeat", content: "ping", id: "p" });
    await this.receiver.until(
      () => this.received.length >= want.length || undefined,
      "the last messages",
    );
    deepStrictEqual(this.received, want);
  }

  /** Every peer says `disconnect` (leaving no session away) and is closed. */
  async [Symbol.asyncDispose](): Promise<void> {
    for (const peer of [this.#receiver, ...this.senders]) {
      if (peer === undefined) continue;
      await peer.say({ type: "disconnect", content: "bye" }).catch(() => {});
      await peer.close();
    }
  }
}
