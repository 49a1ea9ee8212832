import { deepStrictEqual, throws } from "node:assert/strict";
import {
  HISTORY_DEFAULT_LIMIT,
  HISTORY_MAX_LIMIT,
  historyLimit,
  historyRequest,
} from "../../../src/server/history/history_query.ts";

Deno.test("historyLimit() defaults to 100 and caps at 1,000", () => {
  deepStrictEqual(
    [historyLimit(undefined), historyLimit(0), historyLimit(7), historyLimit(5_000)],
    [HISTORY_DEFAULT_LIMIT, 0, 7, HISTORY_MAX_LIMIT],
  );
});

Deno.test("historyRequest() reads room, before and limit", () => {
  deepStrictEqual(historyRequest({ type: "history" }), {
    room: undefined,
    before: undefined,
    limit: 100,
  });
  deepStrictEqual(historyRequest({ type: "history", room: "dev", before: 42, limit: 3 }), {
    room: "dev",
    before: 42,
    limit: 3,
  });
});

Deno.test("historyRequest() refuses a before or limit that is not a whole number of at least 0", () => {
  for (
    const fields of [
      { before: -1 },
      { before: 1.5 },
      { before: "9" },
      { limit: -3 },
      { limit: 2.5 },
      { limit: null },
      { limit: Number.MAX_VALUE },
      { room: 5 },
    ]
  ) {
    throws(
      () => historyRequest({ type: "history", id: "h1", ...fields }),
      { code: "invalid_message", frameId: "h1" },
      JSON.stringify(fields),
    );
  }
});
