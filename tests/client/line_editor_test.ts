import "../helpers/property.ts";
/**
 * The interactive client's line editor, keys in and state out (no terminal).
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import fc from "fast-check";
import {
  displayWidth,
  graphemes,
  type Key,
  KeyDecoder,
  LineEditor,
} from "../../src/client/line_editor.ts";
import { BACKSPACE, DELETE, DOWN, END, HOME, LEFT, RIGHT, UP } from "../helpers/keys.ts";

/** An editor after `input`, as text with `|` at the cursor. */
function edit(input: string, editor = new LineEditor()): string {
  editor.feed(input);
  return `${editor.text.slice(0, editor.cursor)}|${editor.text.slice(editor.cursor)}`;
}

Deno.test("KeyDecoder: text, control keys and escape sequences", () => {
  const keys = new KeyDecoder().push(
    `ab${LEFT}\x1bOH\x1b[1~\x1b[4~${DELETE}\x1b[1;5D\x1b[1;3C\x1bb\x1bf\x01\x05\x15\x0b\x17\x19\x03\x04\x0c\x10\x0e`,
  );
  assertEquals(keys.map((k) => k.name === "text" ? k.text : k.name), [
    "ab",
    "left",
    "home",
    "home",
    "end",
    "delete",
    "word-left",
    "word-right",
    "word-left",
    "word-right",
    "home",
    "end",
    "kill-start",
    "kill-end",
    "kill-word",
    "yank",
    "interrupt",
    "eof",
    "clear",
    "up",
    "down",
  ]);
});

Deno.test("KeyDecoder: a sequence split across reads waits for its end", () => {
  const decoder = new KeyDecoder();
  assertEquals(decoder.push("x\x1b"), [{ name: "text", text: "x" }]);
  assert(decoder.pending);
  assertEquals(decoder.push("["), []);
  assertEquals(decoder.push("1;5"), []);
  assertEquals(decoder.push("Cy"), [{ name: "word-right" }, { name: "text", text: "y" }]);
  assert(!decoder.pending);
});

Deno.test("KeyDecoder: CR LF is one Enter; unknown sequences and controls are dropped", () => {
  const names = (keys: Key[]) => keys.map((k) => k.name === "text" ? k.text : k.name);
  const decoder = new KeyDecoder();
  assertEquals(names(decoder.push("a\r\nb\nc\r")), ["a", "enter", "b", "enter", "c", "enter"]);
  assertEquals(names(decoder.push("\nd")), ["d"]); // The LF of a CR LF split across reads.
  assertEquals(names(decoder.push("\x1b[15~e\x1b[200~f\x00\x07 g\x9b")), ["e", "f g"]);
  // Tab is a key of its own: completion.
  assertEquals(names(decoder.push("/jo\tx")), ["/jo", "tab", "x"]);
});

Deno.test("LineEditor: Tab asks for a completion; replace() sets the line and the cursor", () => {
  const editor = new LineEditor();
  assertEquals(editor.feed("/jo\t"), [{ type: "complete" }]);
  assertEquals([editor.text, editor.cursor], ["/jo", 3]);
  editor.replace("/join x", 6);
  assertEquals([editor.text, editor.cursor], ["/join x", 6]);
  editor.replace("ab", 9);
  assertEquals(editor.cursor, 2);
});

Deno.test("LineEditor: typing, moving and deleting", () => {
  assertEquals(edit("hello"), "hello|");
  assertEquals(edit(`helo${LEFT}l`), "hell|o");
  assertEquals(edit(`hello${HOME}>${END}!`), ">hello!|");
  assertEquals(edit(`hello\x01>\x05!`), ">hello!|");
  assertEquals(edit(`hello${LEFT.repeat(9)}${RIGHT}`), "h|ello");
  assertEquals(edit(`hello${BACKSPACE}${BACKSPACE}`), "hel|");
  assertEquals(edit(`hello${HOME}${BACKSPACE}${DELETE}`), "|ello");
  assertEquals(edit(`hello${HOME}\x04`), "|ello"); // Ctrl+D deletes on a non-empty line
  assertEquals(edit(`hello${END}${DELETE}`), "hello|");
});

Deno.test("LineEditor: kills, yank and word moves", () => {
  assertEquals(edit(`one two three${LEFT.repeat(3)}\x15`), "|ree");
  assertEquals(edit(`one two three${LEFT.repeat(3)}\x0b`), "one two th|");
  assertEquals(edit("one two  three\x17"), "one two  |");
  assertEquals(edit("one two  three\x17\x17"), "one |");
  assertEquals(edit("one two\x17\x05 \x19"), "one  two|");
  assertEquals(edit(`one two three\x1bb\x1bb`), "one |two three");
  assertEquals(edit(`one two three${HOME}\x1bf\x1bf`), "one two| three");
  assertEquals(edit(`one two three${HOME}\x1bd`), "| two three");
});

Deno.test("LineEditor: a character is a grapheme cluster, whatever its bytes", () => {
  // e + combining acute, a thumbs-up with a skin tone, a flag, CJK.
  const text = "e\u0301👍🏽🇫🇷日本";
  assertEquals(graphemes(text).length, 5);
  assertEquals(edit(`${text}${LEFT}${LEFT}${BACKSPACE}`), "e\u0301👍🏽|日本");
  assertEquals(edit(`${text}${HOME}${RIGHT}${DELETE}`), "e\u0301|🇫🇷日本");
  assertEquals(displayWidth(text), 1 + 2 + 1 + 2 + 2);
  assertEquals(displayWidth("plain"), 5);
});

Deno.test("LineEditor: Enter submits the line and starts an empty one", () => {
  const editor = new LineEditor();
  assertEquals(editor.feed("one\rtwo\r\nthree"), [
    { type: "submit", line: "one" },
    { type: "submit", line: "two" },
  ]);
  assertEquals([editor.text, editor.cursor], ["three", 5]);
  assertEquals(editor.feed("\r\r"), [{ type: "submit", line: "three" }, {
    type: "submit",
    line: "",
  }]);
});

Deno.test("LineEditor: Ctrl+D on an empty line, Ctrl+C and Ctrl+L are events", () => {
  const editor = new LineEditor();
  assertEquals(editor.feed("\x04"), [{ type: "eof" }]);
  assertEquals(editor.feed("abc\x03"), [{ type: "interrupt" }]);
  assertEquals(editor.feed("\x0c"), [{ type: "clear" }]);
  assertEquals(editor.text, "abc");
});

Deno.test("LineEditor: Up and Down walk the history and keep the line being typed", () => {
  const editor = new LineEditor();
  editor.feed("first\rsecond\rsecond\r   \rthird\r");
  assertEquals(editor.history, ["first", "second", "third"]);
  editor.feed("draft");
  assertEquals(edit(UP, editor), "third|");
  assertEquals(edit(UP + UP, editor), "first|");
  assertEquals(edit(UP, editor), "first|"); // The oldest stays.
  assertEquals(edit(DOWN, editor), "second|");
  assertEquals(edit(DOWN + DOWN, editor), "draft|");
  assertEquals(edit(DOWN, editor), "draft|");
  // A recalled line, edited and sent, is the newest entry.
  editor.feed(`\x15${UP}${UP}!\r`);
  assertEquals(editor.history, ["first", "second", "third", "second!"]);
  assertEquals(edit(DOWN, editor), "|");
});

Deno.test("LineEditor: the history keeps the newest lines only", () => {
  const editor = new LineEditor({ historySize: 3 });
  editor.feed("a\rb\rc\rd\r");
  assertEquals(editor.history, ["b", "c", "d"]);
});

Deno.test("LineEditor.view: a long line scrolls sideways to keep the cursor in sight", () => {
  const editor = new LineEditor();
  editor.feed("short");
  assertEquals(editor.view(10), { text: "short", cursor: 5 });
  editor.feed("0123456789");
  // 15 characters in 10 columns: the end shows, one column left for the cursor.
  assertEquals(editor.view(10), { text: "123456789", cursor: 9 });
  editor.feed(HOME);
  assertEquals(editor.view(10), { text: "short01234", cursor: 0 });
  editor.feed(RIGHT.repeat(7));
  assertEquals(editor.view(10), { text: "short01234", cursor: 7 });
  editor.feed(END + BACKSPACE.repeat(10));
  assertEquals(editor.view(10), { text: "short", cursor: 5 });
});

Deno.test("LineEditor.view: wide characters take two columns and are never cut", () => {
  const editor = new LineEditor();
  editor.feed("日本語のテキスト");
  const view = editor.view(7);
  assertEquals(view, { text: "キスト", cursor: 6 });
  editor.feed(HOME);
  assertEquals(editor.view(7), { text: "日本語", cursor: 0 });
});

const KEYS = [
  "a",
  "é",
  "日",
  "👍🏽",
  " ",
  "\r",
  LEFT,
  RIGHT,
  HOME,
  END,
  UP,
  DOWN,
  BACKSPACE,
  DELETE,
  "\x15",
  "\x0b",
  "\x17",
  "\x19",
  "\x1bb",
  "\x1bf",
  "\x04",
];

Deno.test("LineEditor: any keys keep the cursor on a character boundary and in view", () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom(...KEYS), { maxLength: 60 }),
      fc.integer({ min: 1, max: 12 }),
      (keys, width) => {
        const editor = new LineEditor();
        for (const key of keys) {
          editor.feed(key);
          const { text, cursor } = editor;
          assert(cursor >= 0 && cursor <= text.length);
          assertEquals(graphemes(text.slice(0, cursor)).join("") + text.slice(cursor), text);
          assertEquals(
            graphemes(text.slice(0, cursor)).length + graphemes(text.slice(cursor)).length,
            graphemes(text).length,
          );
          const view = editor.view(width);
          assert(displayWidth(view.text) <= width);
          assert(view.cursor >= 0 && view.cursor <= Math.max(width - 1, displayWidth(view.text)));
          assert(text.includes(view.text));
        }
      },
    ),
  );
});
