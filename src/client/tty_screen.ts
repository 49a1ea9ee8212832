/**
 * The interactive mode's screen on a terminal: raw mode, a line editor
 * behind the `> ` prompt, everything else printed above the prompt, and the
 * terminal restored at the end.
 *
 * @module
 */

import type { Completed } from "./completion.ts";
import { LineEditor } from "./line_editor.ts";
import { printable } from "./printable.ts";
import {
  aboveLines,
  CLEAR_SCREEN,
  eraseBottom,
  promptLine,
  statusLine,
  submittedLine,
} from "./prompt.ts";
import { type Screen, writeQuietly } from "./screen.ts";

/** What the terminal screen reports of the user's keys. */
export interface InputHandlers {
  /** A line was entered. */
  submit(line: string): void;
  /** Tab: the line with the word before `cursor` completed. */
  complete?(text: string, cursor: number): Promise<Completed>;
  /** Ctrl+D on an empty line, Ctrl+C, or the terminal went away. */
  quit(): void;
}

/**
 * The terminal in raw mode: a line editor behind a `> ` prompt. Everything
 * printed goes above the prompt: the prompt line is cleared, the text
 * written, and the prompt, the line being typed and its cursor redrawn.
 */
export class TtyScreen implements Screen {
  /** Always a prompt. */
  readonly tty = true;
  readonly #editor = new LineEditor();
  #columns = 80;
  #raw = false;
  /** Whether the prompt is on screen. */
  #prompt = false;
  /** The status line above the prompt, if there is one. */
  #status?: string;
  #onResize = () => {
    this.#columns = terminalColumns();
    this.#redraw();
  };

  /** Enters raw mode, shows the prompt and reads keys until the input ends. */
  start(handlers: InputHandlers): void {
    Deno.stdin.setRaw(true);
    this.#raw = true;
    this.#columns = terminalColumns();
    try {
      Deno.addSignalListener("SIGWINCH", this.#onResize);
    } catch {
      // No SIGWINCH here (Windows): the width is read once.
    }
    this.#prompt = true;
    writeQuietly(Deno.stdout, this.#bottom()); // A status set before the prompt shows too.
    this.#read(handlers);
  }

  async #read(handlers: InputHandlers): Promise<void> {
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(4096);
    try {
      for (;;) {
        const n = await Deno.stdin.read(buffer);
        if (n === null || !this.#raw) break;
        const events = this.#editor.feed(decoder.decode(buffer.subarray(0, n), { stream: true }));
        for (const event of events) {
          if (event.type === "submit") {
            // The line stays on screen above the new prompt, as typed.
            writeQuietly(Deno.stdout, this.#erase() + submittedLine(event.line) + this.#bottom());
            handlers.submit(event.line);
          } else if (event.type === "clear") {
            writeQuietly(Deno.stdout, CLEAR_SCREEN + this.#bottom());
          } else if (event.type === "complete") {
            this.#complete(handlers);
          } else {
            handlers.quit();
            return;
          }
        }
        this.#redraw();
      }
    } catch {
      // The terminal went away.
    }
    handlers.quit();
  }

  /** Asks for a completion; applies it unless the line changed meanwhile. */
  #complete(handlers: InputHandlers): void {
    const editor = this.#editor;
    const { text, cursor } = editor;
    handlers.complete?.(text, cursor).then((done) => {
      if (!this.#prompt || editor.text !== text || editor.cursor !== cursor) return;
      if (done.choices) this.#above(done.choices.join("  "));
      editor.replace(done.text, done.cursor);
      this.#redraw();
    }, () => {});
  }

  /** Prints text above the prompt. */
  message(text: string): void {
    this.#above(text);
  }

  /** Prints a status line above the prompt. */
  info(text: string): void {
    this.#above(text);
  }

  /** Shows, replaces or (`undefined`) removes the status line above the prompt, in place. */
  status(text: string | undefined): void {
    if (text === this.#status) return;
    const erase = this.#erase();
    this.#status = text;
    writeQuietly(Deno.stdout, erase + this.#bottom());
  }

  /** Takes the prompt away and writes a line on standard error. */
  fatal(text: string): void {
    this.#hidePrompt();
    writeQuietly(Deno.stderr, `${printable(text)}\r\n`);
  }

  /** Takes the prompt away and leaves raw mode. */
  close(): void {
    this.#hidePrompt();
    if (!this.#raw) return;
    this.#raw = false;
    try {
      Deno.removeSignalListener("SIGWINCH", this.#onResize);
    } catch {
      // Never added.
    }
    try {
      Deno.stdin.setRaw(false);
    } catch {
      // The terminal is gone.
    }
  }

  /** Takes the prompt (and the status line) away. */
  #hidePrompt(): void {
    if (this.#prompt) writeQuietly(Deno.stdout, this.#erase());
    this.#prompt = false;
    this.#status = undefined;
  }

  /** Erases what is below the printed text: the prompt and the status line above it. */
  #erase(): string {
    return this.#prompt ? eraseBottom(this.#status !== undefined) : "";
  }

  /** Draws what is below the printed text: the status line, if any, and the prompt. */
  #bottom(): string {
    if (!this.#prompt) return "";
    const status = this.#status === undefined ? "" : statusLine(this.#status, this.#columns);
    return status + promptLine(this.#editor, this.#columns);
  }

  #above(text: string): void {
    writeQuietly(Deno.stdout, this.#erase() + aboveLines(text) + this.#bottom());
  }

  #redraw(): void {
    if (this.#prompt) writeQuietly(Deno.stdout, promptLine(this.#editor, this.#columns));
  }
}

function terminalColumns(): number {
  try {
    const { columns } = Deno.consoleSize();
    return columns > 0 ? columns : 80;
  } catch {
    return 80;
  }
}
