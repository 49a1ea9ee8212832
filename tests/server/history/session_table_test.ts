import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { hashResumeToken } from "../../../src/server/history/resume_token.ts";
import { SessionTable } from "../../../src/server/history/session_table.ts";
import { session } from "./store_contract.ts";

Deno.test("SessionTable.save() with a new token hash retires the old one", () => {
  const table = new SessionTable();
  table.save(session("a", 0, "first"));
  table.save(session("a", 0, "second"));
  strictEqual(table.takeOver(hashResumeToken("first"), "x"), undefined);
  strictEqual(table.takeOver(hashResumeToken("second"), "x")?.id, "a");
});

Deno.test("SessionTable.takeOver() asks `admit` about the session as it was, and changes nothing on a no", () => {
  const table = new SessionTable();
  const away = { ...session("a"), awaySince: 3 };
  table.save(away);
  const seen: unknown[] = [];
  const no = table.takeOver(hashResumeToken("token-a"), "x", (s) => (seen.push(s), false));
  deepStrictEqual([no, seen, table.get("a")], [undefined, [away], away]);
  const yes = table.takeOver(hashResumeToken("token-a"), "x", () => true);
  const previousTokenHash = hashResumeToken("token-a");
  deepStrictEqual(yes, { ...session("a"), tokenHash: "x", previousTokenHash });
});

Deno.test("SessionTable.remove() forgets the session, its token and its ids", () => {
  const table = new SessionTable();
  table.save(session("a"));
  table.remember("a", "m1", 5);
  strictEqual(table.remove("a"), true);
  strictEqual(table.remove("a"), false);
  deepStrictEqual(
    [table.get("a"), table.seqOf("a", "m1"), table.takeOver(hashResumeToken("token-a"), "x")],
    [undefined, undefined, undefined],
  );
});
