/**
 * Logins through a real server on real sockets (PROTOCOL.md section 11):
 * what session_init announces, password and token logins, guests, the
 * answer to every refusal, frames held while a login is decided, names
 * that belong to accounts, `verified` on who and messages, and a token's
 * `rooms` claim.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert, strictEqual } from "node:assert/strict";
import { ManualClock } from "../../../src/async/clock.ts";
import type { Frame, WhoEntry } from "../../../src/protocol/messages.ts";
import type { Authenticator, Identity } from "../../../src/server/identity/identity.ts";
import { LoginRefused } from "../../../src/server/identity/identity.ts";
import { who } from "../../helpers/cluster.ts";
import { accountsOf, loggedIn, login, startIdentityServer } from "../../helpers/identity.ts";
import { sign } from "../../helpers/jwt_keys.ts";
import { RawClient } from "../../helpers/raw_client.ts";
import { startServer } from "../../helpers/server.ts";
import { assertNothing, expectError, expectErrorOpen, ready, sync } from "../../helpers/session.ts";

const accounts = await accountsOf({ alice: "alice's pw", bob: "bob's pw" });
const ALICE = { user: "alice", password: "alice's pw" };
const BOB = { user: "bob", password: "bob's pw" };

/** A token's `exp`, `seconds` from now. */
function inSeconds(seconds: number): number {
  return Math.floor(Date.now() / 1000) + seconds;
}

Deno.test("session_init says which logins the server takes and whether guests may come; a server without identities says nothing", async () => {
  await using s = await startIdentityServer(accounts, { allowGuests: true });
  await using known = await RawClient.connect(s.tcp);
  const init = await known.next("session_init");
  assertEquals([init.login, init.guests], [["password", "jwt"], true]);

  await using plain = await startServer();
  await using unknown = await RawClient.connect(plain.unix);
  const bare = await unknown.next("session_init");
  assertEquals(["login" in bare, "guests" in bare], [false, false]);
});

Deno.test("a password login names the session after its account: Alice logs in to alice, its name asked ignored without an error", async () => {
  await using s = await startIdentityServer(accounts);
  await using alice = await loggedIn(s.tcp, { auth: { ...ALICE, user: "ALICE" }, name: "queen" });
  await using bob = await loggedIn(s.unix, { auth: BOB });
  assertEquals(s.server.sessions.map((session) => session.name).sort(), ["alice", "bob"]);
  await assertNothing(alice, "error");
  // who marks both verified; a message from alice carries verified.
  const entries = await who(bob);
  assertEquals(entries.map((e) => [e.name, e.verified]).sort(), [["alice", true], ["bob", true]]);
  await alice.say({ type: "message", content: "hi bob", id: 1 });
  await alice.ackOf(1);
  const got = await bob.next("message");
  assertEquals([got.from, got.content, got.verified], ["alice", "hi bob", true]);
});

Deno.test("an account's session may not change its name: nick is not_permitted", async () => {
  await using s = await startIdentityServer(accounts);
  await using alice = await loggedIn(s.tcp, { auth: ALICE });
  await alice.say({ type: "nick", content: "queen", id: "n" });
  await expectErrorOpen(alice, "not_permitted", "n");
  assertEquals((await who(alice)).map((e) => e.name), ["alice"]);
});

Deno.test("a token login bears its sub; its rooms claim limits join and who (not_permitted) and the rooms its who answers list", async () => {
  await using s = await startIdentityServer(accounts);
  const jwt = await sign(s.hmac, { sub: "carol", exp: inSeconds(600), rooms: ["Lobby", "ops"] });
  await using carol = await loggedIn(s.tcp, { auth: { jwt } });
  await using alice = await loggedIn(s.unix, { auth: ALICE });
  for (const room of ["lobby", "ops", "secret"]) {
    await alice.say({ type: "join", content: room, id: room });
    await alice.ackOf(room);
  }
  // The claim, in any spelling, lets carol in; another room does not.
  await carol.say({ type: "join", content: "lobby", id: "j1" });
  await carol.ackOf("j1");
  await carol.say({ type: "join", content: "secret", id: "j2" });
  await expectErrorOpen(carol, "not_permitted", "j2");
  await carol.say({ type: "who", room: "secret", id: "w" });
  await expectErrorOpen(carol, "not_permitted", "w");
  // Its who answers list only its rooms, of everyone; alice's answers list all of them.
  const seen = (entries: WhoEntry[]) =>
    Object.fromEntries(entries.map((e) => [e.name, [...e.rooms].sort()]));
  assertEquals(seen(await who(carol)), { alice: ["lobby", "ops"], carol: ["lobby"] });
  assertEquals(seen(await who(carol, "ops")), { alice: ["lobby", "ops"] });
  assertEquals(seen(await who(alice)), { alice: ["lobby", "ops", "secret"], carol: ["lobby"] });
  const entry = (await who(alice)).find((e) => e.name === "carol")!;
  strictEqual(entry.verified, true);
});

Deno.test("guests: with allowGuests a session without auth keeps its guest name; a name asked and nick are not_permitted", async () => {
  await using s = await startIdentityServer(accounts, { allowGuests: true });
  const { client: guest, answer } = await login(s.tcp, { name: "alice" });
  await using _ = guest;
  // The name's error is the session_ack's one answer: the session is open, as its guest.
  assertEquals([answer.type, answer.code], ["error", "not_permitted"]);
  const guestName = `guest-${guest.sessionId.slice(0, 8)}`;
  await guest.say({ type: "nick", content: "bob", id: "n" });
  await expectErrorOpen(guest, "not_permitted", "n");
  const entries = await who(guest);
  assertEquals(entries.map((e) => [e.name, e.verified]), [[guestName, undefined]]);
  // A guest and an account side by side.
  await using alice = await loggedIn(s.unix, { auth: ALICE });
  await guest.say({ type: "message", content: "hello", id: 1 });
  const got = await alice.next("message");
  assertEquals([got.from, "verified" in got], [guestName, false]);
});

Deno.test("without allowGuests, a session_ack without auth is unauthorized (login required) and closed", async () => {
  await using s = await startIdentityServer(accounts);
  const { client, answer } = await login(s.unix, {});
  await using _ = client;
  assertEquals([answer.type, answer.code, answer.content], [
    "error",
    "unauthorized",
    "login required",
  ]);
  await client.closed();
  assertEquals(s.server.sessions, []);
});

Deno.test("every refused login is unauthorized with the same words, and closed: wrong password, unknown user, a shape or kind not taken; --token is still required", async () => {
  await using s = await startIdentityServer(accounts, { token: "sesame" });
  const jwtOnAnotherKey = await sign({ ...s.hmac, signing: new Uint8Array(32) }, {
    sub: "carol",
    exp: inSeconds(60),
  });
  const refusals: [string, Partial<Frame>][] = [
    ["wrong password", { token: "sesame", auth: { ...ALICE, password: "guess" } }],
    ["unknown user", { token: "sesame", auth: { user: "mallory", password: "alice's pw" } }],
    ["badly signed token", { token: "sesame", auth: { jwt: jwtOnAnotherKey } }],
    ["both kinds at once", { token: "sesame", auth: { ...ALICE, jwt: "a.b.c" } }],
    ["not an object", { token: "sesame", auth: "alice:alice's pw" }],
  ];
  for (const [what, ack] of refusals) {
    const { client, answer } = await login(s.tcp, ack);
    assertEquals(
      [answer.type, answer.code, answer.content, answer.id],
      ["error", "unauthorized", "invalid credentials", "hs"],
      what,
    );
    await client.closed();
    await client.close();
  }
  // The right login without the token, or with a wrong one: the token's own refusal.
  for (const token of [undefined, "open"]) {
    const { client, answer } = await login(s.tcp, { token, auth: ALICE });
    assertEquals([answer.code, answer.content], [
      "unauthorized",
      token === undefined ? "a token is required" : "wrong token",
    ]);
    await client.close();
  }
  assertEquals(s.server.sessions, []);
  await using _alice = await loggedIn(s.tcp, { token: "sesame", auth: ALICE });
  strictEqual(s.server.sessions.length, 1);
});

Deno.test("a token login is refused on a server that takes passwords only", async () => {
  await using s = await startServer({
    authenticator: (await import("../../../src/server/identity/compose.ts")).standardAuthenticator({
      users: { accounts },
    }),
  });
  await using client = await RawClient.connect(s.tcp);
  const init = await client.handshake({ auth: { jwt: "a.b.c" } });
  assertEquals(init.login, ["password"]);
  await expectError(client, "unauthorized", "hs");
  await client.closed();
});

/** An authenticator that decides each login only when the test says so. */
interface HeldAuthenticator extends Authenticator {
  /** Resolves once a login is asked and waits for {@linkcode HeldAuthenticator.decide}. */
  asked(): Promise<void>;
  /** Decides the oldest login waiting: this identity, or (none) refused. */
  decide(identity?: Identity): void;
}

function heldAuthenticator(): HeldAuthenticator {
  const waiting: PromiseWithResolvers<Identity>[] = [];
  let ask = Promise.withResolvers<void>();
  return {
    methods: ["password"],
    asked: () => ask.promise,
    authenticate(): Promise<Identity> {
      const decision = Promise.withResolvers<Identity>();
      waiting.push(decision);
      ask.resolve();
      return decision.promise;
    },
    decide(identity?: Identity) {
      ask = Promise.withResolvers<void>();
      const next = waiting.shift()!;
      if (identity) next.resolve(identity);
      else next.reject(new LoginRefused("no"));
    },
  };
}

Deno.test("frames after a session_ack with auth wait for the login; the handshake timeout stops at that session_ack", async () => {
  const clock = new ManualClock(Date.now());
  const held = heldAuthenticator();
  await using s = await startServer({ authenticator: held, clock, handshakeTimeout: 1 });
  await using client = await RawClient.connect(s.tcp);
  const init = await client.next("session_init");
  // The session_ack and, in the same write, a ping and a message that must wait for the login.
  const sid = init.session_id as string;
  client.sessionId = sid;
  await client.write(
    [
      {
        type: "session_ack",
        content: "Session acknowledged",
        session_id: sid,
        id: "hs",
        auth: ALICE,
      },
      { type: "heartbeat", content: "ping", session_id: sid, id: "p" },
      { type: "who", session_id: sid, id: "w" },
    ].map((frame) => JSON.stringify(frame) + "\n").join(""),
  );
  await held.asked();
  // Far past the handshake timeout (1 s): the sweep runs, and the login is still awaited.
  clock.advance(5000);
  assertEquals(client.backlog, []);
  assert(!client.ended);
  held.decide({ account: "alice", verified: true, method: "password" });
  const ack = await client.ackOf("hs");
  strictEqual(ack.name, "alice");
  // Then the frames held back, in order.
  const pong = await client.next();
  assertEquals([pong.type, pong.id], ["heartbeat", "p"]);
  const list = await client.next();
  assertEquals([list.type, list.id], ["who", "w"]);
});

Deno.test("a session_ack without auth still has its handshake timeout; a refused login's frames after it are never handled", async () => {
  const clock = new ManualClock(Date.now());
  const held = heldAuthenticator();
  await using s = await startServer({ authenticator: held, clock, handshakeTimeout: 1 });
  await using slow = await RawClient.connect(s.tcp);
  await slow.next("session_init");
  clock.advance(2000);
  await expectError(slow, "handshake_timeout");

  await using refused = await RawClient.connect(s.unix);
  const init = await refused.next("session_init");
  const sid = init.session_id as string;
  await refused.write(
    [
      { type: "session_ack", session_id: sid, id: "hs", auth: ALICE },
      { type: "message", content: "sneaked", session_id: sid, id: "m" },
    ].map((frame) => JSON.stringify(frame) + "\n").join(""),
  );
  await held.asked();
  held.decide();
  await expectError(refused, "unauthorized", "hs");
  await refused.closed();
  assertEquals(refused.backlog, [], "nothing answers the message after a refused login");
});

Deno.test("one session per account: a new login ends the live one with 'logged in elsewhere', its rooms hear it quit; the new one starts in no room", async () => {
  await using s = await startIdentityServer(accounts);
  await using bob = await loggedIn(s.unix, { auth: BOB });
  await using first = await loggedIn(s.tcp, { auth: ALICE });
  for (const client of [bob, first]) {
    await client.say({ type: "join", content: "lobby", id: "j" });
    await client.ackOf("j");
  }
  const joined = await bob.next("notice");
  assertEquals([joined.event, joined.name, joined.verified], ["join", "alice", true]);
  await using second = await loggedIn(s.unix, { auth: { ...ALICE, user: "Alice" } });
  const bye = await first.next("disconnect");
  strictEqual(bye.content, "logged in elsewhere");
  await first.closed();
  const quit = await bob.next("notice");
  assertEquals([quit.event, quit.room, quit.name, quit.reason, quit.verified], [
    "leave",
    "lobby",
    "alice",
    "quit",
    true,
  ]);
  const entries = await who(bob);
  assertEquals(
    entries.map((e) => [e.session_id, e.name, e.rooms]).sort(),
    [[bob.sessionId, "bob", ["lobby"]], [second.sessionId, "alice", []]].sort(),
  );
  await sync(second);
  assertEquals(second.backlog.filter((f) => f.type === "disconnect"), []);
});

Deno.test("one session per account: token subs that compare equal are one account (Carol ends carol)", async () => {
  await using s = await startIdentityServer(accounts);
  const token = (sub: string) => sign(s.hmac, { sub, exp: inSeconds(600) });
  await using lower = await loggedIn(s.tcp, { auth: { jwt: await token("carol") } });
  await using upper = await loggedIn(s.unix, { auth: { jwt: await token("Carol") } });
  strictEqual((await lower.next("disconnect")).content, "logged in elsewhere");
  assertEquals((await who(upper)).map((e) => [e.session_id, e.name]), [[upper.sessionId, "Carol"]]);
});

Deno.test("one session per account: logins of one account at once leave exactly one session", async () => {
  await using s = await startIdentityServer(accounts);
  const attempts = await Promise.all(
    [s.tcp, s.unix, s.tcp].map((to) => RawClient.session(to, { auth: ALICE })),
  );
  try {
    // Each gets its ack, then all but one are ended (or ended before their ack).
    await Promise.all(attempts.map((client) => client.answerOf("hs", 15_000).catch(() => {})));
    const alive = s.server.sessions.filter((session) => session.name === "alice");
    strictEqual(alive.length, 1);
    for (const client of attempts) {
      if (client.sessionId === alive[0].id) continue;
      strictEqual((await client.next("disconnect")).content, "logged in elsewhere");
      await client.closed();
    }
  } finally {
    await Promise.all(attempts.map((client) => client.close()));
  }
});

Deno.test("revocation: the sessions of a removed account end with 'account removed', of a changed one with 'account changed'; the others go on", async () => {
  await using s = await startIdentityServer(
    await accountsOf({ alice: "a", bob: "b", carol: "c" }),
  );
  await using alice = await loggedIn(s.tcp, { auth: { user: "alice", password: "a" } });
  await using bob = await loggedIn(s.unix, { auth: { user: "bob", password: "b" } });
  await using carol = await loggedIn(s.tcp, { auth: { user: "carol", password: "c" } });
  const before = s.users.accounts;
  const renewed = (await accountsOf({ bob: "b2" })).get("bob")!;
  s.users.accounts = before.without("alice").with(renewed);
  s.server.accountsChanged(s.users.accounts.changesSince(before));
  strictEqual((await alice.next("disconnect")).content, "account removed");
  strictEqual((await bob.next("disconnect")).content, "account changed");
  await alice.closed();
  await bob.closed();
  await assertNothing(carol, "disconnect");
  assertEquals(s.server.sessions.map((session) => session.name), ["carol"]);
  // The new password works at once; the old one no longer does.
  await using _bob2 = await loggedIn(s.unix, { auth: { user: "bob", password: "b2" } });
  const { client, answer } = await login(s.tcp, { auth: { user: "alice", password: "a" } });
  await client.close();
  strictEqual(answer.code, "unauthorized");
});

Deno.test("without an authenticator nothing changes: any free name, nick allowed, no verified", async () => {
  await using s = await startServer();
  await using ada = await ready(s.tcp, { name: "ada", auth: ALICE });
  await ada.say({ type: "nick", content: "ada2", id: "n" });
  strictEqual((await ada.ackOf("n")).content, "ada2");
  const entries = await who(ada);
  assertEquals(entries.map((e) => [e.name, "verified" in e]), [["ada2", false]]);
});
