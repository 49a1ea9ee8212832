/**
 * Text made safe for a terminal.
 *
 * @module
 */

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { printable } from "../../src/client/printable.ts";

Deno.test("printable shows control characters instead of obeying them", () => {
  assertEquals(printable("a\x1b[2Jb\tc\x7f\x9b"), "a^[[2Jb c^?\ufffd");
  assertEquals(printable("héllo ✓ 日本"), "héllo ✓ 日本");
});

Deno.test("printable: C0 controls in caret notation, tab a space, C1 controls a replacement", () => {
  assertEquals(printable("\x00\x01\x07\x08"), "^@^A^G^H");
  assertEquals(printable("a\rb\nc"), "a^Mb^Jc");
  assertEquals(printable("\x1f"), "^_");
  assertEquals(printable("\t\t"), "  ");
  assertEquals(printable("\x80\x85\x9f"), "\ufffd\ufffd\ufffd");
  // The first character after the C1 range is printable.
  assertEquals(printable("\xa0\xe9"), "\xa0\xe9");
  assertEquals(printable(""), "");
});
