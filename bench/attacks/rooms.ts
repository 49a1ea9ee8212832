/**
 * Attack: one session joins as many rooms as it can, then another asks
 * `who` (issue 11, rooms). Figures: rooms joined, how long it took, the
 * size of the `who` answer's largest frame, and whether the asker was cut.
 *
 * @module
 */

import { RawClient } from "../../tests/helpers/raw_client.ts";
import { ready } from "../../tests/helpers/session.ts";
import { AttackTarget } from "./target.ts";

/** What the room attack measured. */
export interface RoomFigures {
  serverArgs: string[];
  joinsSent: number;
  joined: number;
  refused: number;
  joinSeconds: number;
  whoFrames: number;
  whoLargestFrameBytes: number;
  askerCut: boolean;
}

/** Sends `joins` joins (pipelined) against a server of `root` with `args`. */
export async function roomAttack(
  joins: number,
  args: string[],
  root?: string,
): Promise<RoomFigures> {
  await using target = await AttackTarget.start(["--heartbeat-timeout", "600", ...args], { root });
  await using spammer = await RawClient.session(target.unix, { name: "spammer" });
  await spammer.ackOf("hs");
  const started = performance.now();
  const lines: string[] = [];
  for (let i = 0; i < joins; i++) {
    lines.push(
      JSON.stringify({
        type: "join",
        content: `room${i}`.padEnd(24, "-"),
        id: i,
        session_id: spammer.sessionId,
      }),
    );
  }
  let joined = 0;
  let refused = 0;
  // Every answer counted as it arrives (from before the write ends): no promise a frame.
  spammer.onFrame = (frame) => {
    if (frame.type === "ack") joined++;
    else if (frame.type === "error") refused++;
    spammer.wake();
  };
  await spammer.write(lines.join("\n") + "\n");
  await spammer.until(() => joined + refused >= joins || undefined, "every join answered", 600_000);
  const joinSeconds = (performance.now() - started) / 1000;
  await using asker = await ready(target.tcp, { name: "asker" });
  await asker.say({ type: "who", id: "w" });
  let whoFrames = 0;
  let largest = 0;
  let askerCut = false;
  try {
    for (let more = true; more;) {
      const frame = await asker.next((f) => f.type === "who" || f.type === "error", 60_000);
      if (frame.type === "error") {
        askerCut = frame.code === "slow_consumer";
        break;
      }
      whoFrames++;
      largest = Math.max(largest, new TextEncoder().encode(JSON.stringify(frame)).length);
      more = frame.more === true;
    }
  } catch {
    askerCut = asker.ended;
  }
  return {
    serverArgs: args,
    joinsSent: joins,
    joined,
    refused,
    joinSeconds: Math.round(joinSeconds * 100) / 100,
    whoFrames,
    whoLargestFrameBytes: largest,
    askerCut,
  };
}
