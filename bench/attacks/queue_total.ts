/**
 * Attack: sessions that never read but send heartbeats as fast as they can:
 * their pongs pile up on the server (issue 11, no total budget). Figures:
 * the server's resident memory at the peak, and how many sessions it cut.
 *
 * @module
 */

import { RawClient } from "../../tests/helpers/raw_client.ts";
import { mib } from "../../tests/helpers/proc.ts";
import { AttackTarget } from "./target.ts";

/** What the output-budget attack measured. */
export interface QueueFigures {
  serverArgs: string[];
  sessions: number;
  seconds: number;
  rssBeforeMiB: number;
  rssPeakMiB: number;
  /** Sessions the server closed (cut as slow consumers: their writes failed) during the attack. */
  cut: number;
}

/** Runs `sessions` such sessions for `seconds` against a server of `root` with `args`. */
export async function queueAttack(
  sessions: number,
  seconds: number,
  args: string[],
  root?: string,
): Promise<QueueFigures> {
  await using target = await AttackTarget.start(["--heartbeat-timeout", "600", ...args], { root });
  const before = await target.rss();
  const clients: RawClient[] = [];
  let stop = false;
  const cut = new Set<RawClient>();
  try {
    for (let i = 0; i < sessions; i++) {
      const client = await RawClient.connect(i % 2 ? target.unix : target.tcp, {
        tolerateWriteErrors: true,
      });
      clients.push(client);
      await client.handshake();
      await client.ackOf("hs");
    }
    const writers = clients.map(async (client) => {
      client.pause(); // never reads again
      const ping = JSON.stringify({
        type: "heartbeat",
        content: "ping",
        session_id: client.sessionId,
      });
      const chunk = new TextEncoder().encode((ping + "\n").repeat(512));
      while (!stop) {
        if (!await client.write(chunk)) {
          cut.add(client);
          return;
        }
      }
    });
    let peak = before;
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      peak = Math.max(peak, await target.rss());
    }
    stop = true;
    const cutCount = cut.size;
    // The writers stuck on a full socket end when the sockets are closed.
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(writers);
    return {
      serverArgs: args,
      sessions,
      seconds,
      rssBeforeMiB: mib(before),
      rssPeakMiB: mib(peak),
      cut: cutCount,
    };
  } finally {
    stop = true;
    await Promise.all(clients.map((client) => client.close()));
  }
}
