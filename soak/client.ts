/**
 * The soak's protocol peer: the project's one raw peer
 * ({@linkcode RawClient}), opened the soak's way (a write to a peer that is
 * gone resolves false; a connection the system briefly refuses is tried
 * again, and counted), and the soak's checks on top of it.
 *
 * @module
 */

import { PeerError, RawClient } from "../tests/helpers/raw_client.ts";
import type { Frame } from "../src/protocol/messages.ts";

export type { Frame };

/** Where the server under test listens. */
export type Target =
  | { transport: "tcp"; hostname: string; port: number }
  | { transport: "unix"; path: string };

/** A failed check of the soak (a wait that ran out or a connection that ended is a {@linkcode PeerError} too). */
export class SoakError extends PeerError {
  /** The error's name, as printed. */
  override name = "SoakError";
}

const encoder = new TextEncoder();

/** Encodes a frame as one line. */
export function line(frame: Frame): Uint8Array {
  return encoder.encode(JSON.stringify(frame) + "\n");
}

/** Connection attempts that failed and were tried again (reported in the summary). */
export const dialRetries: { count: number; reasons: Record<string, number> } = {
  count: 0,
  reasons: {},
};

/**
 * Connects, trying again with a backoff (50 ms more each time, 500 ms at
 * most: about 10 s in all, as long as any answer is waited for) when the
 * system refuses (a full accept backlog on a Unix socket answers EAGAIN: a
 * server slowed by a loaded machine accepts late, which is no fault of it).
 * Every retry is counted in {@linkcode dialRetries}. The reader starts at
 * once unless `read` is false.
 */
export async function dial(
  target: Target,
  options: { read?: boolean; readSize?: number } = {},
): Promise<RawClient> {
  try {
    return await RawClient.connect(target, {
      read: options.read,
      readSize: options.readSize ?? 16 * 1024,
      tolerateWriteErrors: true,
      retry: {
        attempts: 26,
        delayMs: (n) => Math.min(50 * n, 500),
        onRetry(error) {
          dialRetries.count++;
          const reason = error instanceof Error ? error.name : String(error);
          dialRetries.reasons[reason] = (dialRetries.reasons[reason] ?? 0) + 1;
        },
      },
    });
  } catch (error) {
    throw new SoakError(`cannot connect over ${target.transport}: ${error}`);
  }
}

/**
 * Reads `session_init`, answers `session_ack` (id `hs`, and `name` when
 * given) and waits for its `ack`. Returns `Date.now()` taken before the
 * `session_ack` was written: a lower bound of the server's last sign of life.
 */
export async function startSession(conn: RawClient, ms: number, name?: string): Promise<number> {
  await conn.handshake(name === undefined ? {} : { name }, ms);
  const reply = await conn.ackOf("hs", ms);
  if (name !== undefined && reply.name !== name) {
    throw new SoakError(`asked for name ${name}, got ${JSON.stringify(reply)}`);
  }
  return conn.ackSentAt;
}

/** The next `error` frame, which must carry `code`. */
export async function expectError(conn: RawClient, code: string, ms: number): Promise<Frame> {
  const frame = await conn.next("error", ms);
  if (frame.code !== code) {
    throw new SoakError(`expected error ${code}, got ${JSON.stringify(frame)}`);
  }
  return frame;
}
