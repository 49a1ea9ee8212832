/**
 * Tab completion in the interactive client: which kind of word is before
 * the cursor (a command, a session's name, a room), and the line once that
 * word is completed from the candidates. Pure: the candidates come from the
 * caller.
 *
 * @module
 */

import { nameKey } from "../protocol/names.ts";
import { FIRST_ARGUMENT } from "./commands.ts";

/** What a word completes to. */
export type CompletionKind = "command" | "name" | "room";

/** The word before the cursor that Tab completes. */
export interface CompletionTarget {
  /** Where the word starts in the line (its `#`, for a room typed with one). */
  start: number;
  /** What was typed of it, without a room's leading `#`. */
  prefix: string;
  /** What it completes to. */
  kind: CompletionKind;
  /** Whether it is a room typed with a leading `#`, kept in the completion. */
  hash: boolean;
}

/** The line after a completion; `choices` when several candidates share no more than was typed. */
export interface Completed {
  /** The line. */
  text: string;
  /** The cursor in it. */
  cursor: number;
  /** The candidates to show, when the completion is ambiguous. */
  choices?: string[];
}

/**
 * The word before `cursor` in `text` and what it completes to: a command
 * as the first word of a line that starts with `/`; the first argument of
 * a command by what it takes (a name for `/msg`, a room for `/join`,
 * `/leave`, `/who` and `/room`); a name anywhere in a message's text;
 * nothing for `/nick` and `/help`.
 */
export function completionTarget(text: string, cursor: number): CompletionTarget | undefined {
  const before = text.slice(0, cursor);
  const start = before.search(/\S*$/);
  const word = before.slice(start);
  const words = before.slice(0, start).trim().split(/\s+/).filter((w) => w !== "");
  let kind: CompletionKind | undefined;
  if (words.length === 0) {
    kind = word.startsWith("/") && !word.startsWith("//") ? "command" : "name";
  } else if (words[0].startsWith("/") && !words[0].startsWith("//")) {
    const command = words[0].slice(1).toLowerCase();
    kind = words.length === 1
      ? FIRST_ARGUMENT[command]
      : command === "msg" || command === "room"
      ? "name" // in the text of a message: a mention
      : undefined;
  } else {
    kind = "name";
  }
  if (kind === undefined) return undefined;
  const hash = kind === "room" && word.startsWith("#");
  return { start, prefix: hash ? word.slice(1) : word, kind, hash };
}

/**
 * Completes `target` in `text` from `candidates` (compared as the server
 * compares names, so case does not matter): a single match replaces the
 * word, followed by a space; several extend it to what they share, or,
 * when they share no more than was typed, are given as `choices`; none
 * leave the line as it is.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { complete, completionTarget } from "./completion.ts";
 * const text = "/join #lo";
 * const target = completionTarget(text, text.length)!;
 * deepStrictEqual(complete(text, text.length, target, ["lobby", "kitchen"]), {
 *   text: "/join #lobby ",
 *   cursor: 13,
 * });
 * ```
 */
export function complete(
  text: string,
  cursor: number,
  target: CompletionTarget,
  candidates: Iterable<string>,
): Completed {
  const typed = nameKey(target.prefix);
  const seen = new Set<string>();
  const matches: string[] = [];
  for (const candidate of candidates) {
    const key = nameKey(candidate);
    if (!key.startsWith(typed) || seen.has(key)) continue;
    seen.add(key);
    matches.push(candidate);
  }
  matches.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const put = (word: string): Completed => {
    const head = text.slice(0, target.start) + (target.hash ? "#" : "") + word;
    return { text: head + text.slice(cursor), cursor: head.length };
  };
  if (matches.length === 0) return { text, cursor };
  if (matches.length === 1) {
    const after = text.slice(cursor);
    const spaced = put(matches[0] + (after.startsWith(" ") ? "" : " "));
    return after.startsWith(" ") ? { ...spaced, cursor: spaced.cursor + 1 } : spaced;
  }
  const shared = commonPrefix(matches);
  if (nameKey(shared).length > typed.length) return put(shared);
  return { text, cursor, choices: matches };
}

/** The longest start that all of `words` share, case aside (in the first word's case). */
function commonPrefix(words: string[]): string {
  const lower = words.map((w) => w.toLowerCase());
  let n = 0;
  while (n < lower[0].length && lower.every((w) => w[n] === lower[0][n])) n++;
  return words[0].slice(0, n);
}
