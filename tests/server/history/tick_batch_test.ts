import { deepStrictEqual, rejects, strictEqual } from "node:assert/strict";
import { TickBatch } from "../../../src/server/history/tick_batch.ts";

/** A batch over a log of writes; `fail` makes the next transaction throw. */
function logged(): { batch: TickBatch; log: string[]; failures: unknown[]; fail: () => void } {
  const log: string[] = [];
  const failures: unknown[] = [];
  let failing = false;
  const batch = new TickBatch((writes) => {
    log.push("begin");
    writes();
    if (failing) {
      failing = false;
      log.push("rollback");
      throw new Error("disk full");
    }
    log.push("commit");
  }, (error) => failures.push(error));
  return { batch, log, failures, fail: () => failing = true };
}

Deno.test("TickBatch.add() commits a tick's calls together, then answers them in call order", async () => {
  const { batch, log } = logged();
  const answered: number[] = [];
  const calls = [1, 2, 3].map((n) =>
    batch.add(() => log.push(`w${n}`), () => n).then((n) => answered.push(n))
  );
  strictEqual(batch.pending, true);
  await Promise.all(calls);
  deepStrictEqual(log, ["begin", "w1", "w2", "w3", "commit"]);
  deepStrictEqual(answered, [1, 2, 3]);
  await batch.add(() => log.push("w4"), () => 4);
  deepStrictEqual(log.slice(5), ["begin", "w4", "commit"]);
  strictEqual(batch.commits, 2);
});

Deno.test("TickBatch.after() answers at once when nothing waits, else after the commit", async () => {
  const { batch, log } = logged();
  strictEqual(batch.after(() => "now"), "now");
  const write = batch.add(() => log.push("w"), () => "w");
  const later = batch.after(() => log.length);
  strictEqual(typeof later, "object");
  await write;
  strictEqual(await later, 3, "answered after begin, w, commit");
});

Deno.test("TickBatch.flush() rejects every call of a batch that failed, and tells why", async () => {
  const { batch, log, failures, fail } = logged();
  fail();
  const calls = [batch.add(() => log.push("a"), () => 1), batch.add(undefined, () => 2)];
  const results = await Promise.allSettled(calls);
  deepStrictEqual(results.map((r) => r.status), ["rejected", "rejected"]);
  strictEqual(failures.length, 1);
  strictEqual(await batch.add(() => log.push("b"), () => 3), 3, "the next batch goes on");
});

Deno.test("TickBatch.add() rejects only the call whose answer throws", async () => {
  const { batch } = logged();
  const bad = batch.add(undefined, () => {
    throw new Error("bad answer");
  });
  const good = batch.add(undefined, () => "fine");
  await rejects(bad, /bad answer/);
  strictEqual(await good, "fine");
});
