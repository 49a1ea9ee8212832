/**
 * Attack: names that look like `bob`, or like nothing, next to a session
 * called `bob` (issue 11, names). Figures: which the server accepted.
 *
 * @module
 */

import { ready } from "../../tests/helpers/session.ts";
import { AttackTarget } from "./target.ts";

/** The names tried, as the issue lists them. */
export const LOOKALIKES: Record<string, string> = {
  "Bob": "Bob",
  "ｂｏｂ (fullwidth)": "ｂｏｂ",
  "бob (Cyrillic б)": "бob",
  "b\\u200bob (zero-width space)": "b\u200bob",
  "\\u202eboba (right-to-left override)": "\u202eboba",
  "\\u3164 (Hangul filler)": "\u3164",
  "\\u2800 (Braille blank)": "\u2800",
  "bob\\ud800 (lone surrogate)": "bob\ud800",
  "guest-bob": "guest-bob",
};

/** Which of {@linkcode LOOKALIKES} a server of `root` (with `args`) accepted as a `nick`. */
export async function nameAttack(args: string[], root?: string): Promise<Record<string, string>> {
  await using target = await AttackTarget.start(args, { root });
  await using _bob = await ready(target.tcp, { name: "bob" });
  await using mallory = await ready(target.unix, { name: "mallory" });
  const outcome: Record<string, string> = {};
  for (const [label, name] of Object.entries(LOOKALIKES)) {
    await mallory.say({ type: "nick", content: name, id: label });
    const answer = await mallory.answerOf(label);
    outcome[label] = answer.type === "ack" ? "accepted" : `refused (${answer.code})`;
    if (answer.type === "ack") {
      await mallory.say({ type: "nick", content: "mallory", id: `${label}-back` });
      await mallory.answerOf(`${label}-back`);
    }
  }
  return outcome;
}
