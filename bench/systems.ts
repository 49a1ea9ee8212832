/**
 * What each system under test speaks, for the load generator: chat (its
 * JSON lines and handshake), the floor (bare lines), Redis (RESP: PING,
 * SUBSCRIBE, PUBLISH) and NATS (CONNECT, PING, SUB, PUB). One load
 * generator drives them all, so their figures compare.
 *
 * @module
 */

import type { RawClient } from "../tests/helpers/raw_client.ts";

/** A system under test: chat, the naive floor, redis-server or nats-server. */
export type Kind = "chat" | "floor" | "redis" | "nats";

/** A connected session of the load generator: the project's raw peer. */
export type Peer = RawClient;

/** The one channel of Redis and NATS fan-out. */
const CHANNEL = "bench";

const decoder = new TextDecoder();

/** What the chat and floor echo and fan-out send: a chat `message` frame (the floor relays any line). */
export function messageLine(peer: Peer, content: string): string {
  const frame: Record<string, unknown> = { type: "message", content };
  if (peer.sessionId) frame.session_id = peer.sessionId;
  return JSON.stringify(frame) + "\n";
}

/** Throws away what a Redis or NATS peer is sent outside a wait (replies to PUBLISH, server PINGs). */
function discard(): void {}

/**
 * Writes `request` and waits until the text read since contains `needle`
 * (within `ms`); the peer's bytes go to {@linkcode RawClient.onData}, as
 * Redis and NATS peers are never decoded as frames.
 */
export async function exchange(
  peer: Peer,
  request: string,
  needle: string,
  ms: number,
): Promise<void> {
  let seen = "";
  const done = Promise.withResolvers<void>();
  const timer = setTimeout(
    () => done.reject(new Error(`no ${JSON.stringify(needle)} in ${ms} ms`)),
    ms,
  );
  peer.onData = (bytes) => {
    if (bytes === null) return done.reject(new Error(`closed before ${JSON.stringify(needle)}`));
    seen += decoder.decode(bytes);
    if (seen.includes(needle)) done.resolve();
  };
  try {
    await peer.write(request);
    await done.promise;
  } finally {
    clearTimeout(timer);
    peer.onData = discard;
  }
}

/** Whether the kind's peers are read raw from the start (Redis and NATS speak no JSON lines). */
export function readsRaw(kind: Kind): boolean {
  return kind === "redis" || kind === "nats";
}

/**
 * Makes a fresh connection a session: chat's handshake (with an id, waiting
 * for its ack), NATS's CONNECT, a PING for Redis; the floor needs nothing.
 */
export async function greet(peer: Peer, kind: Kind, ms: number): Promise<void> {
  switch (kind) {
    case "chat":
      await peer.handshake({ content: "ok", id: 0 }, ms);
      await peer.ackOf(0, ms);
      return;
    case "redis":
      return await exchange(peer, "*1\r\n$4\r\nPING\r\n", "+PONG\r\n", ms);
    case "nats":
      return await exchange(
        peer,
        'CONNECT {"verbose":false,"pedantic":false,"echo":false}\r\nPING\r\n',
        "PONG\r\n",
        ms,
      );
    case "floor":
      return;
  }
}

/** Makes a session a fan-out subscriber (chat and the floor relay to every session anyway). */
export async function subscribe(peer: Peer, kind: Kind, ms: number): Promise<void> {
  if (kind === "redis") {
    await exchange(
      peer,
      `*2\r\n$9\r\nSUBSCRIBE\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n`,
      ":1\r\n",
      ms,
    );
  } else if (kind === "nats") {
    await exchange(peer, `SUB ${CHANNEL} 1\r\nPING\r\n`, "PONG\r\n", ms);
  }
}

/** The bytes that publish `content` (ASCII) to every subscriber. */
export function publishLine(peer: Peer, kind: Kind, content: string): string {
  switch (kind) {
    case "redis":
      return `*3\r\n$7\r\nPUBLISH\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n$${content.length}\r\n${content}\r\n`;
    case "nats":
      return `PUB ${CHANNEL} ${content.length}\r\n${content}\r\n`;
    default:
      return messageLine(peer, content);
  }
}

/**
 * The request of an echo round trip, whose answer is one line: a chat
 * `message` to `--handler echo` (or the floor's echo), PING for Redis and
 * NATS.
 */
export function echoLine(peer: Peer, kind: Kind): string {
  switch (kind) {
    case "redis":
      return "*1\r\n$4\r\nPING\r\n";
    case "nats":
      return "PING\r\n";
    default:
      return messageLine(peer, "hello from the benchmark 0123456789");
  }
}
