/**
 * What connections that never log in cost a real server process: 1,000 of
 * them each holding an unfinished `session_ack`, and as many sending almost
 * a megabyte of one, take less than 64 MiB of resident memory.
 *
 * @module
 */

import { ok, strictEqual } from "node:assert/strict";
import { PROTOCOL_DEFAULTS } from "../../src/protocol/defaults.ts";
import { residentBytes } from "../helpers/proc.ts";
import { RawClient } from "../helpers/raw_client.ts";
import { ready } from "../helpers/session.ts";
import { ChatProcess, tempDir } from "../helpers/spawn.ts";

const MIB = 1024 * 1024;
/** How long a thousand connections may take to be greeted, or to send a megabyte each. */
const SLOW_MS = 120_000;

/** The most resident memory seen over `rounds` heartbeat round trips of `control`. */
async function peakOver(pid: number, control: RawClient, rounds: number): Promise<number> {
  let peak = 0;
  for (let i = 0; i < rounds; i++) {
    await control.say({ type: "heartbeat", content: "ping", id: `p${i}` });
    await control.next((f) => f.type === "heartbeat" && f.id === `p${i}`);
    peak = Math.max(peak, await residentBytes(pid));
  }
  return peak;
}

Deno.test({
  name: "1,000 unfinished pre-login frames take less than 64 MiB of the server's memory",
  ignore: Deno.build.os !== "linux",
  async fn() {
    await using dir = await tempDir();
    await using server = ChatProcess.spawn([
      "server",
      "--unix",
      `${dir.path}/s.sock`,
      "--max-handshakes",
      "8000",
      // Every unfinished frame stays held however long a loaded machine takes to send them all:
      // what is measured is the memory they hold, and what refuses them is their size.
      "--handshake-timeout",
      "3600",
    ]);
    const { unix } = await server.listening(1);
    await using control = await ready(unix!, { name: "control" });
    const baseline = await peakOver(server.pid, control, 3);
    const holders: RawClient[] = [];
    try {
      // Just under the 16 KiB a session_ack may take: held (until the handshake timeout).
      const almost = PROTOCOL_DEFAULTS.handshakeMaxFrame - 200;
      for (let i = 0; i < 1000; i++) {
        const holder = await RawClient.connect(unix!);
        holders.push(holder);
        const init = await holder.next("session_init");
        await holder.write(`{"type":"session_ack","session_id":"${init.session_id}","pad":"`);
        await holder.write("x".repeat(almost));
      }
      const held = await peakOver(server.pid, control, 20);
      ok(held - baseline < 64 * MIB, `grew ${((held - baseline) / MIB).toFixed(1)} MiB`);
      ok(holders.every((holder) => !holder.ended), "the unfinished frames are still held");
    } finally {
      await Promise.all(holders.splice(0).map((holder) => holder.close()));
    }
    // The memory the first 1,000 took is not all given back to the system: start from here.
    const before = await peakOver(server.pid, control, 3);
    // Almost a megabyte each: refused at 16 KiB, with frame_too_large, holding nothing more.
    const senders = await Promise.all(
      Array.from({ length: 1000 }, () => RawClient.connect(unix!, { tolerateWriteErrors: true })),
    );
    try {
      await Promise.all(senders.map(async (sender) => {
        const init = await sender.next("session_init", SLOW_MS);
        await sender.write(
          `{"type":"session_ack","session_id":"${init.session_id}","pad":"${"y".repeat(1_000_000)}`,
        );
        strictEqual((await sender.next("error", SLOW_MS)).code, "frame_too_large");
      }));
      const after = await peakOver(server.pid, control, 5);
      ok(after - before < 64 * MIB, `grew ${((after - before) / MIB).toFixed(1)} MiB`);
    } finally {
      await Promise.all(senders.map((sender) => sender.close()));
    }
  },
});
