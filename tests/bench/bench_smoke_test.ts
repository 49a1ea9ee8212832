import { ok } from "node:assert/strict";
import { runTool } from "../helpers/tool.ts";

Deno.test({
  name:
    "bench --quick runs every scenario on TCP and Unix, echo and fan-out on WebSocket, for chat, the floor, redis and nats where installed, and writes its JSON and SVG",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "chat-bench-smoke-" });
    try {
      const json = `${dir}/bench.json`;
      const svg = `${dir}/bench.svg`;
      const out = await runTool("bench/main.ts", ["--quick", "--json", json, "--svg", svg]);
      const { rows, ratios, skipped, cluster } = JSON.parse(await Deno.readTextFile(json)) as {
        rows: {
          scenario: string;
          transport: string;
          metric: string;
          system: string;
          value: number;
          cpuUs: number;
        }[];
        ratios: { scenario: string; transport: string; against: string; ratio: number }[];
        skipped: Record<string, string>;
        cluster: { scenario: string; nodes: number; cluster: number; single: number }[] | {
          skipped: string;
        };
      };
      // Redis serves TCP and Unix sockets, NATS TCP; either is skipped, saying why, when missing.
      const peers: [string, string[]][] = [
        ["chat", ["tcp", "unix", "ws"]],
        ["floor", ["tcp", "unix", "ws"]],
        ["redis", ["tcp", "unix"]],
        ["nats", ["tcp"]],
      ];
      for (const [system, transports] of peers) {
        if (skipped[system] !== undefined) {
          ok(out.includes(`${system}: skipped: ${skipped[system]}`), out);
          continue;
        }
        for (const transport of transports) {
          for (
            const [scenario, metric] of [
              ["echo", "round trips/s"],
              ["fan-out", "deliveries/s"],
              ["idle", "handshakes/s"],
              ["idle", "bytes/session"],
            ]
          ) {
            // Idle sessions are measured on the sockets only.
            if (transport === "ws" && scenario === "idle") continue;
            const row = rows.find((r) =>
              r.scenario === scenario && r.metric === metric && r.transport === transport &&
              r.system === system
            );
            ok(row, `no ${scenario} ${metric} row for ${system} over ${transport}`);
            ok(
              row.value > 0 && row.cpuUs >= 0,
              `${system} ${scenario} ${transport}: ${JSON.stringify(row)}`,
            );
            if (system !== "chat") {
              ok(
                ratios.some((r) =>
                  r.scenario === scenario && r.transport === transport &&
                  r.against.includes(system) &&
                  r.ratio > 0
                ),
                `no ratio of chat to ${system} for ${scenario} over ${transport}`,
              );
            }
          }
        }
      }
      // The cluster scenario ran (three nodes, next to the single node's figure), or said why not.
      if (Array.isArray(cluster)) {
        const row = cluster.find((r) => r.scenario === "fan-out");
        ok(row && row.nodes === 3 && row.cluster > 0 && row.single > 0, JSON.stringify(cluster));
        ok(out.includes("3 nodes"), out);
      } else {
        ok(cluster.skipped.length > 0 && out.includes("cluster: skipped"), out);
      }
      ok(out.includes("ratio"), "the table shows ratios");
      ok((await Deno.readTextFile(svg)).startsWith("<svg"), "the chart is an SVG");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
