/**
 * Where the interactive mode writes: a terminal with a prompt
 * (`tty_screen.ts`) or plain lines (`plain_screen.ts`).
 *
 * @module
 */

/** Where the interactive mode writes. */
export interface Screen {
  /** A terminal with a prompt (true) or plain lines (false). */
  readonly tty: boolean;
  /** Received messages and answers asked for (`/who`, `/help`). */
  message(text: string): void;
  /** Status: confirmations, errors, the connection's news. */
  info(text: string): void;
  /** A last line before exiting 1, on standard error. */
  fatal(text: string): void;
  /** Restores the terminal. */
  close(): void;
}

const encoder = new TextEncoder();

/** Writes all of `text`; a terminal that hung up or a pipe whose reader left is ignored. */
export function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  let offset = 0;
  try {
    while (offset < bytes.length) offset += stream.writeSync(bytes.subarray(offset));
  } catch {
    // The terminal hung up or the pipe's reader left: nothing more can be shown.
  }
}
