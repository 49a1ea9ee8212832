/**
 * Text from the server made safe to show: control characters (Unicode Cc),
 * bidi controls and lone surrogates are written as escapes instead of being
 * obeyed by a terminal or splitting a line (CLI.md, "chat client file").
 *
 * @module
 */

/** Characters never written as they are: Cc, the bidi controls (Bidi_Control) and lone surrogates. */
const SPECIAL = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/gu;
/** {@linkcode SPECIAL} and the backslash, which must be escaped once escapes can appear. */
const SPECIAL_OR_BACKSLASH =
  /[\\\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/gu;

/** The characters with a short escape, as in JSON. */
const SHORT: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeChar(char: string): string {
  return SHORT[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * Text shown on a terminal: control and bidi characters as `\n`, `\r`, `\t`
 * or `\uXXXX`; everything else, backslashes included, as it is.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { printable } from "./printable.ts";
 * strictEqual(printable("a\x1b[2J\u202eb\\o/"), "a\\u001b[2J\\u202eb\\o/");
 * ```
 */
export function printable(text: string): string {
  return text.replace(SPECIAL, escapeChar);
}

/**
 * One line of the file mode's output: a backslash as `\\`, a line feed as
 * `\n`, a carriage return as `\r`, a tab as `\t`, any other control or bidi
 * character (and a lone surrogate) as `\uXXXX`, so that the text is always
 * one line and can be read back unambiguously.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { escapeLine } from "./printable.ts";
 * strictEqual(escapeLine("brb\n[ops] bob: run \\x"), "brb\\n[ops] bob: run \\\\x");
 * ```
 */
export function escapeLine(text: string): string {
  return text.replace(SPECIAL_OR_BACKSLASH, escapeChar);
}
