/**
 * Where the interactive mode writes: a terminal with a prompt
 * (`tty_screen.ts`) or plain lines (`plain_screen.ts`).
 *
 * @module
 */

import { type SyncWriter, writeAllSync } from "../io/write_all.ts";

/** Where the interactive mode writes. */
export interface Screen {
  /** A terminal with a prompt (true) or plain lines (false). */
  readonly tty: boolean;
  /** Received messages and answers asked for (`/who`, `/help`). */
  message(text: string): void;
  /** Status: confirmations, errors, the connection's news. */
  info(text: string): void;
  /**
   * The one status line while the server is away, replaced by each call
   * (on a terminal: in place, above the prompt); `undefined` removes it.
   */
  status(text: string | undefined): void;
  /** A last line before exiting 1, on standard error. */
  fatal(text: string): void;
  /** Restores the terminal. */
  close(): void;
}

/** Writes all of `text`; a terminal that hung up or a pipe whose reader left is ignored. */
export function writeQuietly(stream: SyncWriter, text: string): void {
  try {
    writeAllSync(stream, text);
  } catch {
    // The terminal hung up or the pipe's reader left: nothing more can be shown.
  }
}
