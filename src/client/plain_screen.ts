/**
 * The interactive mode's screen for piped input: lines on standard output
 * and standard error, no prompt.
 *
 * @module
 */

import { printable } from "./printable.ts";
import { type Screen, writeQuietly } from "./screen.ts";

/** Lines on standard output and standard error: for piped input, no prompt. */
export class PlainScreen implements Screen {
  /** Never a prompt. */
  readonly tty = false;
  /** Whether a status was written for the current outage. */
  #away = false;

  /** Writes text on standard output, each of its lines made printable. */
  message(text: string): void {
    writeQuietly(Deno.stdout, text.split(/\r?\n/).map(printable).join("\n") + "\n");
  }

  /** Writes a line on standard error. */
  info(text: string): void {
    writeQuietly(Deno.stderr, printable(text) + "\n");
  }

  /**
   * Writes the first status of an outage on standard error, as
   * {@linkcode PlainScreen.info} does; its updates are not written (no line
   * to rewrite: a log would get one every few seconds).
   */
  status(text: string | undefined): void {
    if (text !== undefined && !this.#away) this.info(text);
    this.#away = text !== undefined;
  }

  /** Writes a line on standard error, as {@linkcode PlainScreen.info} does. */
  fatal(text: string): void {
    this.info(text);
  }

  /** Nothing to restore. */
  close(): void {}
}
