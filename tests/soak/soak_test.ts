import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { Summary } from "../../soak/main.ts";
import { runTool } from "../helpers/tool.ts";

Deno.test({
  name:
    "a short soak: every fault answered, no frame of the pairs lost, resuming pairs whole across server restarts, resources back",
  // The soak reads the server's memory and descriptors from /proc.
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "chat-soak-test-" });
    try {
      const json = `${dir}/soak.json`;
      const out = await runTool("soak/main.ts", [
        "--duration",
        "6",
        "--sessions",
        "40",
        "--pairs",
        "6",
        "--seed",
        "7",
        "--json",
        json,
      ]);
      const summary = JSON.parse(await Deno.readTextFile(json)) as Summary;
      ok(summary.ok, out);
      for (const invariant of summary.invariants) ok(invariant.ok, JSON.stringify(invariant));

      // The pairs: everything sent arrived once, in order, and was acked.
      const { pairs } = summary;
      ok(pairs.sent > 0, "the pairs exchanged messages");
      strictEqual(pairs.received, pairs.sent);
      strictEqual(pairs.acked, pairs.sent);
      deepStrictEqual([pairs.lost, pairs.duplicated, pairs.reordered], [0, 0, 0]);
      strictEqual(pairs.perPair.length, 6);

      // The resuming pairs, across their own cuts and SIGKILL and SIGTERM restarts with --store.
      const { resuming } = summary;
      ok(resuming.sent > 0 && resuming.restarts.killed > 0, JSON.stringify(resuming.restarts));
      deepStrictEqual([resuming.received, resuming.acked], [resuming.sent, resuming.sent]);
      deepStrictEqual([resuming.lost, resuming.duplicated, resuming.reordered], [0, 0, 0]);
      ok(resuming.recovered > 0);
      strictEqual(resuming.notRecovered, 0);

      // Every fault ran and got its answer.
      for (const [kind, stats] of Object.entries(summary.faults.kinds)) {
        ok(stats.passed > 0, `${kind} ran`);
        strictEqual(stats.failed, 0, `${kind}: ${stats.failures.join(" | ")}`);
      }
      for (
        const what of [
          "slow consumers cut",
          "handshake timeouts",
          "heartbeat timeouts",
          "oversized refused with frame_too_large",
          "invalid frames answered",
          "half-open closed by the server",
          "resets",
          "flood bursts rate-limited",
          "joins refused with too_many_rooms",
          "handshake slots held",
          "held slots cut at the handshake timeout",
          "addresses served again after their slots timed out",
        ]
      ) {
        ok((summary.faults.observed[what] ?? 0) > 0, `observed ${what}`);
      }
      strictEqual(summary.server.reasonMismatches.length, 0);

      // The server: alive throughout, a clean exit, a clean log, resources back.
      ok(summary.server.aliveThroughout);
      strictEqual(summary.server.exitCode, 0);
      deepStrictEqual(summary.server.anomalies, []);
      // The deadline server, where the faults meant to meet its handshake timeout ran.
      strictEqual(summary.deadline.exitCode, 0);
      deepStrictEqual(summary.deadline.anomalies, []);
      strictEqual(summary.deadline.fds.after, summary.deadline.fds.start);
      const { resources } = summary;
      strictEqual(resources.baseline.fds, resources.start.fds + 2 * 6);
      strictEqual(resources.after.fds, resources.baseline.fds);
      ok(resources.peak.fds > resources.baseline.fds, "the faults held descriptors");
      ok(resources.after.rssBytes <= resources.rssLimitBytes);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
