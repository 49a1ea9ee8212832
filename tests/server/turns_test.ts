/**
 * Fair turns: the shared turn object alone, and a real server process whose
 * sessions keep answering while one session floods it.
 *
 * @module
 */

import { ok, strictEqual } from "node:assert/strict";
import { Turns } from "../../src/server/turns.ts";
import { Flooder, interleaving, percentileOf } from "../helpers/flood.ts";
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

/** How long each flood runs (at the least: the round trips are counted, never timed). */
const FLOOD_MS = 3000;
/** One frame of the flood in this many carries an id, its ack a mark of the server's progress. */
const ANSWER_EVERY = 32;
/** The most a session reads at once (`READ_MAX` in src/server/session.ts). */
const READ_BYTES = 64 * 1024;

for (
  const [transport, limit] of [
    ["tcp", "default"],
    ["unix", "default"],
    ["tcp", "0"],
    ["unix", "0"],
  ] as const
) {
  Deno.test(`[${transport}] a flooding session holds up no other (--rate-limit ${limit}): its reads and another's pings take turns`, async () => {
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
    const flooder = await Flooder.start(to, { answerEvery: ANSWER_EVERY });
    try {
      const { perTrip, total, times } = await interleaving(control, flooder, FLOOD_MS, 20);
      // The flood went on all along (with the default limit, 1,000 frames a second: about 90
      // marks in 3 s).
      ok(total >= 8, `the server handled ${total * ANSWER_EVERY} frames of the flood meanwhile`);
      // A ping waits for one read of the flooder, a few under load, not more: in the median
      // round trip the server handled no more of the flood than four of its reads hold. (A
      // server that read the flooder for as long as it had data answered a ping once it had
      // drained the flooder's socket: about 3 reads over Unix, 500 over TCP, in each round trip.)
      // Counted in frames, not in milliseconds: a loaded machine slows both sides alike.
      const median = percentileOf(perTrip, 50) * ANSWER_EVERY;
      const reads = (4 * READ_BYTES) / flooder.frameBytes;
      ok(
        median <= reads,
        `the median of ${perTrip.length} round trips waited while the server handled ${median} ` +
          `frames of the flood (four reads: ${Math.round(reads)}; ${
            total * ANSWER_EVERY
          } in all; ` +
          `round trips p50 ${times.p50.toFixed(1)} ms, p99 ${times.p99.toFixed(1)} ms)`,
      );
    } finally {
      await flooder.stop();
    }
  });
}
