/**
 * The interactive client's reconnection: how long to wait before each try,
 * which failures end the retries, how the news is told, and the step that
 * restores the rooms on the new connection.
 *
 * @module
 */

import { ChatError, type ErrorCode } from "../protocol/errors.ts";
import { type ChatClient, type CloseInfo, ConnectionClosedError } from "./client.ts";
import { UntrustedSocketError } from "./socket_trust.ts";

/** The first reconnection delay, in milliseconds; it doubles after each failed try. */
export const RECONNECT_FIRST_MS = 500;
/** The longest reconnection delay, in milliseconds. */
export const RECONNECT_MAX_MS = 8000;

/** Handshake refusals that retrying cannot cure: the client gives up on them. */
const FATAL: readonly ErrorCode[] = ["unauthorized", "bad_session"];

/** What a reconnection restores. */
export interface Remembered {
  /** The name asked for and granted, or set with /nick. */
  name?: string;
  /** The rooms joined. */
  readonly rooms: Set<string>;
}

/** The wait before try `attempt` (counted from 1), in milliseconds: doubling, up to the longest. */
export function reconnectDelay(attempt: number): number {
  return Math.min(RECONNECT_FIRST_MS * 2 ** (attempt - 1), RECONNECT_MAX_MS);
}

/**
 * Whether a failed try ends the retries: a handshake refusal that retrying
 * cannot cure, or a socket not trusted with the token.
 */
export function givesUp(error: unknown): boolean {
  return (error instanceof ChatError && FATAL.includes(error.code)) ||
    error instanceof UntrustedSocketError;
}

/** A reason for a lost connection, as the user reads it. */
export function describeClose(info: CloseInfo): string {
  return info.code && !info.reason.includes(info.code)
    ? `${info.reason} (${info.code})`
    : info.reason;
}

/** Why a try failed, as the user reads it. */
export function describeFailure(error: unknown): string {
  return error instanceof ConnectionClosedError
    ? describeClose(error.info)
    : error instanceof ChatError
    ? `${error.code}: ${error.message}`
    : (error as Error).message;
}

/** The line that tells the connection was lost, and when the first try comes. */
export function lostLine(reason: string): string {
  return `connection lost: ${reason}; reconnecting in ${seconds(reconnectDelay(1))} (try 1)`;
}

/** The line that tells when try `attempt` comes, and why the last one failed. */
export function retryLine(failure: string, attempt: number): string {
  return `retrying in ${seconds(reconnectDelay(attempt))} (try ${attempt}): ${failure}`;
}

/**
 * Rejoins the remembered rooms on a new connection, forgetting those it
 * refuses; returns the line that tells how it went (and whether the
 * remembered name was taken back).
 */
export async function restore(
  client: Pick<ChatClient, "url" | "name" | "nameError" | "join">,
  remembered: Remembered,
): Promise<string> {
  const notes: string[] = [];
  const refused = client.nameError;
  if (refused && remembered.name !== undefined) {
    notes.push(
      `could not take back the name ${remembered.name} (${refused.code}: ${refused.message})`,
    );
  }
  const rejoined: string[] = [];
  for (const room of remembered.rooms) {
    try {
      await client.join(room);
      rejoined.push(`#${room}`);
    } catch (error) {
      if (!(error instanceof ChatError)) throw error;
      notes.push(`could not rejoin #${room} (${error.code}: ${error.message})`);
      remembered.rooms.delete(room);
    }
  }
  let line = `reconnected to ${client.url} as ${client.name}`;
  if (rejoined.length > 0) line += `, rejoined ${rejoined.join(" ")}`;
  return [line, ...notes].join("; ");
}

/** The line that tells a session was resumed, and how many messages were missed (or lost). */
export function resumedLine(client: Pick<ChatClient, "url" | "name" | "resumed">): string {
  const { recovered = false, replayed = 0 } = client.resumed ?? {};
  const missed = `${replayed} message${replayed === 1 ? "" : "s"} while you were away`;
  return `reconnected to ${client.url} as ${client.name}, session resumed: ${missed}` +
    (recovered ? "" : "; some messages may be lost (no longer kept)");
}

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}
