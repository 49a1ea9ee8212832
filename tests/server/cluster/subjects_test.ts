/**
 * How a cluster names things on NATS (room and name tokens safe for
 * subjects and KV keys, relay payloads), and the presence view of the
 * other nodes (liveness, rooms, counts).
 *
 * @module
 */

import "../../helpers/property.ts";
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import { ManualClock } from "../../../src/async/clock.ts";
import { SplicedFrame } from "../../../src/protocol/encode.ts";
import { isValidName } from "../../../src/protocol/messages.ts";
import { nameKey as protocolKey } from "../../../src/protocol/names.ts";
import { DEAD_AFTER, Presence } from "../../../src/server/cluster/presence.ts";
import {
  directPayload,
  isHead,
  nameKey,
  newNodeId,
  parseDirectPayload,
  parsePresenceKey,
  roomSubject,
  sessionKey,
  token,
  untoken,
} from "../../../src/server/cluster/subjects.ts";

const SAFE = /^[A-Za-z0-9_-]+$/;

Deno.test("room and display names become subject tokens and KV keys that round-trip", () => {
  const names = fc.string({ unit: "grapheme", minLength: 1, maxLength: 32 }).filter(isValidName);
  fc.assert(fc.property(names, (name) => {
    const tok = token(name);
    ok(SAFE.test(tok), `${JSON.stringify(name)} -> ${tok}`);
    strictEqual(untoken(tok), name);
    // Subjects and name keys are made of the name's key: one for every spelling.
    strictEqual(roomSubject(name), `chat.room.${token(protocolKey(name))}`);
    strictEqual(nameKey(name), token(protocolKey(name)));
    strictEqual(untoken(nameKey(name)), protocolKey(name));
  }));
  strictEqual(roomSubject("Lobby"), roomSubject("lobby"));
  strictEqual(roomSubject("ＬＯＢＢＹ"), roomSubject("lobby"));
  strictEqual(nameKey("Bob"), nameKey("bob"));
  ok(roomSubject("lobby") !== roomSubject("lobby2"));
  for (const name of ["salon-été🙂", "a.b", "*", ">", "日本語", "x".repeat(32)]) {
    ok(SAFE.test(token(name)), name);
    strictEqual(untoken(token(name)), name);
  }
  ok(token("a") !== token("b"));
});

Deno.test("token() is injective: distinct well-formed strings differ, lone surrogates are refused", () => {
  fc.assert(
    fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (a, b) => {
      if (a !== b) ok(token(a) !== token(b));
    }),
  );
  // Both would be U+FFFD in UTF-8: they must not share a subject.
  for (const bad of ["room\ud800", "room\udbff", "\udc00"]) {
    throws(() => token(bad), { code: "invalid_name" });
  }
});

Deno.test("presence keys and node ids", () => {
  const node = newNodeId();
  ok(/^[0-9a-f]{16}$/.test(node));
  const id = crypto.randomUUID();
  deepStrictEqual(parsePresenceKey(sessionKey(node, id)), { kind: "session", node, session: id });
  deepStrictEqual(parsePresenceKey(`node.${node}`), { kind: "node", node });
  strictEqual(parsePresenceKey("other.thing"), undefined);
  strictEqual(parsePresenceKey("sess.only-two"), undefined);
});

Deno.test("a direct relay's payload carries its session ids and the frame's head", () => {
  const frame = new SplicedFrame({ type: "message", content: "hi, x\ny", from: "a" });
  ok(isHead(frame.head));
  const ids = [crypto.randomUUID(), crypto.randomUUID()];
  const parsed = parseDirectPayload(directPayload(ids, frame.head))!;
  deepStrictEqual(parsed.sessions, ids);
  deepStrictEqual(parsed.head, frame.head);
  // A spliced frame made of that head is the same frame for each session.
  const id = new TextEncoder().encode(ids[0]);
  deepStrictEqual(new SplicedFrame(parsed.head).forSession(id), frame.forSession(id));
  strictEqual(parseDirectPayload(new TextEncoder().encode("no newline")), undefined);
  strictEqual(parseDirectPayload(new TextEncoder().encode('x\n{"type":1}')), undefined);
  ok(!isHead(new TextEncoder().encode("[1,2]")));
});

Deno.test("the presence view: sessions, rooms, names, and nodes that fall silent", () => {
  const clock = new ManualClock(0);
  const view = new Presence(1000, clock);
  const a = "aaaaaaaaaaaaaaaa";
  const b = "bbbbbbbbbbbbbbbb";
  const [s1, s2, s3] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
  view.heard(a, { ttl: 1000 });
  view.heard(b, { ttl: 4000 });
  view.upsert(a, s1, { name: "ann", transport: "tcp", rooms: ["r"] });
  view.upsert(a, s2, { name: `guest-${s2.slice(0, 8)}`, transport: "unix", rooms: [] });
  view.upsert(b, s3, { name: "bea", transport: "tcp", rooms: ["r", "q"] });
  strictEqual(view.size, 3);
  strictEqual(view.roomSize("r"), 2);
  strictEqual(view.byName("ann")!.id, s1);
  strictEqual(view.byId(s3)!.node, b);
  ok(view.holdsGuestName(`guest-${s2.slice(0, 8)}`));
  ok(!view.holdsGuestName("ann"));
  // A rename and a room change replace the session's entry.
  view.upsert(a, s1, { name: "anna", transport: "tcp", rooms: [] });
  strictEqual(view.byName("ann"), undefined);
  strictEqual(view.byName("anna")!.id, s1);
  strictEqual(view.roomSize("r"), 1);
  // Silence, by the clock: a is dead after DEAD_AFTER of its TTL, b (a longer TTL) is not yet.
  clock.advance(1000 * DEAD_AFTER);
  deepStrictEqual(view.expired(), []);
  clock.advance(1);
  deepStrictEqual(view.expired(), [a]);
  view.heard(a, { ttl: 1000 });
  clock.advance(1000 * DEAD_AFTER - 1);
  deepStrictEqual(view.expired(), []);
  const dropped = view.drop(a);
  deepStrictEqual(dropped.map((s) => s.id).sort(), [s1, s2].sort());
  strictEqual(view.size, 1);
  ok(!view.alive(a) && view.alive(b));
  view.remove(b, s3);
  strictEqual(view.size, 0);
  strictEqual(view.roomSize("q"), 0);
  view.clear();
  deepStrictEqual([...view.nodes()], []);
});
