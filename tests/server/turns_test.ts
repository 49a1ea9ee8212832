/**
 * Fair turns: the shared turn object alone, and a real server process whose
 * sessions keep answering while one session floods it.
 *
 * @module
 */

import { ok, strictEqual } from "node:assert/strict";
import { Turns } from "../../src/server/turns.ts";
import { Flooder, heartbeatRoundTrips } from "../helpers/flood.ts";
import { ready } from "../helpers/session.ts";
import { ChatProcess, tempDir } from "../helpers/spawn.ts";

Deno.test("Turns: a reader that took the current turn waits for the next; the others go on at once", async () => {
  const turns = new Turns();
  const mine = turns.take();
  strictEqual(turns.current, mine, "the turn lasts until a macrotask");
  const other = turns.take();
  strictEqual(other, mine, "others take the same turn");
  await turns.next();
  ok(turns.current > mine, "the next turn has begun");
  // One promise for every waiter of a turn.
  turns.take();
  strictEqual(turns.next(), turns.next());
  await turns.next();
});

/** How long each flood runs. */
const FLOOD_MS = 2000;

for (
  const [transport, limit] of [
    ["tcp", "default"],
    ["unix", "default"],
    ["tcp", "0"],
    ["unix", "0"],
  ] as const
) {
  Deno.test(`[${transport}] a flooding session holds up no other (--rate-limit ${limit}): heartbeat p99 under 50 ms`, async () => {
    await using dir = await tempDir();
    await using server = ChatProcess.spawn([
      "server",
      ...(transport === "tcp" ? ["--host", "127.0.0.1", "--port", "0"] : []),
      "--unix",
      `${dir.path}/s.sock`,
      ...(limit === "default" ? [] : ["--rate-limit", limit]),
    ]);
    const addresses = await server.listening(transport === "tcp" ? 2 : 1);
    const to = addresses[transport]!;
    await using control = await ready(to, { name: "control" });
    const flooder = await Flooder.start(to);
    try {
      const trips = await heartbeatRoundTrips(control, FLOOD_MS);
      ok(flooder.sent > 0, "the flooder wrote");
      ok(trips.samples.length > 20, `round trips measured: ${trips.samples.length}`);
      ok(trips.p99 < 50, `p99 ${trips.p99.toFixed(1)} ms, max ${trips.max.toFixed(1)} ms`);
    } finally {
      await flooder.stop();
    }
  });
}
