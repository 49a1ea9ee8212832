/**
 * Small helpers for server tests on top of {@linkcode RawClient}: a session
 * whose handshake is confirmed, round trips that prove a connection is open
 * and that everything sent before has arrived, and error checks.
 *
 * @module
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { Frame } from "../../src/protocol/messages.ts";
import { type PeerTarget, RawClient } from "./raw_client.ts";

/** A UUID of version 4 (random), as `crypto.randomUUID()` makes them. */
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * Connects, completes the handshake and waits for its `ack`; the client is
 * closed again when any of that fails.
 */
export async function ready(to: PeerTarget, ack: Partial<Frame> = {}): Promise<RawClient> {
  const client = await RawClient.session(to, ack);
  try {
    await client.ackOf("hs");
  } catch (error) {
    await client.close();
    throw error;
  }
  return client;
}

/**
 * A `heartbeat` round trip (with no other ping of this client in flight). Once it returns, the connection is open and every
 * frame the server had queued for this client before the `pong` (relays
 * included) is in the client's backlog.
 */
export async function sync(client: RawClient): Promise<void> {
  await client.say({ type: "heartbeat", content: "ping" });
  const pong = await client.next("heartbeat");
  strictEqual(pong.content, "pong");
}

/** Frames of `type` (any type when left out) in the backlog, in order; they stay queued. */
export function pending(client: RawClient, type?: string): Frame[] {
  return client.backlog.filter((frame) => type === undefined || frame.type === type);
}

/** Checks (after a {@linkcode sync}) that no frame of `type` is waiting. */
export async function assertNothing(client: RawClient, type: string): Promise<void> {
  await sync(client);
  deepStrictEqual(pending(client, type), [], `unexpected ${type} frames`);
}

/**
 * Waits for the next `error` frame and checks its shape: `code`, a string
 * `content`, the `id` of the offending frame (or none), and the session id
 * when the client holds one.
 */
export async function expectError(
  client: RawClient,
  code: string,
  id?: string | number,
): Promise<Frame> {
  const error = await client.next("error");
  strictEqual(error.code, code, `expected ${code}, got ${JSON.stringify(error)}`);
  strictEqual(typeof error.content, "string");
  ok((error.content as string).length > 0, "an error has a human text");
  strictEqual(error.id, id, `the id of the offending frame: ${JSON.stringify(error)}`);
  if (client.sessionId !== "") strictEqual(error.session_id, client.sessionId);
  return error;
}

/** Checks an error that leaves the connection open: a later frame still works. */
export async function expectErrorOpen(
  client: RawClient,
  code: string,
  id?: string | number,
): Promise<Frame> {
  const error = await expectError(client, code, id);
  await sync(client);
  ok(!client.ended, "the connection stays open");
  return error;
}

/** Checks an error that closes the connection: the client sees it end. */
export async function expectErrorClosed(
  client: RawClient,
  code: string,
  id?: string | number,
): Promise<Frame> {
  const error = await expectError(client, code, id);
  await client.closed();
  return error;
}

/** A promise and the function that resolves it, to wait on a server hook. */
export function signal<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => resolve = r);
  return { promise, resolve };
}
