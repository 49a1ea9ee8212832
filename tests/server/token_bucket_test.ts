/**
 * The rate limit: the token bucket's arithmetic, and a real server that
 * reads a session faster than its rate more slowly, losing nothing.
 *
 * @module
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { TokenBucket } from "../../src/server/token_bucket.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { ready } from "../helpers/session.ts";

Deno.test("TokenBucket: full at first, refilled at its rate, never above its size", () => {
  const bucket = new TokenBucket(10, 1000);
  for (let i = 0; i < 10; i++) ok(bucket.take(), `token ${i}`);
  strictEqual(bucket.take(), false);
  strictEqual(bucket.msUntil(1), 100);
  strictEqual(bucket.msUntil(5), 500);
  strictEqual(bucket.msUntil(50), 1000, "at most a full bucket is waited for");
  bucket.refill(1250);
  ok(bucket.take() && bucket.take(), "2.5 tokens earned in 250 ms");
  strictEqual(bucket.take(), false);
  bucket.refill(1000_000);
  let taken = 0;
  while (bucket.take()) taken++;
  strictEqual(taken, 10, "a long pause fills the bucket, no more");
  bucket.refill(999_000);
  strictEqual(bucket.take(), false, "a clock that goes back earns nothing");
});

/**
 * Sends `count` messages from one session to another as fast as the socket takes them; waits
 * until every one is delivered and acknowledged, in order. Returns the seconds it took.
 */
async function flood(s: TestServer, count: number): Promise<number> {
  const tag = crypto.randomUUID().slice(0, 8);
  await using flooder = await ready(s.tcp, { name: `flooder-${tag}` });
  await using reader = await ready(s.unix, { name: `reader-${tag}` });
  const started = performance.now();
  const lines = Array.from(
    { length: count },
    (_, i) =>
      JSON.stringify({
        type: "message",
        content: `m${i}`,
        to: `reader-${tag}`,
        id: i,
        session_id: flooder.sessionId,
      }) + "\n",
  );
  await flooder.write(lines.join(""));
  const got: string[] = [];
  while (got.length < count) got.push((await reader.next("message", 10_000)).content as string);
  const acks: number[] = [];
  while (acks.length < count) acks.push((await flooder.next("ack", 10_000)).id as number);
  const seconds = (performance.now() - started) / 1000;
  deepStrictEqual(got, lines.map((_, i) => `m${i}`), "every message, in order");
  deepStrictEqual(acks, lines.map((_, i) => i), "every ack, in order");
  return seconds;
}

Deno.test("--rate-limit: a flooder's messages are all acknowledged and delivered in order, at the rate", async () => {
  const rate = 400;
  const count = 1200;
  await using limited = await startServer({ rateLimit: rate });
  await using free = await startServer({ rateLimit: 0 });
  // What the same flood takes without a limit, just before and just after: the machine's share.
  const before = await flood(free, count);
  const seconds = await flood(limited, count);
  const after = await flood(free, count);
  const work = Math.max(before, after);
  // A full bucket of `rate`, then `rate` a second: (count - rate) / rate seconds at least.
  const least = (count - rate) / rate;
  const figures = `${count} frames in ${seconds.toFixed(2)} s at ${rate} a second, ` +
    `${work.toFixed(2)} s without a limit`;
  ok(seconds >= least * 0.9, `${figures}: faster than the rate`);
  // No slower than the rate plus the work itself (twice over, for the noise of a loaded machine).
  ok(seconds < least + 2 * work, `${figures}: slower than the rate`);
  console.log(figures);
});

Deno.test("TokenBucket.fullAt() says when it holds its rate again: as good as a new bucket", () => {
  const bucket = new TokenBucket(4, 0);
  ok(bucket.fullAt(0), "a new bucket is full");
  ok(bucket.take());
  ok(!bucket.fullAt(100), "3.4 tokens at 100 ms");
  ok(bucket.fullAt(250), "4 again at 250 ms");
  // What it gives from there on is what a new bucket made at 250 ms gives.
  const fresh = new TokenBucket(4, 250);
  for (let i = 0; i < 5; i++) strictEqual(bucket.take(), fresh.take());
  strictEqual(bucket.msUntil(1), fresh.msUntil(1));
});
