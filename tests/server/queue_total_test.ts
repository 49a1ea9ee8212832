/**
 * `--max-queue-total`: sessions that never read, fed by a sender, hold
 * output; past the total the biggest holders are cut with slow_consumer,
 * and what the server holds stays under the limit.
 *
 * @module
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { CloseReason } from "../../src/server/options.ts";
import { cutBiggestHolders, type Holder } from "../../src/server/queue_total.ts";
import { OutputBudget } from "../../src/transport/output_budget.ts";
import { RawClient } from "../helpers/raw_client.ts";
import { startServer } from "../helpers/server.ts";
import { ready, signal } from "../helpers/session.ts";

/** Sends a message with id `id` to everyone; resolves to how many sessions it reached. */
async function sendOne(sender: RawClient, content: string, id: number): Promise<number> {
  await sender.say({ type: "message", content, id });
  return (await sender.ackOf(id)).recipients as number;
}

Deno.test("cutBiggestHolders() cuts the biggest first, only until the total is back under the limit", () => {
  const budget = new OutputBudget(60, () => {});
  const cut: string[] = [];
  const holder = (name: string, queued: number, gone = false): Holder => ({
    queued,
    gone,
    cutForTotal() {
      cut.push(name);
      budget.seal(queued);
    },
  });
  budget.add(30 + 80 + 50 + 10 + 90, false);
  budget.seal(90); // e is closing: its queue takes nothing more
  const holders = [
    holder("a", 30),
    holder("b", 80),
    holder("c", 50),
    holder("d", 10),
    holder("e", 90, true),
  ];
  strictEqual(cutBiggestHolders(holders, budget), 2);
  deepStrictEqual(cut, ["b", "c"], "e is on its way out already; a and d are small");
  ok(budget.live <= budget.limit);
});

Deno.test("--max-queue-total: readers that never read are cut, biggest first, and the server's output stays under the limit", async () => {
  const limit = 2 * 1024 * 1024;
  const reasons = new Map<string, CloseReason>();
  const allCut = signal();
  await using s = await startServer({
    maxQueue: 16 * 1024 * 1024,
    maxQueueTotal: limit,
    rateLimit: 0,
    onSessionClose: (session, reason) => {
      reasons.set(session.name, reason);
      if (reasons.size === 6) allCut.resolve();
    },
  });
  const sleepers: RawClient[] = [];
  try {
    for (let i = 0; i < 6; i++) {
      const sleeper = await ready(s.unix, { name: `sleeper${i}` });
      sleeper.pause();
      sleepers.push(sleeper);
    }
    await using sender = await ready(s.tcp, { name: "sender" });
    const content = "z".repeat(60 * 1024);
    let most = 0;
    // Until no reader is left to reach: each was cut once the total passed the limit.
    for (let i = 0; (await sendOne(sender, content, i)) > 0; i++) {
      ok(i < 200, "200 messages of 60 KiB reached a reader");
      most = Math.max(most, s.server.queuedBytes);
    }
    ok(most <= limit, `held ${most} bytes at most, limit ${limit}`);
    // Each cut reader gets what was being written, then its slow_consumer error, if it reads now.
    for (const sleeper of sleepers) sleeper.resume();
    await allCut.promise;
    deepStrictEqual(
      [...reasons].sort(),
      sleepers.map((_, i) => [`sleeper${i}`, "slow_consumer"]),
      "every reader that never reads was cut, the sender was not",
    );
    for (const sleeper of sleepers) {
      await sleeper.closed();
      const last = sleeper.backlog.at(-1)!;
      strictEqual(last.code, "slow_consumer", JSON.stringify(last).slice(0, 200));
      ok(String(last.content).includes(`passed ${limit} bytes`), String(last.content));
    }
  } finally {
    await Promise.all(sleepers.map((sleeper) => sleeper.close()));
  }
});
