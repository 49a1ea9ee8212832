/**
 * Attack: silent connections without the token, from 127.0.0.2, holding
 * every connection slot they can; meanwhile a client with the token, from
 * 127.0.0.1, tries to get a session (issue 11, slots).
 *
 * @module
 */

import { RawClient } from "../../tests/helpers/raw_client.ts";
import { SourcePeer } from "../../tests/helpers/source_peer.ts";
import { AttackTarget } from "./target.ts";

/** What the slot attack measured. */
export interface SlotFigures {
  serverArgs: string[];
  /** Silent connections the server took from the attacker's address. */
  held: number;
  /** Tries of the client with the token. */
  tries: number;
  /** Of those, served (the handshake acknowledged). */
  served: number;
  /** Of those, refused with server_full. */
  refusedFull: number;
}

/** Runs the attack (`tries` tries of the client) against a server of `root` with `args`. */
export async function slotAttack(
  tries: number,
  args: string[],
  root?: string,
): Promise<SlotFigures> {
  await using target = await AttackTarget.start(
    ["--token", "s3cret", "--handshake-timeout", "60", ...args],
    { root },
  );
  const held: SourcePeer[] = [];
  let served = 0;
  let refusedFull = 0;
  try {
    // Until the server refuses the attacker (or 20,000 connections).
    for (let i = 0; i < 20_000; i++) {
      const peer = await SourcePeer.connect(target.tcp.port, "127.0.0.2");
      held.push(peer);
      const first = await peer.first(10_000);
      if (first.type !== "session_init") break;
    }
    for (let i = 0; i < tries; i++) {
      await using client = await RawClient.connect(target.tcp);
      const first = await client.next(undefined, 10_000);
      if (first.type === "error") {
        if (first.code === "server_full") refusedFull++;
        continue;
      }
      await client.say({ type: "session_ack", content: "ok", id: "hs", token: "s3cret" });
      const answer = await client.answerOf("hs", 10_000);
      if (answer.type === "ack") served++;
      else if (answer.code === "server_full") refusedFull++;
    }
    return {
      serverArgs: args,
      held: held.filter((peer) => peer.frames[0]?.type === "session_init").length,
      tries,
      served,
      refusedFull,
    };
  } finally {
    await Promise.all(held.map((peer) => peer.close()));
  }
}
