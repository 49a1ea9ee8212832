/**
 * Tab completion: which word completes to what, the line once completed,
 * and the candidates a session gives (no terminal; the real program's Tab
 * is in interactive_test.ts).
 *
 * @module
 */

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { ChatClient } from "../../src/client/client.ts";
import { Completer, WHO_FRESH_MS } from "../../src/client/completer.ts";
import { complete, completionTarget } from "../../src/client/completion.ts";
import type { WhoEntry } from "../../src/protocol/messages.ts";

/** Completes `line` (the cursor where `|` is, else at the end) from `candidates`. */
function tab(line: string, candidates: string[]): string {
  const at = line.includes("|") ? line.indexOf("|") : line.length;
  const text = line.replace("|", "");
  const target = completionTarget(text, at);
  if (!target) return "no completion";
  const done = complete(text, at, target, candidates);
  const shown = done.text.slice(0, done.cursor) + "|" + done.text.slice(done.cursor);
  return done.choices ? `${shown} [${done.choices.join(" ")}]` : shown;
}

Deno.test("completionTarget: a command, a name or a room, by where the word is", () => {
  const kind = (line: string) => completionTarget(line, line.length)?.kind;
  assertEquals(kind("/jo"), "command");
  assertEquals(kind(""), "name");
  assertEquals(kind("hello b"), "name");
  assertEquals(kind("/msg b"), "name");
  assertEquals(kind("/msg bob hi c"), "name");
  assertEquals(kind("/join lo"), "room");
  assertEquals(kind("/JOIN lo"), "room");
  assertEquals(kind("/leave "), "room");
  assertEquals(kind("/who #"), "room");
  assertEquals(kind("/room #lo"), "room");
  assertEquals(kind("/room lobby hi a"), "name");
  assertEquals(kind("/nick a"), undefined);
  assertEquals(kind("/join lobby x"), undefined);
  assertEquals(kind("//not a command"), "name");
  assertEquals(completionTarget("/who #lo", 8), {
    start: 5,
    prefix: "lo",
    kind: "room",
    hash: true,
  });
});

Deno.test("complete: one match is put in with a space; case does not matter", () => {
  const commands = ["/nick", "/who", "/join", "/leave", "/msg", "/room", "/help", "/quit"];
  assertEquals(tab("/jo", commands), "/join |");
  assertEquals(tab("/J", commands), "/join |");
  assertEquals(tab("/msg b", ["bob", "carol"]), "/msg bob |");
  assertEquals(tab("/msg B", ["bob"]), "/msg bob |");
  assertEquals(tab("/join #lo", ["lobby"]), "/join #lobby |");
  assertEquals(tab("/join lo", ["lobby"]), "/join lobby |");
  assertEquals(tab("hi ca| there", ["carol"]), "hi carol |there");
});

Deno.test("complete: several matches extend to what they share, else are listed; none change nothing", () => {
  assertEquals(tab("/msg b", ["bobby", "bobbie", "carol"]), "/msg bobb|");
  assertEquals(tab("/msg bobb", ["bobby", "bobbie"]), "/msg bobb| [bobbie bobby]");
  assertEquals(tab("/", ["/nick", "/who"]), "/| [/nick /who]");
  assertEquals(tab("/msg z", ["bob"]), "/msg z|");
  // The same name twice (two listings of one room) is one candidate: the first one given.
  assertEquals(tab("/join k", ["kitchen", "Kitchen"]), "/join kitchen |");
  assertEquals(tab("/nick b", ["bob"]), "no completion");
});

/** A fake connected client whose who answers count the questions. */
function fakeClient(entries: WhoEntry[], asked: { n: number }): ChatClient {
  return {
    sessionId: "me",
    who: () => {
      asked.n++;
      return Promise.resolve([...entries]);
    },
  } as unknown as ChatClient;
}

Deno.test("Completer: names of the others and rooms from who, asked again when stale or when nothing fits", async () => {
  const asked = { n: 0 };
  const entries: WhoEntry[] = [
    { session_id: "me", name: "ada", transport: "tcp", rooms: ["lobby"] },
    { session_id: "b", name: "adam", transport: "unix", rooms: ["attic"] },
  ];
  let now = 0;
  const source = { current: fakeClient(entries, asked), remembered: { rooms: new Set(["aside"]) } };
  const completer = new Completer(source, () => now);
  // ada is you: only adam completes.
  assertEquals(await completer.complete("/msg ad", 7), { text: "/msg adam ", cursor: 10 });
  assertEquals(await completer.complete("/join a", 7), {
    text: "/join a",
    cursor: 7,
    choices: ["aside", "attic"],
  });
  assertEquals(asked.n, 1);
  now += WHO_FRESH_MS;
  await completer.complete("/join l", 7);
  assertEquals(asked.n, 2);
  // A name the last answer does not know is asked for at once, however fresh the answer.
  entries.push({ session_id: "z", name: "zed", transport: "tcp", rooms: [] });
  assertEquals(await completer.complete("/msg z", 6), { text: "/msg zed ", cursor: 9 });
  assertEquals(asked.n, 3);
  // Commands need no question; disconnected, the last answer serves.
  assertEquals(await completer.complete("/wh", 3), { text: "/who ", cursor: 5 });
  const away = new Completer({ current: undefined, remembered: { rooms: new Set<string>() } });
  assertEquals(await away.complete("/msg a", 6), { text: "/msg a", cursor: 6 });
  assertEquals(asked.n, 3);
});
