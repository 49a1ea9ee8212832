/**
 * Attack: many connections each sending an unfinished `session_ack` of
 * almost a megabyte, never completing it (issue 11, memory before login).
 * Figures: the server's resident memory before, at the peak, and a while
 * after the connections are gone.
 *
 * @module
 */

import { RawClient } from "../../tests/helpers/raw_client.ts";
import { mib } from "../../tests/helpers/proc.ts";
import { AttackTarget } from "./target.ts";

/** What the pre-login attack measured. */
export interface PreloginFigures {
  serverArgs: string[];
  connections: number;
  /** Connections the server refused before its session_init (server_full). */
  refusedFull: number;
  /** Connections the server closed with frame_too_large. */
  refusedTooLarge: number;
  rssBeforeMiB: number;
  rssPeakMiB: number;
  rssAfterMiB: number;
}

/** Runs the attack with `connections` against a server of `root` started with `args`. */
export async function preloginAttack(
  connections: number,
  args: string[],
  root?: string,
): Promise<PreloginFigures> {
  await using target = await AttackTarget.start(["--handshake-timeout", "60", ...args], { root });
  const before = await target.rss();
  let peak = before;
  const clients: RawClient[] = [];
  let refusedFull = 0;
  let refusedTooLarge = 0;
  const pad = "x".repeat(1024 * 1024 - 200);
  try {
    // 50 at a time: connect, read session_init, send almost 1 MiB of a session_ack, never end it.
    for (let i = 0; i < connections; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, connections - i) }, async (_, k) => {
        const client = await RawClient.connect(
          (i + k) % 2 ? target.unix : target.tcp,
          { tolerateWriteErrors: true },
        );
        clients.push(client);
        const first = await client.next(undefined, 30_000).catch(() => undefined);
        if (first?.type !== "session_init") {
          refusedFull++;
          return;
        }
        await client.write(
          `{"type":"session_ack","session_id":"${first.session_id}","pad":"${pad}`,
        );
      }));
      peak = Math.max(peak, await target.rss());
    }
    // The server reads what it will; sample the peak for a few seconds.
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      peak = Math.max(peak, await target.rss());
    }
    refusedTooLarge = clients.filter((c) => c.backlog.some((f) => f.code === "frame_too_large"))
      .length;
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
  // Memory a while after the connections are gone.
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const after = await target.rss();
  return {
    serverArgs: args,
    connections,
    refusedFull,
    refusedTooLarge,
    rssBeforeMiB: mib(before),
    rssPeakMiB: mib(peak),
    rssAfterMiB: mib(after),
  };
}
