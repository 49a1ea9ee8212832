/**
 * Who is who across a cluster (PROTOCOL.md section 11): three `chat server
 * --cluster` processes with the same users file and key on one NATS. An
 * account's name is held cluster-wide; a second login on another node ends
 * the first (`logged in elsewhere`), also when logins of one account come
 * at once on every node; `verified` crosses nodes on `who` and messages;
 * the users file read again ends the sessions of a removed account on
 * every node.
 *
 * @module
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { eventually, natsTest, startCluster, who, whoShows } from "../../helpers/cluster.ts";
import { loggedIn, login, LOGIN_MS } from "../../helpers/identity.ts";
import { AUDIENCE, identityFiles, PASSWORDS } from "../../helpers/identity_process.ts";
import { sign } from "../../helpers/jwt_keys.ts";
import type { RawClient } from "../../helpers/raw_client.ts";
import { sync } from "../../helpers/session.ts";
import { ChatProcess } from "../../helpers/spawn.ts";

const ALICE = { auth: { user: "alice", password: PASSWORDS.alice } };
const BOB = { auth: { user: "bob", password: PASSWORDS.bob } };

natsTest(
  "three nodes: one session per account across the cluster, verified everywhere, revocation on every node",
  async (t) => {
    await using files = await identityFiles();
    const identity = [
      "--users",
      files.users,
      "--jwt-key",
      files.key,
      "--jwt-audience",
      AUDIENCE,
      "--allow-guests",
    ];
    await using cluster = await startCluster(["tcp", "unix", "tcp"], identity);
    const [a, b, c] = cluster.nodes;
    await using guest = await loggedIn(c.addresses.tcp!, {});
    const guestName = `guest-${guest.sessionId.slice(0, 8)}`;

    await t.step(
      "a second login on another node ends the first with 'logged in elsewhere'",
      async () => {
        await using first = await loggedIn(a.addresses.tcp!, ALICE);
        await whoShows(guest, ["alice", guestName]);
        await using second = await loggedIn(b.addresses.unix!, ALICE);
        strictEqual((await first.next("disconnect", LOGIN_MS)).content, "logged in elsewhere");
        await first.closed();
        const entries = await whoShows(guest, ["alice", guestName]);
        const alice = entries.find((entry) => entry.name === "alice")!;
        deepStrictEqual([alice.session_id, alice.verified, alice.transport], [
          second.sessionId,
          true,
          "unix",
        ]);
      },
    );

    await t.step(
      "verified crosses nodes on who entries and relayed messages; a guest's does not",
      async () => {
        await using bob = await loggedIn(a.addresses.tcp!, BOB);
        const jwt = await sign(files.rsa, {
          sub: "carol",
          aud: AUDIENCE,
          exp: Math.floor(Date.now() / 1000) + 600,
        });
        await using carol = await loggedIn(b.addresses.unix!, { auth: { jwt } });
        // alice's connection of the step before ended without a disconnect: she is away.
        const entries = await whoShows(guest, ["alice", "bob", "carol", guestName]);
        deepStrictEqual(
          entries.map((entry) => [entry.name, entry.verified ?? false, entry.away ?? false])
            .sort(),
          [["alice", true, true], ["bob", true, false], ["carol", true, false], [
            guestName,
            false,
            false,
          ]],
        );
        await bob.say({ type: "message", content: "from node a", id: 1 });
        await bob.ackOf(1);
        for (const client of [carol, guest]) {
          const got = await client.next("message");
          deepStrictEqual([got.from, got.verified], ["bob", true]);
        }
        await guest.say({ type: "message", content: "from a guest", id: 2 });
        await guest.ackOf(2);
        const fromGuest = await bob.next("message");
        deepStrictEqual([fromGuest.from, "verified" in fromGuest], [guestName, false]);
      },
    );

    await t.step(
      "logins of one account at once on every node leave exactly one session",
      async () => {
        const attempts = await Promise.all(
          [a.addresses.tcp!, b.addresses.unix!, c.addresses.tcp!].map((to) => login(to, ALICE)),
        );
        const clients: RawClient[] = attempts.map(({ client }) => client);
        try {
          // Two of them end; the one left is the account's session, which who shows.
          await eventually(
            "all but one of the logins to end",
            () =>
              Promise.resolve(clients.filter((client) => client.ended).length === 2 || undefined),
            LOGIN_MS,
          );
          const [holder] = clients.filter((client) => !client.ended);
          for (const { client, answer } of attempts.filter(({ client }) => client.ended)) {
            // A refused login's answer is its error; an ended session's last word its disconnect.
            const bye = [answer, ...client.backlog].find((frame) =>
              frame.type === "disconnect" || frame.type === "error"
            );
            ok(
              bye?.content === "logged in elsewhere" || bye?.code === "unauthorized",
              JSON.stringify(client.backlog),
            );
          }
          await eventually("who to show the one left", async () => {
            const alices = (await who(guest)).filter((entry) => entry.name === "alice");
            return alices.length === 1 && alices[0].session_id === holder.sessionId || undefined;
          });
          await sync(holder);
        } finally {
          await Promise.all(clients.map((client) => client.close()));
        }
      },
    );

    await t.step(
      "the users file read again ends a removed account's session on whatever node",
      async () => {
        await using bob = await loggedIn(c.addresses.tcp!, BOB);
        const removed = await ChatProcess.run(["user", "remove", "bob", "--users", files.users]);
        strictEqual(removed.code, 0, removed.stderr);
        strictEqual((await bob.next("disconnect", LOGIN_MS)).content, "account removed");
        await bob.closed();
        const { client, answer } = await login(a.addresses.tcp!, BOB);
        await client.close();
        strictEqual(answer.code, "unauthorized");
      },
    );
  },
);

natsTest(
  "an account logged in on two nodes while NATS was away: once it is back, one session is left, the other ends with 'logged in elsewhere'",
  async () => {
    await using files = await identityFiles();
    // Sessions here send no heartbeats: a long silence allowed, and a short presence TTL.
    const args = [
      "--users",
      files.users,
      "--heartbeat-timeout",
      "1.5",
      "--heartbeat-retries",
      "40",
    ];
    await using cluster = await startCluster(2, args);
    const { nats, nodes: [a, b] } = cluster;
    await using first = await loggedIn(a.addresses.tcp!, ALICE);
    await whoShows(first, ["alice"]);

    await nats.kill();
    for (const node of [a, b]) await node.process.waitForLine(/cluster: lost NATS/);
    // Node B cannot reach node A: the login there holds the name on B alone.
    await using second = await loggedIn(b.addresses.tcp!, ALICE);

    await nats.restart();
    for (const node of [a, b]) await node.process.waitForLine(/cluster: presence restored/);
    const ended = await eventually(
      "one of the two sessions to end",
      () => Promise.resolve([first, second].find((client) => client.ended)),
      LOGIN_MS,
    );
    const bye = ended.backlog.find((frame) => frame.type === "disconnect");
    strictEqual(bye?.content, "logged in elsewhere");
    const left = ended === first ? second : first;
    const alices = await whoShows(left, ["alice"]);
    strictEqual(alices[0].session_id, left.sessionId);
  },
);
