/**
 * The soak's figures of many pair sides added up (soak/sequence_check.ts),
 * as its summary and its check lines give them.
 *
 * @module
 */

import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { deliveryTotals, describeTotals } from "../../soak/sequence_check.ts";

Deno.test("deliveryTotals adds up every side's counts; describeTotals says them in a line", () => {
  const side = (n: number) => ({
    sent: n,
    acked: n - 1,
    received: n + 1,
    duplicates: 1,
    reordered: 2,
    lost: 3,
  });
  const totals = deliveryTotals([side(10), side(20)]);
  deepStrictEqual(totals, {
    sent: 30,
    received: 32,
    acked: 28,
    lost: 6,
    duplicated: 2,
    reordered: 4,
  });
  strictEqual(
    describeTotals(totals),
    "30 sent, 32 received, 28 acked, 6 lost, 2 duplicated, 4 reordered",
  );
  deepStrictEqual(Object.values(deliveryTotals([])), [0, 0, 0, 0, 0, 0]);
});
