/**
 * What the interactive client writes to a terminal in raw mode: the `> `
 * prompt with the line being typed, text printed above it, and the erasing
 * around them. Pure: it builds the text, the terminal screen writes it.
 *
 * @module
 */

import { displayWidth, graphemes, graphemeWidth, type LineEditor } from "./line_editor.ts";
import { printable } from "./printable.ts";

/** The prompt shown before the line being typed. */
export const PROMPT = "> ";
/** Back to the start of the line, and the line erased. */
export const ERASE_LINE = "\r\x1b[K";
/** The cursor home and the whole screen erased (Ctrl+L). */
export const CLEAR_SCREEN = "\x1b[H\x1b[2J";

/** The prompt line, drawn from its start, with the cursor put back where it belongs. */
export function promptLine(editor: LineEditor, columns: number): string {
  // One column is kept free: writing the last one makes some terminals wrap.
  const view = editor.view(columns - displayWidth(PROMPT) - 1);
  const back = displayWidth(view.text) - view.cursor;
  return `${ERASE_LINE}${PROMPT}${view.text}${back > 0 ? `\x1b[${back}D` : ""}`;
}

/** A submitted line as it stays on screen, above the next prompt. */
export function submittedLine(line: string): string {
  return `${ERASE_LINE}${PROMPT}${printable(line)}\r\n`;
}

/** Text over the prompt line: each of its lines erased first and made printable; then a newline. */
export function aboveLines(text: string): string {
  return ERASE_LINE + text.split(/\r?\n/).map(printable).join("\r\n\x1b[K") + "\r\n";
}

/**
 * The status line above the prompt: erased first, made printable, cut to
 * fit `columns` (it must stay one line to be rewritten in place), then a
 * newline.
 */
export function statusLine(text: string, columns: number): string {
  return `${ERASE_LINE}${fit(printable(text), columns - 1)}\r\n`;
}

/** `text` cut to `width` columns, ending with `…` when it was cut. */
function fit(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = "";
  let used = 0;
  for (const grapheme of graphemes(text)) {
    const w = graphemeWidth(grapheme);
    if (used + w > width - 1) break;
    out += grapheme;
    used += w;
  }
  return `${out}…`;
}

/** Erases the prompt line and, when `status`, the status line above it; the cursor ends at its start. */
export function eraseBottom(status: boolean): string {
  return status ? `${ERASE_LINE}\x1b[A${ERASE_LINE}` : ERASE_LINE;
}
