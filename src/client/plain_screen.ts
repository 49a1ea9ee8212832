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
  readonly #clean = Deno.stdout.isTerminal() ? printable : (text: string) => text;

  /** Writes text on standard output (made printable there when it is a terminal). */
  message(text: string): void {
    writeQuietly(Deno.stdout, text.split(/\r?\n/).map(this.#clean).join("\n") + "\n");
  }

  /** Writes a line on standard error. */
  info(text: string): void {
    writeQuietly(Deno.stderr, printable(text) + "\n");
  }

  /** Writes a line on standard error, as {@linkcode PlainScreen.info} does. */
  fatal(text: string): void {
    this.info(text);
  }

  /** Nothing to restore. */
  close(): void {}
}
