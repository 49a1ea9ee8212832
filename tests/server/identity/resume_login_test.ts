/**
 * Resume and login together (PROTOCOL.md section 11, "Resume", with the
 * away sessions of section 9), on real sockets: the resume is tried first
 * and needs no credentials; an account's session comes back verified, its
 * rooms claim too; a resume that recovers nothing is a login with its auth
 * alone (its name ignored); a newer login, or a change of the account,
 * drops the account's away session (its rooms hear it quit, its token no
 * longer works); a resume after the token's `exp` recovers nothing; with
 * `--store`, a restart drops the kept sessions the identity options no
 * longer admit.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, strictEqual } from "node:assert/strict";
import { ManualClock } from "../../../src/async/clock.ts";
import type { Frame } from "../../../src/protocol/messages.ts";
import { standardAuthenticator } from "../../../src/server/identity/compose.ts";
import type { CloseReason } from "../../../src/server/options.ts";
import { who } from "../../helpers/cluster.ts";
import { accountsOf, loggedIn, login, startIdentityServer } from "../../helpers/identity.ts";
import { sign } from "../../helpers/jwt_keys.ts";
import type { RawClient } from "../../helpers/raw_client.ts";
import { resumeOn } from "../../helpers/resume.ts";
import { startServer } from "../../helpers/server.ts";
import { expectErrorOpen, signal } from "../../helpers/session.ts";
import { tempDir } from "../../helpers/spawn.ts";

const accounts = await accountsOf({ alice: "alice's pw", bob: "bob's pw" });
const ALICE = { user: "alice", password: "alice's pw" };
const BOB = { user: "bob", password: "bob's pw" };

/** Seconds since the epoch, `seconds` from now. */
function inSeconds(seconds: number): number {
  return Math.floor(Date.now() / 1000) + seconds;
}

/** Hooks that tell when a session's connection ended, by session id. */
function ends() {
  const waiting = new Map<string, (reason: CloseReason) => void>();
  return {
    onSessionClose: (session: { id: string }, reason: CloseReason) =>
      waiting.get(session.id)?.(reason),
    /** Closes `client` abruptly and waits until the server noticed: it is away. */
    async cut(client: RawClient): Promise<void> {
      const ended = signal<CloseReason>();
      waiting.set(client.sessionId, ended.resolve);
      await client.close();
      await ended.promise;
    },
  };
}

/**
 * A resume with `token` (and `ack`'s fields) that recovers nothing: the
 * handshake's answer, and the `resumed` frame before it, if one came (a
 * session opened: `recovered` false; none when the login is refused).
 */
async function unresumed(
  to: Parameters<typeof login>[0],
  token: string,
  ack: Partial<Frame> = {},
): Promise<{ client: RawClient; resumed?: Frame; answer: Frame }> {
  const { client, answer } = await login(to, { resume: { token, seq: 0 }, ...ack });
  const resumed = client.backlog.find((frame) => frame.type === "resumed");
  return { client, resumed, answer };
}

Deno.test("an account's session resumes with its resume token alone, verified, its rooms claim kept", async () => {
  const hooks = ends();
  await using s = await startIdentityServer(accounts, { onSessionClose: hooks.onSessionClose });
  const jwt = await sign(s.hmac, { sub: "carol", exp: inSeconds(600), rooms: ["lobby"] });
  const carol = await loggedIn(s.tcp, { auth: { jwt } });
  const token = carol.init!.resume_token as string;
  await carol.say({ type: "join", content: "lobby", id: "j" });
  await carol.ackOf("j");
  await using bob = await loggedIn(s.unix, { auth: BOB });
  await hooks.cut(carol);
  const away = (await who(bob)).find((entry) => entry.name === "carol")!;
  assertEquals([away.away, away.verified], [true, true]);
  // No auth at all: the token is the secret.
  await using back = await resumeOn(s.tcp, token, 0);
  const { client, resumed } = back;
  assertEquals([(resumed.content as { recovered: boolean }).recovered, resumed.name], [
    true,
    "carol",
  ]);
  const entry = (await who(bob)).find((e) => e.name === "carol")!;
  assertEquals([entry.session_id, entry.away, entry.verified], [client.sessionId, undefined, true]);
  await client.say({ type: "join", content: "ops", id: "j2" });
  await expectErrorOpen(client, "not_permitted", "j2");
  await client.say({ type: "message", content: "back", id: 1 });
  await client.ackOf(1);
  const got = await bob.next("message");
  assertEquals([got.from, got.verified], ["carol", true]);
});

Deno.test("a resume that recovers nothing is a login with its auth alone: a guest (its name ignored), an account, or unauthorized", async () => {
  await using s = await startIdentityServer(accounts, { allowGuests: true });
  const guest = await unresumed(s.tcp, "no-such-token", { name: "mallory" });
  await using _guest = guest.client;
  assertEquals((guest.resumed?.content as { recovered: boolean }).recovered, false);
  assertEquals([guest.answer.type, guest.answer.name], [
    "ack",
    `guest-${guest.client.sessionId.slice(0, 8)}`,
  ]);
  const alice = await unresumed(s.unix, "no-such-token", { name: "mallory", auth: ALICE });
  await using _alice = alice.client;
  assertEquals([alice.answer.type, alice.answer.name], ["ack", "alice"]);

  await using strict = await startIdentityServer(accounts);
  const nobody = await unresumed(strict.tcp, "no-such-token");
  await using _nobody = nobody.client;
  assertEquals([nobody.answer.code, nobody.answer.content], ["unauthorized", "login required"]);
});

Deno.test("a newer login drops the account's away session: its rooms hear it quit, its resume token no longer works", async () => {
  const hooks = ends();
  await using s = await startIdentityServer(accounts, { onSessionClose: hooks.onSessionClose });
  await using bob = await loggedIn(s.unix, { auth: BOB });
  const old = await loggedIn(s.tcp, { auth: ALICE });
  const token = old.init!.resume_token as string;
  for (const client of [bob, old]) {
    await client.say({ type: "join", content: "lobby", id: "j" });
    await client.ackOf("j");
  }
  await bob.next("notice"); // alice joined
  await hooks.cut(old);
  await using fresh = await loggedIn(s.tcp, { auth: ALICE });
  const quit = await bob.next("notice");
  assertEquals([quit.event, quit.name, quit.reason], ["leave", "alice", "quit"]);
  assertEquals((await who(bob)).map((e) => [e.name, e.session_id, e.away]).sort(), [
    ["alice", fresh.sessionId, undefined],
    ["bob", bob.sessionId, undefined],
  ]);
  // The old token recovers nothing: a session_ack with no auth then, refused (its one answer).
  const stale = await unresumed(s.tcp, token);
  await using _stale = stale.client;
  assertEquals([stale.answer.code, stale.resumed], ["unauthorized", undefined]);
});

Deno.test("a change of the account drops its away session too: its token recovers nothing", async () => {
  const hooks = ends();
  await using s = await startIdentityServer(accounts, { onSessionClose: hooks.onSessionClose });
  await using bob = await loggedIn(s.unix, { auth: BOB });
  const alice = await loggedIn(s.tcp, { auth: ALICE });
  const token = alice.init!.resume_token as string;
  await hooks.cut(alice);
  const before = s.users.accounts;
  s.users.accounts = before.without("alice");
  s.server.accountsChanged(s.users.accounts.changesSince(before));
  assertEquals((await who(bob)).map((e) => e.name), ["bob"]);
  const gone = await unresumed(s.tcp, token, { auth: ALICE });
  await using _gone = gone.client;
  assertEquals([gone.answer.code, gone.resumed], ["unauthorized", undefined]);
});

Deno.test("a session outlives its token's exp, but a resume after exp plus the leeway recovers nothing", async () => {
  const clock = new ManualClock(Date.now());
  const hooks = ends();
  await using s = await startIdentityServer(accounts, {
    clock,
    allowGuests: true,
    onSessionClose: hooks.onSessionClose,
  });
  const jwt = await sign(s.hmac, { sub: "carol", exp: inSeconds(5) });
  const carol = await loggedIn(s.tcp, { auth: { jwt } });
  const token = carol.init!.resume_token as string;
  await hooks.cut(carol);
  // Beside it, a token valid for long: its session resumes at the same time.
  const longer = await sign(s.hmac, { sub: "dave", exp: inSeconds(600) });
  const dave = await loggedIn(s.tcp, { auth: { jwt: longer } });
  const daves = dave.init!.resume_token as string;
  await hooks.cut(dave);
  // 5 s to its exp, and 30 s of leeway: 40 s later it is past both (and within the resume window).
  clock.advance(40_000);
  await using back = await resumeOn(s.unix, daves, 0);
  assertEquals((back.resumed.content as { recovered: boolean }).recovered, true);
  const late = await unresumed(s.unix, token);
  await using _late = late.client;
  assertEquals((late.resumed?.content as { recovered: boolean }).recovered, false);
  strictEqual(late.answer.name, `guest-${late.client.sessionId.slice(0, 8)}`, "a guest, anew");
});

Deno.test("--store: a restart keeps an account's session resumable, and drops those the identity options no longer admit", async () => {
  await using dir = await tempDir();
  const store = `${dir.path}/chat.db`;
  const users = { accounts };
  const identity = (allowGuests: boolean) => ({
    authenticator: standardAuthenticator({ users }),
    allowGuests,
    store,
  });
  const tokens: Record<string, string> = {};
  {
    await using first = await startServer(identity(true));
    for (const [name, ack] of [["alice", { auth: ALICE }], ["bob", { auth: BOB }], ["guest", {}]]) {
      const client = await loggedIn(first.tcp, ack as Partial<Frame>);
      tokens[name as string] = client.init!.resume_token as string;
      await client.close();
    }
  }
  // Bob removed, guests no longer let in: their kept sessions are dropped at start.
  users.accounts = accounts.without("bob");
  await using second = await startServer(identity(false));
  const names = second.server.sessions.map((session) => session.name);
  assertEquals(names, ["alice"]);
  await using alice = await resumeOn(second.tcp, tokens.alice, 0);
  assertEquals((alice.resumed.content as { recovered: boolean }).recovered, true);
  const entries = await who(alice.client);
  assertEquals(entries.map((e) => [e.name, e.verified]), [["alice", true]]);
  for (const name of ["bob", "guest"]) {
    const { client, resumed, answer } = await unresumed(second.unix, tokens[name]);
    await client.close();
    assertEquals([answer.code, resumed], ["unauthorized", undefined], name);
  }
});
