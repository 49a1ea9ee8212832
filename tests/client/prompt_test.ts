/**
 * What the interactive client writes on a terminal: the prompt line, a
 * submitted line, and text above the prompt (as text; no terminal).
 *
 * @module
 */

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { LineEditor } from "../../src/client/line_editor.ts";
import {
  aboveLines,
  CLEAR_SCREEN,
  ERASE_LINE,
  eraseBottom,
  PROMPT,
  promptLine,
  statusLine,
  submittedLine,
} from "../../src/client/prompt.ts";
import { HOME, LEFT } from "../helpers/keys.ts";

function editor(input: string): LineEditor {
  const e = new LineEditor();
  e.feed(input);
  return e;
}

Deno.test("prompt: the escape sequences and the prompt itself", () => {
  assertEquals(PROMPT, "> ");
  assertEquals(ERASE_LINE, "\r\x1b[K");
  assertEquals(CLEAR_SCREEN, "\x1b[H\x1b[2J");
});

Deno.test("promptLine: the prompt and the line, the cursor left where it is", () => {
  assertEquals(promptLine(new LineEditor(), 80), "\r\x1b[K> ");
  assertEquals(promptLine(editor("hello"), 80), "\r\x1b[K> hello");
  assertEquals(promptLine(editor(`hello${LEFT}${LEFT}`), 80), "\r\x1b[K> hello\x1b[2D");
  // Wide characters count two columns each.
  assertEquals(promptLine(editor(`日本${LEFT}`), 80), "\r\x1b[K> 日本\x1b[2D");
});

Deno.test("promptLine: a long line shows the part around the cursor, a column kept free", () => {
  // 12 columns: 2 for the prompt, 1 kept free, 9 for the line (and the cursor after it).
  const abc = "abcdefghijklmnopqrstuvwxyz";
  assertEquals(promptLine(editor(abc), 12), "\r\x1b[K> stuvwxyz");
  assertEquals(promptLine(editor(`${abc}${HOME}`), 12), "\r\x1b[K> abcdefghi\x1b[9D");
});

Deno.test("submittedLine: the prompt and the line as typed, made printable, then a new line", () => {
  assertEquals(submittedLine("hello bob"), "\r\x1b[K> hello bob\r\n");
  assertEquals(submittedLine("a\x1b[2Jb"), "\r\x1b[K> a\\u001b[2Jb\r\n");
});

Deno.test("aboveLines: every line erased first and made printable, then a new line", () => {
  assertEquals(aboveLines("bob: hi"), "\r\x1b[Kbob: hi\r\n");
  assertEquals(aboveLines("one\ntwo\r\nthree"), "\r\x1b[Kone\r\n\x1b[Ktwo\r\n\x1b[Kthree\r\n");
  assertEquals(aboveLines("evil\x1b[2J\x07"), "\r\x1b[Kevil\\u001b[2J\\u0007\r\n");
  assertEquals(aboveLines(""), "\r\x1b[K\r\n");
});

Deno.test("statusLine: one line, made printable, cut to the width with an ellipsis", () => {
  assertEquals(statusLine("server away", 80), "\r\x1b[Kserver away\r\n");
  assertEquals(statusLine("a\x1bb", 80), "\r\x1b[Ka\\u001bb\r\n");
  // 10 columns: 9 usable, the last of them the ellipsis.
  assertEquals(statusLine("abcdefghijklmnop", 10), "\r\x1b[Kabcdefgh…\r\n");
  assertEquals(statusLine("日本語のテキスト", 10), "\r\x1b[K日本語の…\r\n");
  assertEquals(statusLine("abcdefghi", 10), "\r\x1b[Kabcdefghi\r\n");
});

Deno.test("eraseBottom: the prompt line, and the status line above it when there is one", () => {
  assertEquals(eraseBottom(false), "\r\x1b[K");
  assertEquals(eraseBottom(true), "\r\x1b[K\x1b[A\r\x1b[K");
});
