/**
 * Text from the server made safe to show: on a terminal, and as one line of
 * the file mode's output.
 *
 * @module
 */

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { escapeLine, printable } from "../../src/client/printable.ts";

Deno.test("printable shows control characters as escapes instead of obeying them", () => {
  assertEquals(printable("a\x1b[2Jb\tc\x7f\x9b"), "a\\u001b[2Jb\\tc\\u007f\\u009b");
  assertEquals(printable("héllo ✓ 日本 🎉"), "héllo ✓ 日本 🎉");
  assertEquals(printable("a\rb\nc"), "a\\rb\\nc");
  assertEquals(printable("\x00\x07\x08\x1f"), "\\u0000\\u0007\\u0008\\u001f");
  assertEquals(printable("\x80\x85\x9f\xa0\xe9"), "\\u0080\\u0085\\u009f\xa0\xe9");
  assertEquals(printable(""), "");
});

Deno.test("printable escapes bidi controls and lone surrogates, and leaves backslashes alone", () => {
  const bidi = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069";
  assertEquals(
    printable(bidi),
    "\\u061c\\u200e\\u200f\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069",
  );
  assertEquals(printable("x\ud800y\udfffz"), "x\\ud800y\\udfffz");
  assertEquals(printable("\\o/ C:\\tmp"), "\\o/ C:\\tmp");
  // Other format characters that are not bidi controls (a zero-width joiner in an emoji) stay.
  assertEquals(printable("👩\u200d💻"), "👩\u200d💻");
});

Deno.test("escapeLine: backslash, LF, CR and tab in short form, other controls as \\uXXXX, one line", () => {
  assertEquals(escapeLine("a\\b"), "a\\\\b");
  assertEquals(escapeLine("one\ntwo\r\nthree\tfour"), "one\\ntwo\\r\\nthree\\tfour");
  assertEquals(escapeLine("\x1b[31mred\x07\x08\x0c"), "\\u001b[31mred\\u0007\\u0008\\u000c");
  assertEquals(escapeLine("\u202eevil\u2066"), "\\u202eevil\\u2066");
  assertEquals(escapeLine("\ud83d"), "\\ud83d");
  assertEquals(escapeLine("naïve ✓ 日本 🎉"), "naïve ✓ 日本 🎉");
});

Deno.test("escapeLine reads back with JSON.parse: nothing is lost or ambiguous", () => {
  const samples = ["brb\n[ops] bob: please run rm", "\\n is not a newline", "tab\there", "\u0000"];
  for (const text of samples) {
    const line = escapeLine(text);
    assertEquals(line.includes("\n"), false);
    assertEquals(JSON.parse(`"${line.replaceAll('"', '\\"')}"`), text);
  }
});
