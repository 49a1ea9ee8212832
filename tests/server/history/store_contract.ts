/**
 * The contract of a `HistoryStore`, as one suite that each store's test
 * file runs against its own store: seqs, history pages, replays with their
 * exact `complete` flag, resends, sessions and resumes (PROTOCOL.md
 * section 9).
 *
 * @module
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { HistoryStore } from "../../../src/server/history/history_store.ts";
import { hashResumeToken } from "../../../src/server/history/resume_token.ts";
import type { SessionRecord } from "../../../src/server/history/session_record.ts";
import type { MessageDraft } from "../../../src/server/history/stored_message.ts";

/** Opens an empty store keeping `limit` messages; disposing of it closes it and removes its files. */
export type OpenStore = (limit: number) => Promise<HistoryStore & AsyncDisposable>;

/** A message to everyone from `sender`. */
export function toEveryone(sender: string, content = `from ${sender}`): MessageDraft {
  return { ts: 1_000, sender, from: `name-${sender}`, verified: false, content };
}

/** A message to a room (its key is the name in lower case). */
export function toRoom(
  sender: string,
  room: string,
  content = `${sender} in ${room}`,
): MessageDraft {
  return { ...toEveryone(sender, content), room, roomKey: room.toLowerCase() };
}

/** A direct message. */
export function toSession(sender: string, recipient: string, content = "psst"): MessageDraft {
  return { ...toEveryone(sender, content), recipient, to: `name-${recipient}` };
}

/** A live session with no rooms, receiving broadcasts after `since`. */
export function session(id: string, since = 0, token = `token-${id}`): SessionRecord {
  return { id, name: `name-${id}`, rooms: [], since, tokenHash: hashResumeToken(token) };
}

/** Appends every draft in one tick; resolves to their seqs. */
export function appendAll(store: HistoryStore, drafts: MessageDraft[]): Promise<number[]> {
  return Promise.all(drafts.map((draft) => store.append(draft)));
}

const seqs = (page: { messages: readonly { seq: number }[] }): number[] =>
  page.messages.map((m) => m.seq);

/** Registers the contract's tests for the store class `name`. */
export function storeContract(name: string, open: OpenStore): void {
  const test = (what: string, fn: (store: HistoryStore) => Promise<void>, limit = 100): void => {
    Deno.test(`${name}.${what}`, async () => {
      await using store = await open(limit);
      await fn(store);
    });
  };

  test("append() gives seqs 1, 2, 3… and resolves in their order", async (store) => {
    strictEqual(store.newest, 0);
    const order: number[] = [];
    const drafts = Array.from({ length: 50 }, (_, i) => toEveryone(`s${i % 3}`));
    const all = drafts.map((draft) =>
      Promise.resolve(store.append(draft)).then((seq) => order.push(seq))
    );
    await Promise.all(all);
    deepStrictEqual(order, Array.from({ length: 50 }, (_, i) => i + 1));
    strictEqual(store.newest, 50);
    strictEqual(await store.append(toEveryone("a")), 51);
  });

  test("append() keeps every field, to rebuild the relayed frame", async (store) => {
    const verified = { ...toRoom("s1", "Lobby", "hello"), verified: true, ts: 1234 };
    await appendAll(store, [verified, toSession("s1", "s2"), toEveryone("s2")]);
    const room = await store.history({ session: "s1", roomKey: "lobby" });
    deepStrictEqual(room.messages, [{
      seq: 1,
      ts: 1234,
      sender: "s1",
      from: "name-s1",
      verified: true,
      content: "hello",
      room: "Lobby",
      roomKey: "lobby",
      recipient: undefined,
      to: undefined,
    }]);
    const main = await store.history({ session: "s2" });
    deepStrictEqual(main.messages.map((m) => [m.seq, m.recipient, m.to, m.verified]), [
      [2, "s2", "name-s2", false],
      [3, undefined, undefined, false],
    ]);
  });

  test("append() keeps any text as it was: NUL, lone surrogates, emoji, nothing", async (store) => {
    const texts = ["a\u0000b", "x\ud800y", "\udc00", "😀 \u202e", "", "\\0"];
    await appendAll(store, texts.map((text) => toEveryone("a", text)));
    const page = await store.history({ session: "b" });
    deepStrictEqual(page.messages.map((m) => m.content), texts);
  });

  test("append() keeps the last `limit` messages", async (store) => {
    await appendAll(store, Array.from({ length: 12 }, () => toEveryone("a")));
    const page = await store.history({ session: "b" });
    deepStrictEqual(seqs(page), [8, 9, 10, 11, 12]);
    strictEqual(page.more, false);
    strictEqual(store.limit, 5);
  }, 5);

  test("history() of a room gives that room's messages, the asker's and older ones too", async (store) => {
    await appendAll(store, [
      toRoom("a", "Lobby"),
      toRoom("b", "other"),
      toEveryone("a"),
      toRoom("b", "LOBBY"),
      toSession("a", "b"),
      toRoom("a", "lobby"),
    ]);
    deepStrictEqual(seqs(await store.history({ session: "a", roomKey: "lobby" })), [1, 4, 6]);
    deepStrictEqual(seqs(await store.history({ session: "z", roomKey: "other" })), [2]);
    deepStrictEqual(seqs(await store.history({ session: "z", roomKey: "nowhere" })), []);
  });

  test("history() without a room gives messages to everyone and direct ones to or by the asker", async (store) => {
    await appendAll(store, [
      toEveryone("a"),
      toSession("a", "b"),
      toSession("b", "a"),
      toSession("c", "d"),
      toRoom("a", "lobby"),
      toEveryone("b"),
    ]);
    deepStrictEqual(seqs(await store.history({ session: "a" })), [1, 2, 3, 6]);
    deepStrictEqual(seqs(await store.history({ session: "d" })), [1, 4, 6]);
    deepStrictEqual(seqs(await store.history({ session: "x" })), [1, 6]);
  });

  test("history() gives the newest `limit` before `before`, oldest first, and whether more are kept", async (store) => {
    await appendAll(store, Array.from({ length: 10 }, (_, i) => toEveryone(`s${i}`)));
    deepStrictEqual(seqs(await store.history({ session: "a", limit: 3 })), [8, 9, 10]);
    strictEqual((await store.history({ session: "a", limit: 3 })).more, true);
    const page = await store.history({ session: "a", before: 4, limit: 3 });
    deepStrictEqual([seqs(page), page.more], [[1, 2, 3], false]);
    deepStrictEqual(seqs(await store.history({ session: "a", before: 1 })), []);
    deepStrictEqual(seqs(await store.history({ session: "a", before: 99, limit: 2 })), [9, 10]);
    const none = await store.history({ session: "a", limit: 0 });
    deepStrictEqual([seqs(none), none.more], [[], true]);
  });

  test("history() gives 100 by default and 1,000 at most", async (store) => {
    await appendAll(store, Array.from({ length: 1_200 }, () => toEveryone("a")));
    strictEqual((await store.history({ session: "b" })).messages.length, 100);
    const most = await store.history({ session: "b", limit: 5_000 });
    deepStrictEqual([most.messages.length, most.messages[0].seq, most.more], [1_000, 201, true]);
  }, 2_000);

  test("history() says no more once older matches are pruned", async (store) => {
    await appendAll(store, [toRoom("a", "r"), toEveryone("a"), toEveryone("a"), toRoom("a", "r")]);
    const page = await store.history({ session: "a", roomKey: "r", limit: 1 });
    deepStrictEqual([seqs(page), page.more], [[4], false]);
  }, 3);

  test("replay() gives what the session would have received after `after`, oldest first", async (store) => {
    await appendAll(store, [
      toEveryone("b"), // 1: before it came
      toEveryone("b"), // 2
      toEveryone("a"), // 3: its own
      toRoom("b", "lobby"), // 4: before it joined
      toRoom("b", "lobby"), // 5
      toRoom("a", "lobby"), // 6: its own
      toRoom("b", "other"), // 7: not its room
      toSession("b", "a"), // 8: to it
      toSession("a", "b"), // 9: by it
      toSession("a", "a"), // 10: to itself
      toEveryone("c"), // 11
    ]);
    const filter = { id: "a", since: 1, rooms: [{ key: "lobby", name: "Lobby", joined: 4 }] };
    const all = await store.replay(filter, 0);
    deepStrictEqual([seqs(all), all.complete, all.newest], [[2, 5, 8, 10, 11], true, 11]);
    deepStrictEqual(seqs(await store.replay(filter, 8)), [10, 11]);
    deepStrictEqual(seqs(await store.replay(filter, 11)), []);
  });

  test(
    "replay() is incomplete exactly when a message it would have received was pruned",
    async (store) => {
      await appendAll(store, [
        toEveryone("a"), // 1: a's own
        toRoom("b", "lobby"), // 2: before a joined
        toSession("b", "c"), // 3: to someone else
        toEveryone("b"), // 4
        toEveryone("b"),
        toEveryone("b"),
        toEveryone("b"),
      ]); // 1 to 3 pruned
      const a = { id: "a", since: 0, rooms: [{ key: "lobby", name: "lobby", joined: 2 }] };
      strictEqual((await store.replay(a, 0)).complete, true);
      strictEqual((await store.replay({ ...a, id: "z" }, 0)).complete, false); // z missed 1
      strictEqual((await store.replay({ ...a, id: "z" }, 1)).complete, true);
      strictEqual(
        (await store.replay({ ...a, rooms: [{ ...a.rooms[0], joined: 1 }] }, 0)).complete,
        false,
      );
      strictEqual((await store.replay({ ...a, id: "c", since: 4 }, 0)).complete, false); // c missed 3
      strictEqual((await store.replay({ ...a, id: "c", since: 4 }, 3)).complete, true);
      deepStrictEqual(seqs(await store.replay({ ...a, id: "z" }, 0)), [4, 5, 6, 7]);
    },
    4,
  );

  test("resent() gives the seq of a recent id, a string id apart from a number", async (store) => {
    await store.append(toEveryone("a"), "m1");
    await store.append(toEveryone("a"), 1);
    await store.append(toEveryone("b"), "m1");
    strictEqual(await store.resent("a", "m1"), 1);
    strictEqual(await store.resent("a", 1), 2);
    strictEqual(await store.resent("a", "1"), undefined);
    strictEqual(await store.resent("b", "m1"), 3);
    strictEqual(await store.resent("c", "m1"), undefined);
  });

  test("resent() remembers the last 1,024 ids of a session", async (store) => {
    await Promise.all(Array.from({ length: 1_030 }, (_, i) => store.append(toEveryone("a"), i)));
    strictEqual(await store.resent("a", 5), undefined);
    strictEqual(await store.resent("a", 6), 7);
    strictEqual(await store.resent("a", 1_029), 1_030);
  }, 10);

  test("saveSession() keeps a copy; sessions() lists them; removeSession() forgets one and its ids", async (store) => {
    const rooms = [{ key: "lobby", name: "Lobby", joined: 3 }];
    const ann = { ...session("ann"), rooms, account: { name: "ann", rooms: ["lobby"] } };
    await store.saveSession(ann);
    await store.saveSession(session("bob"));
    await store.saveSession({ ...session("bob"), name: "robert", awaySince: 77 });
    await store.append(toEveryone("bob"), "x");
    const listed = [...await store.sessions()].sort((x, y) => x.id.localeCompare(y.id));
    deepStrictEqual(listed, [ann, { ...session("bob"), name: "robert", awaySince: 77 }]);
    ok(listed[0] !== ann && listed[0].rooms !== rooms, "a copy");
    await store.removeSession("bob");
    deepStrictEqual((await store.sessions()).map((s) => s.id), ["ann"]);
    strictEqual(await store.resent("bob", "x"), undefined);
  });

  test("resume() takes the session over once: new token, live, with what it missed", async (store) => {
    await store.saveSession({ ...session("a"), awaySince: 5 });
    await appendAll(store, [toEveryone("b"), toSession("b", "a"), toEveryone("a")]);
    const first = await store.resume({
      tokenHash: hashResumeToken("token-a"),
      nextTokenHash: hashResumeToken("next"),
      after: 1,
    });
    ok(first);
    deepStrictEqual([first.session.id, first.session.awaySince, seqs(first), first.newest], [
      "a",
      undefined,
      [2],
      3,
    ]);
    strictEqual(first.session.tokenHash, hashResumeToken("next"));
    strictEqual(first.complete, true);
    const again = { tokenHash: hashResumeToken("token-a"), nextTokenHash: "x", after: 0 };
    strictEqual(await store.resume(again), undefined, "a token resumes once");
    deepStrictEqual((await store.sessions())[0], first.session);
    const next = {
      tokenHash: hashResumeToken("next"),
      nextTokenHash: hashResumeToken("n2"),
      after: 3,
    };
    deepStrictEqual(seqs((await store.resume(next))!), []);
  });

  test("resume() replays what was appended before the call, and answers before the appends after it", async (store) => {
    await store.saveSession({ ...session("a"), awaySince: 5 });
    const order: string[] = [];
    const before = Promise.resolve(store.append(toEveryone("b"))).then(() => order.push("before"));
    const resumed = Promise.resolve(store.resume({
      tokenHash: hashResumeToken("token-a"),
      nextTokenHash: "n",
      after: 0,
    })).then((r) => (order.push("resumed"), r));
    const after = Promise.resolve(store.append(toEveryone("b"))).then(() => order.push("after"));
    const [, got] = await Promise.all([before, resumed, after]);
    deepStrictEqual([seqs(got!), got!.newest], [[1], 1]);
    deepStrictEqual(order, ["before", "resumed", "after"]);
  });

  test("resume() leaves a session that `admit` refuses as it was, its token working", async (store) => {
    const away = { ...session("a"), awaySince: 5 };
    await store.saveSession(away);
    const request = {
      tokenHash: hashResumeToken("token-a"),
      nextTokenHash: hashResumeToken("next"),
      after: 0,
    };
    let seen: SessionRecord | undefined;
    const refused = await store.resume({ ...request, admit: (s) => (seen = s, false) });
    strictEqual(refused, undefined);
    deepStrictEqual(seen, away);
    deepStrictEqual(await store.sessions(), [away]);
    ok(await store.resume({ ...request, admit: (s) => s.awaySince === 5 }));
  });

  test("resume() is incomplete when a direct message to it was pruned", async (store) => {
    await store.saveSession(session("a"));
    await appendAll(store, [toSession("b", "a"), toEveryone("a"), toEveryone("a")]);
    const resumed = await store.resume({
      tokenHash: hashResumeToken("token-a"),
      nextTokenHash: "n",
      after: 0,
    });
    deepStrictEqual([seqs(resumed!), resumed!.complete], [[], false]);
  }, 2);

  test("removeSession() forgets what was pruned of the direct messages to it", async (store) => {
    await appendAll(store, [toSession("b", "a"), toEveryone("a"), toEveryone("a")]);
    const a = { id: "a", since: 0, rooms: [] };
    strictEqual((await store.replay(a, 0)).complete, false);
    await store.removeSession("a");
    strictEqual((await store.replay(a, 0)).complete, true);
  }, 2);
}
