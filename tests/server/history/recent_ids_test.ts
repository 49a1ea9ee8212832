import { deepStrictEqual, strictEqual } from "node:assert/strict";
import fc from "fast-check";
import type { FrameId } from "../../../src/protocol/messages.ts";
import { RECENT_IDS, RecentIds } from "../../../src/server/history/recent_ids.ts";
import "../../helpers/property.ts";

Deno.test("RecentIds.add() keeps 1,024 ids by default, forgetting the oldest", () => {
  const ids = new RecentIds();
  for (let seq = 1; seq <= RECENT_IDS + 3; seq++) ids.add(`id${seq}`, seq);
  strictEqual(ids.size, RECENT_IDS);
  strictEqual(ids.oldestSeq, 4);
  strictEqual(ids.seqOf("id3"), undefined);
  strictEqual(ids.seqOf("id4"), 4);
  strictEqual(ids.seqOf(`id${RECENT_IDS + 3}`), RECENT_IDS + 3);
});

Deno.test("RecentIds.entries() lists the ids oldest first, also once they wrapped", () => {
  const ids = new RecentIds(3);
  deepStrictEqual([...ids.entries()], []);
  strictEqual(ids.oldestSeq, 0);
  for (const [id, seq] of [["a", 1], ["b", 2], ["c", 3], ["d", 4]] as const) ids.add(id, seq);
  deepStrictEqual([...ids.entries()], [["b", 2], ["c", 3], ["d", 4]]);
});

Deno.test("RecentIds.seqOf() agrees with the last `capacity` adds, looked up at any time", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.array(fc.tuple(fc.oneof(fc.nat(5), fc.constantFrom("1", "2", "x")), fc.boolean()), {
        maxLength: 60,
        size: "max",
      }),
      (capacity, steps) => {
        const ids = new RecentIds(capacity);
        const added: [FrameId, number][] = [];
        steps.forEach(([id, look], i) => {
          ids.add(id, i + 1);
          added.push([id, i + 1]);
          if (!look) return;
          const kept = added.slice(-capacity);
          for (const probe of [0, 1, 2, 3, 4, 5, "1", "2", "x"]) {
            const expected = kept.findLast(([other]) => other === probe)?.[1];
            strictEqual(ids.seqOf(probe), expected, `${capacity}: ${String(probe)}`);
          }
        });
      },
    ),
  );
});
