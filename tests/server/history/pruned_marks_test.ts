import { ok, strictEqual } from "node:assert/strict";
import fc from "fast-check";
import { PrunedMark, PrunedMarks } from "../../../src/server/history/pruned_marks.ts";
import "../../helpers/property.ts";

Deno.test("PrunedMark.excluding() is the largest pruned seq of any other sender, pruned in any order", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.tuple(fc.integer({ min: 1, max: 500 }), fc.constantFrom("a", "b", "c")), {
        selector: ([seq]) => seq,
        maxLength: 30,
      }),
      (pruned) => {
        const mark = new PrunedMark("*");
        for (const [seq, sender] of pruned) mark.add(seq, sender);
        for (const sender of ["a", "b", "c", "d"]) {
          const others = pruned.filter(([, from]) => from !== sender).map(([seq]) => seq);
          strictEqual(mark.excluding(sender), Math.max(0, ...others), sender);
        }
      },
    ),
  );
});

Deno.test("PrunedMarks.restore() gives back the marks that marks() listed", () => {
  const marks = new PrunedMarks();
  marks.prune(1, "a", undefined, undefined);
  marks.prune(2, "b", "lobby", undefined);
  marks.prune(3, "a", undefined, "c");
  marks.prune(4, "c", "lobby", undefined);
  const copy = new PrunedMarks();
  for (const m of marks.marks()) copy.restore(m.audience, m.top, m.topSender, m.other);
  const c = { id: "c", since: 0, rooms: [{ key: "lobby", name: "lobby", joined: 0 }] };
  for (const [filter, after] of [[c, 0], [c, 2], [c, 3], [{ ...c, id: "b" }, 3]] as const) {
    strictEqual(copy.complete(filter, after), marks.complete(filter, after));
  }
  ok(!copy.complete(c, 2), "the direct message 3 to c is gone");
  ok(copy.complete(c, 3));
  ok(!copy.complete({ ...c, id: "b" }, 3), "c's 4 in the lobby is gone");
});

Deno.test("PrunedMarks.forget() drops the mark of direct messages to a session", () => {
  const marks = new PrunedMarks();
  marks.prune(7, "a", undefined, "b");
  strictEqual(marks.forget("b")?.top, 7);
  ok(marks.complete({ id: "b", since: 0, rooms: [] }, 0));
  strictEqual(marks.forget("b"), undefined);
});
