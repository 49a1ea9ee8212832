/**
 * Resume on real sockets (PROTOCOL.md section 9): `recovered` false when
 * the token is unknown, used up or past its window, or when messages the
 * session missed were pruned, and true otherwise; a token resumes once;
 * a resent message id is acked again with its seq, not relayed; away
 * sessions in `who`; a resume that takes over a connection still open.
 */

import {
  deepStrictEqual,
  deepStrictEqual as assertEquals,
  notStrictEqual,
  ok,
  strictEqual,
} from "node:assert/strict";
import { ManualClock } from "../../src/async/clock.ts";
import type { CloseReason } from "../../src/server/options.ts";
import { RawClient } from "../helpers/raw_client.ts";
import { send } from "../helpers/history.ts";
import { resumeOn } from "../helpers/resume.ts";
import { startServer, type TestServerOptions } from "../helpers/server.ts";
import { assertNothing, expectError, ready, signal, sync } from "../helpers/session.ts";

/** A server whose hook tells when a session's connection has ended, by session id. */
async function serverWithEnds(options: TestServerOptions = {}) {
  const ends = new Map<string, (reason: CloseReason) => void>();
  const s = await startServer({
    ...options,
    onSessionClose: (session, reason) => ends.get(session.id)?.(reason),
  });
  /** Closes `client` abruptly and waits until the server noticed. */
  const cut = async (client: RawClient): Promise<void> => {
    const ended = signal<CloseReason>();
    ends.set(client.sessionId, ended.resolve);
    await client.close();
    await ended.promise;
  };
  return { s, cut, [Symbol.asyncDispose]: () => s[Symbol.asyncDispose]() };
}

Deno.test("a session cut and resumed gets what it missed (to everyone, its room, to it), then resumed with its name, rooms and a new token", async () => {
  await using t = await serverWithEnds();
  const { s, cut } = t;
  await using bob = await ready(s.tcp, { name: "bob" });
  const ann = await ready(s.unix, { name: "ann" });
  const token = ann.init!.resume_token as string;
  await ann.say({ type: "join", content: "lobby", id: "j" });
  await ann.ackOf("j");
  await bob.say({ type: "join", content: "lobby", id: "j" });
  await bob.ackOf("j");
  const seen = (await send(bob, 1)).seq as number;
  strictEqual((await ann.next("message")).seq, seen);
  const annId = ann.sessionId;
  await cut(ann);
  // Away: listed so, still reached and counted.
  await bob.say({ type: "who", id: "w" });
  const who = await bob.next("who");
  assertEquals(
    (who.content as { name: string; away?: boolean }[]).map(({ name, away }) => ({ name, away })),
    [{ name: "bob", away: undefined }, { name: "ann", away: true }],
  );
  const missed = [
    await send(bob, 2),
    await send(bob, 3, { room: "lobby" }),
    await send(bob, 4, { to: "ann" }),
    await send(bob, 5, { to: annId }),
  ];
  deepStrictEqual(missed.map((ack) => ack.recipients), [1, 1, 1, 1]);
  await using back = await resumeOn(s.tcp, token, seen);
  const { client, init, replayed, resumed } = back;
  deepStrictEqual(replayed.map((m) => [m.content, m.seq, m.from, m.room, m.to, m.session_id]), [
    ["text 2", missed[0].seq, "bob", undefined, undefined, annId],
    ["text 3", missed[1].seq, "bob", "lobby", undefined, annId],
    ["text 4", missed[2].seq, "bob", undefined, "ann", annId],
    ["text 5", missed[3].seq, "bob", undefined, annId, annId],
  ]);
  assertEquals(resumed, {
    type: "resumed",
    content: { recovered: true, replayed: 4, seq: missed[3].seq },
    name: "ann",
    rooms: ["lobby"],
    resume_token: resumed.resume_token,
    session_id: annId,
  });
  notStrictEqual(init.session_id, annId);
  ok(typeof resumed.resume_token === "string" && resumed.resume_token !== token);
  // Live again, under its old id.
  await send(bob, 6, { room: "lobby" });
  const live = await client.next("message");
  deepStrictEqual([live.content, live.session_id, live.replay], ["text 6", annId, undefined]);
  await bob.say({ type: "who", id: "w2" });
  const after = await bob.next("who");
  deepStrictEqual(
    (after.content as { session_id: string; away?: boolean }[]).map((e) => [e.session_id, e.away]),
    [[bob.sessionId, undefined], [annId, undefined]],
  );
});

Deno.test("recovered is false and the session is the new one when the token is unknown, or was used already", async () => {
  await using t = await serverWithEnds();
  const { s, cut } = t;
  await using bob = await ready(s.tcp, { name: "bob" });
  // Unknown: the session announced by this connection, with the name asked.
  {
    await using back = await resumeOn(s.tcp, "no-such-token-at-all-00000", 3, { name: "carl" });
    const { init, replayed, resumed } = back;
    deepStrictEqual(replayed, []);
    strictEqual(resumed.session_id, init.session_id);
    deepStrictEqual(resumed.content, { recovered: false, replayed: 0, seq: 0 });
    deepStrictEqual([resumed.name, resumed.rooms], ["carl", []]);
    ok(typeof resumed.resume_token === "string" && resumed.resume_token !== init.resume_token);
  }
  // Used: a token resumes once.
  const ann = await ready(s.unix, { name: "ann" });
  const token = ann.init!.resume_token as string;
  await cut(ann);
  await send(bob, 1);
  const first = await resumeOn(s.unix, token, 0);
  strictEqual((first.resumed.content as { recovered: boolean }).recovered, true);
  await cut(first.client);
  await using again = await resumeOn(s.unix, token, 0);
  strictEqual(again.resumed.session_id, again.init.session_id);
  deepStrictEqual(again.resumed.content, { recovered: false, replayed: 0, seq: 1 });
  // The new token of the first resume still works.
  await using second = await resumeOn(s.tcp, first.resumed.resume_token as string, 1);
  strictEqual(second.resumed.session_id, ann.sessionId);
  strictEqual((second.resumed.content as { recovered: boolean }).recovered, true);
});

Deno.test("past the resume window the away session ends for good: gone from who, and its token gives recovered false", async () => {
  const clock = new ManualClock(Date.now());
  await using t = await serverWithEnds({
    clock,
    resumeWindow: 5,
    heartbeat: { interval: 50, timeout: 100, retries: 3 },
  });
  const { s, cut } = t;
  await using bob = await ready(s.tcp, { name: "bob" });
  const ann = await ready(s.tcp, { name: "ann" });
  const token = ann.init!.resume_token as string;
  await cut(ann);
  clock.advance(4_000);
  await bob.say({ type: "who", id: "w" });
  strictEqual(((await bob.next("who")).content as unknown[]).length, 2, "still away");
  clock.advance(1_500);
  await bob.say({ type: "who", id: "w" });
  deepStrictEqual(
    ((await bob.next("who")).content as { name: string }[]).map((e) => e.name),
    ["bob"],
  );
  await bob.say({ type: "message", content: "hi", to: "ann", id: "dm" });
  await expectError(bob, "no_such_recipient", "dm");
  await using back = await resumeOn(s.tcp, token, 0, { name: "ann" });
  strictEqual(back.resumed.session_id, back.init.session_id);
  deepStrictEqual([back.resumed.content, back.resumed.name], [
    { recovered: false, replayed: 0, seq: 0 },
    "ann",
  ]);
});

Deno.test("recovered is false with the session resumed when messages it missed are no longer kept: the kept ones are replayed", async () => {
  await using t = await serverWithEnds({ history: 3 });
  const { s, cut } = t;
  await using bob = await ready(s.tcp, { name: "bob" });
  const ann = await ready(s.tcp, { name: "ann" });
  const token = ann.init!.resume_token as string;
  await cut(ann);
  const seqs = [];
  for (let i = 1; i <= 5; i++) seqs.push((await send(bob, i)).seq);
  await using back = await resumeOn(s.unix, token, 0);
  strictEqual(back.resumed.session_id, ann.sessionId);
  deepStrictEqual(back.replayed.map((m) => m.seq), seqs.slice(2));
  deepStrictEqual(back.resumed.content, { recovered: false, replayed: 3, seq: 5 });
  // Missing only what it had seen: recovered.
  await cut(back.client);
  await using again = await resumeOn(s.unix, back.resumed.resume_token as string, 5);
  deepStrictEqual(again.resumed.content, { recovered: true, replayed: 0, seq: 5 });
});

Deno.test("a resumed session that sends again a message id it sent gets the same seq, and the message is not relayed twice", async () => {
  await using t = await serverWithEnds();
  const { s, cut } = t;
  await using bob = await ready(s.tcp, { name: "bob" });
  const ann = await ready(s.tcp, { name: "ann" });
  const first = await send(ann, "a1", { to: "bob" });
  strictEqual((await bob.next("message")).content, "text a1");
  await cut(ann);
  await using back = await resumeOn(s.tcp, ann.init!.resume_token as string, first.seq as number);
  const again = await send(back.client, "a1", { to: "bob" });
  deepStrictEqual([again.seq, again.recipients], [first.seq, 1]);
  const fresh = await send(back.client, "a2", { to: "bob" });
  ok((fresh.seq as number) > (first.seq as number));
  strictEqual((await bob.next("message")).content, "text a2");
  await assertNothing(bob, "message");
});

Deno.test("a resent message id gets its first ack even when its recipient or room is gone meanwhile", async () => {
  await using t = await serverWithEnds();
  const { s, cut } = t;
  await using bob = await ready(s.tcp, { name: "bob" });
  const ann = await ready(s.tcp, { name: "ann" });
  await ann.say({ type: "join", content: "den", id: "j" });
  await ann.ackOf("j");
  const dm = await send(ann, "d1", { to: "bob" });
  const said = await send(ann, "r1", { room: "den" });
  strictEqual((await bob.next("message")).content, "text d1");
  await cut(ann);
  // Bob leaves for good: the name is nobody's now.
  await bob.say({ type: "disconnect", content: "bye" });
  await bob.closed();
  await using back = await resumeOn(s.tcp, ann.init!.resume_token as string, 0);
  const again = await send(back.client, "d1", { to: "bob" });
  deepStrictEqual([again.seq, again.recipients], [dm.seq, 0]);
  await back.client.say({ type: "leave", content: "den", id: "l" });
  await back.client.ackOf("l");
  deepStrictEqual((await send(back.client, "r1", { room: "den" })).seq, said.seq);
  // A new id to nobody is refused as ever.
  await back.client.say({ type: "message", content: "x", to: "bob", id: "d2" });
  await expectError(back.client, "no_such_recipient", "d2");
});

Deno.test("a resume takes over a session whose old connection the server still holds: that one is closed", async () => {
  await using t = await serverWithEnds();
  const { s } = t;
  await using bob = await ready(s.tcp, { name: "bob" });
  await using ann = await ready(s.tcp, { name: "ann" });
  await using back = await resumeOn(s.unix, ann.init!.resume_token as string, 0);
  strictEqual(back.resumed.session_id, ann.sessionId);
  strictEqual((back.resumed.content as { recovered: boolean }).recovered, true);
  await ann.closed();
  await send(bob, 1, { to: "ann" });
  strictEqual((await back.client.next("message")).content, "text 1");
  await sync(back.client);
});

Deno.test("away sessions count toward maxClients", async () => {
  await using t = await serverWithEnds({ maxClients: 2 });
  const { s, cut } = t;
  await using bob = await ready(s.tcp, { name: "bob" });
  await cut(await ready(s.tcp, { name: "ann" }));
  await using third = await RawClient.connect(s.tcp);
  strictEqual((await third.next("error")).code, "server_full");
  await third.closed();
  await sync(bob);
});

Deno.test("without history (history 0): no seq, no resume_token, history is unknown_type and resume is ignored", async () => {
  await using t = await serverWithEnds({ history: 0 });
  const { s, cut } = t;
  await using bob = await ready(s.tcp, { name: "bob" });
  const ann = await ready(s.tcp, { name: "ann" });
  strictEqual(ann.init!.resume_token, undefined);
  const ack = await send(ann, 1);
  strictEqual(ack.seq, undefined);
  strictEqual((await bob.next("message")).seq, undefined);
  await ann.say({ type: "history", id: "h" });
  await expectError(ann, "unknown_type", "h");
  await cut(ann);
  await using again = await ready(s.tcp, { name: "ann", resume: { token: "x", seq: 1 } });
  await sync(again);
  deepStrictEqual(again.backlog.filter((f) => f.type === "resumed"), []);
  await bob.say({ type: "who", id: "w" });
  strictEqual(((await bob.next("who")).content as unknown[]).length, 2, "ann ended at once");
});
