/**
 * The attacks that run beside the hostile sessions of the live target, one
 * kind a batch: a flooder that the rate limit slows (all its frames
 * handled, in order, before its ping), slot holders from an address of
 * their own (TCP, 127.0.0.2), and a session spamming rooms past the limit
 * (too_many_rooms, then a `who` in frames under 64 KiB). Each checks what
 * the protocol promises it; meanwhile the control sessions must go on.
 *
 * @module
 */

import { PROTOCOL_DEFAULTS } from "../src/protocol/defaults.ts";
import type { Frame } from "../src/protocol/messages.ts";
import type { TestServer } from "../tests/helpers/server.ts";
import { ready } from "../tests/helpers/session.ts";
import { SourcePeer } from "../tests/helpers/source_peer.ts";

/** How long an attack waits for an answer of the server. */
const WAIT_MS = 15_000;

/** The kinds of attack, one a batch in turn (`none`: a batch of hostile sessions alone). */
export const ATTACKS = ["flood", "slots", "rooms", "none"] as const;

/** A kind of attack. */
export type Attack = (typeof ATTACKS)[number];

/** The attack of batch `batch`. */
export function attackOf(batch: number): Attack {
  return ATTACKS[batch % ATTACKS.length];
}

/** Runs `attack` against `server`, alongside `during` (the batch); resolves to what it counted. */
export async function runAttack(
  attack: Attack,
  server: TestServer,
  during: Promise<unknown>,
): Promise<Record<string, number>> {
  switch (attack) {
    case "flood":
      return await flood(server);
    case "slots":
      return await holdSlots(server, during);
    case "rooms":
      return await spamRooms(server);
    case "none":
      return {};
  }
}

/** One and a half buckets of frames that produce no output, then a ping: answered after them all. */
async function flood(server: TestServer): Promise<Record<string, number>> {
  await using client = await ready(server.unix, {
    name: `flooder-${crypto.randomUUID().slice(0, 8)}`,
  });
  const room = `flood-${client.sessionId.slice(0, 8)}`;
  await client.say({ type: "join", content: room, id: "j" });
  await client.ackOf("j");
  const frames = Math.floor(1.5 * PROTOCOL_DEFAULTS.rateLimit);
  const frame = JSON.stringify({
    type: "message",
    content: "x",
    room,
    session_id: client.sessionId,
  });
  await client.write((frame + "\n").repeat(frames));
  await client.say({ type: "heartbeat", content: "ping", id: "after" });
  const pong = await client.next((f) => f.type === "heartbeat" && f.id === "after", WAIT_MS);
  if (pong.content !== "pong") throw new Error(`the flooder's ping: ${JSON.stringify(pong)}`);
  // Nothing refused (the hostile sessions' broadcasts may reach it meanwhile).
  const refused = client.backlog.find((f) => f.type === "error");
  if (refused) throw new Error(`the flooder got ${JSON.stringify(refused)}`);
  return { "flood frames handled": frames };
}

/** Silent connections from 127.0.0.2 until the server refuses one, held while the batch runs. */
async function holdSlots(
  server: TestServer,
  during: Promise<unknown>,
): Promise<Record<string, number>> {
  const perAddress = Math.floor(PROTOCOL_DEFAULTS.maxHandshakes / 8);
  const held: SourcePeer[] = [];
  try {
    let first: Frame;
    do {
      const peer = await SourcePeer.connect(server.tcp.port, "127.0.0.2");
      held.push(peer);
      first = await peer.first(WAIT_MS);
    } while (first.type === "session_init" && held.length <= perAddress);
    if (first.code !== "server_full" || held.length - 1 > perAddress) {
      throw new Error(`slot ${held.length} from one address: ${JSON.stringify(first)}`);
    }
    await during;
    return { "handshake slots held": held.length - 1 };
  } finally {
    await Promise.all(held.map((peer) => peer.close()));
  }
}

/** Joins past `--max-rooms`, then asks `who`. */
async function spamRooms(server: TestServer): Promise<Record<string, number>> {
  await using client = await ready(server.tcp, {
    name: `spammer-${crypto.randomUUID().slice(0, 8)}`,
  });
  const over = 5;
  const joins = PROTOCOL_DEFAULTS.maxRooms + over;
  const lines = Array.from({ length: joins }, (_, i) =>
    JSON.stringify({
      type: "join",
      content: `spam-${i}-`.padEnd(32, "s"),
      id: i,
      session_id: client.sessionId,
    }));
  await client.write(lines.join("\n") + "\n");
  let refused = 0;
  for (let i = 0; i < joins; i++) {
    const answer = await client.answerOf(i, WAIT_MS);
    if (answer.type === "error" && answer.code === "too_many_rooms") refused++;
    else if (answer.type !== "ack") throw new Error(`join ${i}: ${JSON.stringify(answer)}`);
  }
  if (refused !== over) throw new Error(`${refused} joins refused, expected ${over}`);
  await client.say({ type: "who", id: "who" });
  for (let more = true; more;) {
    const page = await client.next((f) => f.type === "who" && f.id === "who", WAIT_MS);
    if (new TextEncoder().encode(JSON.stringify(page)).length >= 65_536) {
      throw new Error("a who frame of 64 KiB or more");
    }
    more = page.more === true;
  }
  await client.say({ type: "disconnect", content: "bye" });
  await client.closed(WAIT_MS);
  return { "joins refused with too_many_rooms": refused };
}
