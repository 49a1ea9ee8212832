/**
 * `chat client interactive` (being written).
 *
 * @module
 */

import type { ClientOptions } from "./client.ts";

/** Settings of the interactive mode. */
export interface InteractiveOptions {
  /** The client's settings. */
  client: ClientOptions;
  /** Reconnect with backoff when the server is lost (else exit 1). */
  reconnect: boolean;
}

/** Runs the interactive mode; resolves to the exit status. */
export function runInteractive(_options: InteractiveOptions): Promise<number> {
  return Promise.reject(new Error("interactive mode is not written yet"));
}
