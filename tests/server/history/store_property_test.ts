/**
 * Both stores against a model that keeps every message forever: random
 * senders, rooms joined and left, direct messages, prune sizes, ticks,
 * restarts (of the SQLite store) and cut points; replay() and history()
 * must give what the model says is still kept, replay()'s `complete` must
 * be false exactly when the model has a message the session would have
 * received that is no longer kept, and resent() must know every id.
 */

import { deepStrictEqual, strictEqual } from "node:assert/strict";
import fc from "fast-check";
import type { HistoryStore } from "../../../src/server/history/history_store.ts";
import { hashResumeToken } from "../../../src/server/history/resume_token.ts";
import { MemoryHistoryStore } from "../../../src/server/history/memory_store.ts";
import type { RoomMembership } from "../../../src/server/history/session_record.ts";
import type { MessageDraft, StoredMessage } from "../../../src/server/history/stored_message.ts";
import { SqliteHistoryStore } from "../../../src/server/history/sqlite_store.ts";
import "../../helpers/property.ts";
import { TempDir } from "./temp_store.ts";

const SESSIONS = 4;
const ROOMS = ["Lobby", "dev", "Ωμέγα"];

type Command =
  | { kind: "everyone"; sender: number }
  | { kind: "room"; sender: number; room: number; upper: boolean }
  | { kind: "direct"; sender: number; recipient: number }
  | { kind: "join"; session: number; room: number }
  | { kind: "leave"; session: number; room: number }
  | { kind: "connect"; session: number }
  | { kind: "tick" }
  | { kind: "reopen" };

const who = fc.nat(SESSIONS - 1);
const room = fc.nat(ROOMS.length - 1);
const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("everyone" as const), sender: who }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant("room" as const),
      sender: who,
      room,
      upper: fc.boolean(),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({ kind: fc.constant("direct" as const), sender: who, recipient: who }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant("join" as const), session: who, room }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant("leave" as const), session: who, room }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("connect" as const), session: who }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("tick" as const) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("reopen" as const) }), weight: 1 },
);

/** A history query's random part. */
interface Ask {
  asker: number;
  room: number | undefined;
  before: number | undefined;
  limit: number | undefined;
}

const ask: fc.Arbitrary<Ask> = fc.record({
  asker: who,
  room: fc.option(room, { nil: undefined }),
  before: fc.option(fc.nat(90), { nil: undefined }),
  limit: fc.option(fc.nat(12), { nil: undefined }),
});

const id = (n: number): string => `session-${n}`;
const key = (name: string): string => name.toLowerCase();

/** What a session is in the model: since when it receives broadcasts, and its rooms. */
interface Member {
  since: number;
  rooms: Map<string, RoomMembership>;
}

/** A store under test; `reopen` closes it and opens it again on the same file (or does nothing). */
interface Subject {
  store: HistoryStore;
  reopen(): Promise<void>;
}

/** Runs the commands on a store and on the model; checks every session at every cut point. */
async function check(subject: Subject, commands: Command[], asks: Ask[]): Promise<void> {
  for (let n = 0; n < SESSIONS; n++) {
    await subject.store.saveSession({
      id: id(n),
      name: id(n),
      rooms: [],
      since: 0,
      tokenHash: hashResumeToken(id(n)),
    });
  }
  const log: StoredMessage[] = [];
  const members: Member[] = Array.from(
    { length: SESSIONS },
    () => ({ since: 0, rooms: new Map() }),
  );
  let pending: Promise<number>[] = [];
  const append = (draft: MessageDraft): void => {
    log.push({
      seq: log.length + 1,
      room: undefined,
      roomKey: undefined,
      recipient: undefined,
      to: undefined,
      ...draft,
    });
    pending.push(Promise.resolve(subject.store.append(draft, `m${log.length}`)));
  };
  for (const c of commands) {
    const base = { ts: log.length, verified: false, content: `#${log.length + 1}` };
    if (c.kind === "everyone") append({ ...base, sender: id(c.sender), from: id(c.sender) });
    else if (c.kind === "room") {
      const name = c.upper ? ROOMS[c.room].toUpperCase() : ROOMS[c.room];
      append({ ...base, sender: id(c.sender), from: "x", room: name, roomKey: key(name) });
    } else if (c.kind === "direct") {
      const to = id(c.recipient);
      append({ ...base, sender: id(c.sender), from: "x", recipient: to, to });
    } else if (c.kind === "join") {
      const name = ROOMS[c.room];
      const rooms = members[c.session].rooms;
      if (!rooms.has(key(name))) rooms.set(key(name), { key: key(name), name, joined: log.length });
    } else if (c.kind === "leave") members[c.session].rooms.delete(key(ROOMS[c.room]));
    else if (c.kind === "connect") members[c.session].since = log.length;
    else {
      deepStrictEqual(
        await Promise.all(pending),
        log.slice(log.length - pending.length).map((m) => m.seq),
      );
      pending = [];
      if (c.kind === "reopen") await subject.reopen();
    }
  }
  await Promise.all(pending);
  const store = subject.store;
  for (const m of log) strictEqual(await store.resent(m.sender, `m${m.seq}`), m.seq);
  const oldest = Math.max(1, log.length - store.limit + 1);
  for (let n = 0; n < SESSIONS; n++) {
    const { since, rooms } = members[n];
    const filter = { id: id(n), since, rooms: [...rooms.values()] };
    const receives = (m: StoredMessage): boolean =>
      m.recipient !== undefined ? m.recipient === id(n) : m.sender !== id(n) &&
        (m.roomKey === undefined
          ? m.seq > since
          : m.seq > (rooms.get(m.roomKey)?.joined ?? Infinity));
    for (let after = 0; after <= log.length; after++) {
      const missed = log.filter((m) => m.seq > after && receives(m));
      const got = await store.replay(filter, after);
      deepStrictEqual(got, {
        messages: missed.filter((m) => m.seq >= oldest),
        complete: missed.every((m) => m.seq >= oldest),
        newest: log.length,
      }, `${id(n)} after ${after}`);
    }
  }
  for (const { asker, room, before, limit } of asks) {
    const session = id(asker);
    const roomKey = room === undefined ? undefined : key(ROOMS[room]);
    const matches = log.filter((m) =>
      m.seq >= oldest && m.seq < (before ?? Infinity) &&
      (roomKey !== undefined ? m.roomKey === roomKey : m.roomKey === undefined &&
        (m.recipient === undefined || m.recipient === session || m.sender === session))
    );
    const count = Math.min(limit ?? 100, matches.length);
    const page = await store.history({ session, roomKey, before, limit });
    deepStrictEqual(page, {
      messages: matches.slice(matches.length - count),
      more: matches.length > count,
    }, JSON.stringify({ session, roomKey, before, limit }));
  }
}

const scenario = fc.tuple(
  fc.integer({ min: 1, max: 30 }),
  fc.array(command, { maxLength: 100, size: "max" }),
  fc.array(ask, { maxLength: 8 }),
);

Deno.test("MemoryHistoryStore.replay() and history() agree with a model that keeps everything", async () => {
  await fc.assert(
    fc.asyncProperty(scenario, async ([limit, commands, asks]) => {
      await check(
        { store: new MemoryHistoryStore({ limit }), reopen: () => Promise.resolve() },
        commands,
        asks,
      );
    }),
    { numRuns: 300 },
  );
});

Deno.test("SqliteHistoryStore.replay() and history() agree with a model that keeps everything, across restarts", async () => {
  await using dir = await TempDir.create();
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      scenario,
      fc.integer({ min: 1, max: 8 }),
      async ([limit, commands, asks], purgeEvery) => {
        const path = `${dir.path}/${run++}.db`;
        const subject = {
          store: SqliteHistoryStore.open(path, { limit, purgeEvery }),
          async reopen() {
            await this.store.close();
            this.store = SqliteHistoryStore.open(path, { limit, purgeEvery });
          },
        };
        try {
          await check(subject, commands, asks);
        } finally {
          await subject.store.close();
        }
      },
    ),
    { numRuns: 100 },
  );
});
