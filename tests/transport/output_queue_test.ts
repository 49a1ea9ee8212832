/**
 * The output queue of a session on a fake connection whose writes the test
 * completes by hand: one write per tick, the unsent count, the limit, the
 * last word of a session that is cut, drained and closed.
 *
 * @module
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { OutputBudget } from "../../src/transport/output_budget.ts";
import { IdWords, OutputQueue } from "../../src/transport/output_queue.ts";
import type { Connection } from "../../src/transport/types.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A write the connection has not completed yet. */
interface PendingWrite {
  data: string;
  /** Completes it, taking `bytes` of it (all by default). */
  take(bytes?: number): void;
  fail(error: Error): void;
}

/**
 * A connection that records every write; with `manual`, each write waits
 * until the test takes it, else it takes everything at once.
 */
class FakeConnection implements Connection {
  readonly writes: string[] = [];
  readonly pending: PendingWrite[] = [];
  closed = false;
  #manual: boolean;
  #arrived: (() => void) | undefined;

  constructor(manual = false) {
    this.#manual = manual;
  }

  read(): Promise<number | null> {
    return Promise.resolve(null);
  }

  write(data: Uint8Array): Promise<number> {
    const text = decoder.decode(data);
    this.writes.push(text);
    if (!this.#manual) return Promise.resolve(data.length);
    return new Promise((resolve, reject) => {
      this.pending.push({
        data: text,
        take: (bytes = data.length) => resolve(bytes),
        fail: reject,
      });
      this.#arrived?.();
    });
  }

  close(): void {
    this.closed = true;
  }

  /** The next write the queue makes (waits for it: the queue writes on a microtask). */
  async nextWrite(): Promise<PendingWrite> {
    while (this.pending.length === 0) {
      await new Promise<void>((resolve) => this.#arrived = resolve);
    }
    return this.pending.shift()!;
  }
}

/** A queue on `conn` with `limit`, and what it reported. */
function queueOn(conn: Connection, limit = 1 << 20) {
  const events = { overflows: 0, writeErrors: [] as unknown[] };
  const queue = new OutputQueue(conn, limit, {
    onOverflow: () => events.overflows++,
    onWriteError: (error) => events.writeErrors.push(error),
  });
  return { queue, events };
}

const frame = (i: number) => JSON.stringify({ type: "message", content: `m${i}` });

Deno.test("OutputQueue writes every frame queued in one tick (up to 16 KiB) with a single write", async () => {
  const conn = new FakeConnection();
  const { queue } = queueOn(conn);
  const expected: string[] = [];
  for (let i = 0; i < 400; i++) {
    ok(queue.pushText(frame(i)));
    expected.push(frame(i) + "\n");
  }
  ok(queue.push(encoder.encode('{"raw":1}\n')));
  expected.push('{"raw":1}\n');
  strictEqual(conn.writes.length, 0, "nothing is written before the tick ends");
  await queue.drained();
  deepStrictEqual(conn.writes, [expected.join("")]);
  strictEqual(queue.unsent, 0);
  // The next tick's frames are the next write.
  queue.pushText(frame(400));
  await queue.drained();
  deepStrictEqual(conn.writes.slice(1), [frame(400) + "\n"]);
});

Deno.test("OutputQueue encodes text of any script as UTF-8", async () => {
  const conn = new FakeConnection();
  const { queue } = queueOn(conn);
  const texts = ["ascii", "Ωμέγα", "🦊".repeat(300), "борис " + "é".repeat(5000)];
  for (const content of texts) queue.pushText(JSON.stringify({ content }));
  strictEqual(
    queue.unsent,
    texts.reduce((sum, content) => sum + encoder.encode(JSON.stringify({ content })).length + 1, 0),
  );
  await queue.drained();
  deepStrictEqual(
    conn.writes.join("").split("\n").slice(0, -1).map((line) => JSON.parse(line).content),
    texts,
  );
});

Deno.test("OutputQueue.pushSpliced writes head, id and tail whole, for ids of any length, across buffers, within the limit", async () => {
  const conn = new FakeConnection();
  const { queue, events } = queueOn(conn, 40_000);
  const head = encoder.encode('{"type":"message","content":"x","session_id":"');
  const tail = encoder.encode('"}\n');
  const expected: string[] = [];
  // Ids of 1 to 40 bytes (words padded 0 to 3 bytes), enough frames to fill more than one 16 KiB buffer.
  for (let i = 0; expected.join("").length < 34_000; i++) {
    const id = "0123456789abcdef-0123456789abcdef-0123".slice(0, 1 + (i % 40));
    ok(queue.pushSpliced(head, new IdWords(encoder.encode(id)), tail));
    expected.push(`{"type":"message","content":"x","session_id":"${id}"}\n`);
  }
  const id = new IdWords(encoder.encode("a".repeat(36)));
  while (queue.pushSpliced(head, id, tail)) {
    expected.push(`{"type":"message","content":"x","session_id":"${"a".repeat(36)}"}\n`);
  }
  strictEqual(events.overflows, 1, "the frame past the limit is refused and reported");
  ok(queue.unsent <= 40_000);
  await queue.drained();
  strictEqual(conn.writes.join(""), expected.join(""));
  ok(conn.writes.length >= 3, "more than 32 KiB went out in 16 KiB buffers");
});

Deno.test("OutputQueue.unsent counts what is queued or being written until the socket takes it", async () => {
  const conn = new FakeConnection(true);
  const { queue } = queueOn(conn);
  const [a, b] = [frame(1) + "\n", frame(2) + "\n"];
  queue.pushText(frame(1));
  strictEqual(queue.unsent, a.length);
  const first = await conn.nextWrite();
  strictEqual(first.data, a);
  // Queued while a write is in flight: counted, and written after it, in one write.
  queue.pushText(frame(2));
  queue.pushText(frame(3));
  strictEqual(queue.unsent, a.length + 2 * b.length);
  let drained = false;
  const draining = queue.drained().then(() => drained = true);
  first.take(5); // a short write: the rest of it is written next
  const rest = await conn.nextWrite();
  strictEqual(rest.data, a.slice(5));
  strictEqual(queue.unsent, a.length - 5 + 2 * b.length);
  rest.take();
  const second = await conn.nextWrite();
  strictEqual(second.data, b + frame(3) + "\n");
  ok(!drained);
  second.take();
  await draining;
  strictEqual(queue.unsent, 0);
});

Deno.test("OutputQueue refuses a frame that would pass its limit and reports the overflow", async () => {
  const conn = new FakeConnection(true);
  const { queue, events } = queueOn(conn, 100);
  ok(queue.push(new Uint8Array(60)));
  ok(!queue.push(new Uint8Array(41)), "60 + 41 bytes pass a limit of 100");
  strictEqual(events.overflows, 1);
  ok(!queue.pushText("x".repeat(40)), "40 bytes and a line feed pass it too");
  strictEqual(events.overflows, 2);
  strictEqual(queue.unsent, 60, "nothing of a refused frame is queued");
  ok(queue.push(new Uint8Array(40)), "exactly the limit is allowed");
  strictEqual(queue.unsent, 100);
  const write = await conn.nextWrite();
  strictEqual(write.data.length, 100);
  write.take();
  await queue.drained();
  ok(queue.pushText("y".repeat(99)), "once written, the room is back");
  (await conn.nextWrite()).take();
  await queue.drained();
});

Deno.test("OutputQueue.lastWord() drops what is queued and is the last thing written", async () => {
  const conn = new FakeConnection(true);
  const { queue } = queueOn(conn, 64);
  queue.pushText(frame(1));
  const inFlight = await conn.nextWrite();
  queue.pushText(frame(2));
  queue.pushText(frame(3));
  const last = JSON.stringify({ type: "error", code: "slow_consumer", content: "z".repeat(100) });
  queue.lastWord(last);
  strictEqual(queue.unsent, frame(1).length + 1 + last.length + 1, "what was queued is dropped");
  ok(!queue.pushText(frame(4)), "nothing is queued after the last word");
  ok(!queue.push(new Uint8Array(1)));
  queue.lastWord("{}"); // a second last word is not taken either
  // The write in flight completes; then the last word alone, past the limit.
  inFlight.take();
  const final = await conn.nextWrite();
  strictEqual(final.data, last + "\n");
  final.take();
  await queue.drained();
  deepStrictEqual(conn.writes, [frame(1) + "\n", last + "\n"]);
});

Deno.test("OutputQueue.drained() resolves at once when empty, once written, or on close", async () => {
  const conn = new FakeConnection(true);
  const { queue } = queueOn(conn);
  await queue.drained();
  queue.pushText(frame(1));
  const order: string[] = [];
  const draining = queue.drained().then(() => order.push("drained"));
  const write = await conn.nextWrite();
  order.push("written");
  write.take();
  await draining;
  deepStrictEqual(order, ["written", "drained"]);
  // A write that never completes: close() lets the waiters go.
  queue.pushText(frame(2));
  await conn.nextWrite();
  const waiting = queue.drained();
  queue.close();
  await waiting;
  await queue.drained();
});

Deno.test("OutputQueue.close() drops what is unsent and takes nothing more; a later write failure is not reported", async () => {
  const conn = new FakeConnection(true);
  const { queue, events } = queueOn(conn);
  queue.pushText(frame(1));
  const inFlight = await conn.nextWrite();
  queue.pushText(frame(2));
  queue.close();
  ok(!queue.pushText(frame(3)));
  ok(!queue.push(new Uint8Array(1)));
  queue.lastWord("{}");
  inFlight.fail(new Error("reset after close"));
  await queue.drained();
  deepStrictEqual(events.writeErrors, []);
  deepStrictEqual(conn.writes, [frame(1) + "\n"], "the frame queued before close was dropped");
});

Deno.test("OutputQueue reports a failed write to its owner, and is drained only once closed", async () => {
  const conn = new FakeConnection(true);
  const reported = Promise.withResolvers<unknown>();
  const queue = new OutputQueue(conn, 1 << 20, {
    onOverflow: () => {},
    onWriteError: reported.resolve,
  });
  queue.pushText(frame(1));
  let drained = false;
  const draining = queue.drained().then(() => drained = true);
  const error = new Error("connection reset");
  (await conn.nextWrite()).fail(error);
  strictEqual(await reported.promise, error);
  ok(!drained, "what was not written is still owed");
  queue.close(); // as its session does
  await draining;
});

Deno.test("OutputQueue counts its unsent bytes in a shared OutputBudget: pushed, written, sealed by a last word, dropped at close", async () => {
  const over: number[] = [];
  const budget = new OutputBudget(250, () => over.push(budget.live));
  const conns = [new FakeConnection(true), new FakeConnection(true)];
  const [a, b] = conns.map((conn) =>
    new OutputQueue(conn, 1 << 20, { onOverflow: () => {}, onWriteError: () => {} }, budget)
  );
  ok(a.push(new Uint8Array(100)));
  ok(b.push(new Uint8Array(100)));
  strictEqual(budget.total, 200);
  deepStrictEqual(over, []);
  const written = await conns[0].nextWrite();
  written.take(40);
  await conns[0].nextWrite(); // the rest of the first write: 60 bytes still unsent
  strictEqual(budget.total, 160);
  ok(b.push(new Uint8Array(100)), "the queue takes it: the budget's owner decides whom to cut");
  deepStrictEqual(over, [260], "past the limit, the owner is told");
  b.lastWord('{"type":"error"}');
  strictEqual(budget.live, 60, "a queue that takes nothing more is counted apart");
  strictEqual(budget.total, 60 + 100 + 17, "b: its write in flight and its last word");
  b.close();
  a.close();
  strictEqual(budget.total, 0);
  strictEqual(budget.live, 0);
});

Deno.test("OutputQueue: past 16 KiB what is queued goes on in buffers of its own, written in order, one write each; lastWord drops those not being written", async () => {
  const conn = new FakeConnection(true);
  const { queue } = queueOn(conn, 1 << 24);
  const frames = Array.from({ length: 100 }, (_, i) => `${i}:${"q".repeat(2000)}`);
  for (const text of frames) ok(queue.pushText(text));
  const writes: string[] = [];
  while (writes.join("").length < frames.join("\n").length + 1) {
    const write = await conn.nextWrite();
    ok(write.data.length <= 16 * 1024, `a write of ${write.data.length} bytes`);
    writes.push(write.data);
    write.take();
  }
  deepStrictEqual(writes.join(""), frames.map((f) => f + "\n").join(""));
  ok(writes.length >= 3, `${writes.length} writes`);
  await queue.drained();
  // Queued while the first buffer is being written: dropped for the last word, but that one.
  for (const text of frames) queue.pushText(text);
  const inFlight = await conn.nextWrite();
  for (const text of frames) queue.pushText(text);
  queue.lastWord('{"type":"error"}');
  strictEqual(queue.unsent, inFlight.data.length + 17);
  inFlight.take();
  const last = await conn.nextWrite();
  strictEqual(last.data, '{"type":"error"}\n');
  last.take();
  await queue.drained();
});
