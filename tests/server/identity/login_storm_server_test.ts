/**
 * A storm of logins against a real `chat server --users` process, on real
 * sockets: 200 password logins from 50 addresses (127.0.2.1 to 127.0.2.50,
 * four each: the right password, a wrong one, an unknown user, the right
 * one again), while a control session beside them measures its heartbeat
 * round trips. Hashing runs in the thread pool, two at a time, so the
 * control session's p99 stays under half the time one hash would
 * stall it (measured in the same run).
 *
 * @module
 */

import { deepStrictEqual, ok } from "node:assert/strict";
import { Accounts } from "../../../src/server/identity/accounts.ts";
import { hashPassword } from "../../../src/server/identity/scrypt_hash.ts";
import { writeUsersFile } from "../../../src/server/identity/users_file.ts";
import { loginFrom } from "../../helpers/bound_login.ts";
import { loggedIn } from "../../helpers/identity.ts";
import { blockingHashMs, quantile, stormLogins } from "../../helpers/login_storm.ts";
import { ChatProcess, tcpFlags, tempDir } from "../../helpers/spawn.ts";

Deno.test("login storm: 200 logins from 50 addresses leave a control session's round trip p99 under half a blocking hash", async () => {
  await using dir = await tempDir();
  const users = `${dir.path}/users.json`;
  const names = Array.from({ length: 50 }, (_, i) => `user${i}`);
  // One hash for every account: the storm is about checking them, not making them.
  const s3cret = await hashPassword("s3cret");
  const accounts = [...names, "control"].reduce(
    (all, name) => all.with({ name, password: s3cret }),
    Accounts.EMPTY,
  );
  await writeUsersFile(users, accounts);
  await using server = ChatProcess.spawn(["server", ...tcpFlags(0), "--users", users]);
  const { tcp } = await server.listening();
  const port = tcp!.port;
  await using control = await loggedIn(tcp!, { auth: { user: "control", password: "s3cret" } });

  const logins = stormLogins(names, "s3cret", (i) => `127.0.2.${i + 1}`);
  deepStrictEqual(logins.length, 200);

  // The control session: one ping at a time, each round trip measured, until the storm is over.
  const rtts: number[] = [];
  let stormOver = false;
  const pinging = (async () => {
    for (let i = 0; !stormOver; i++) {
      const sent = performance.now();
      await control.say({ type: "heartbeat", content: "ping", id: i });
      await control.next((frame) => frame.type === "heartbeat" && frame.id === i);
      rtts.push(performance.now() - sent);
      // Paced by the round trips themselves, with a pause of its own.
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  const started = performance.now();
  let answers;
  try {
    answers = await Promise.all(
      logins.map(({ from, auth }) => loginFrom(from, port, { auth }, 120_000)),
    );
  } finally {
    stormOver = true;
    await pinging;
  }
  const stormMs = performance.now() - started;

  answers.forEach(({ answer }, i) => {
    deepStrictEqual(answer.type === "ack", logins[i].ok, JSON.stringify([logins[i], answer]));
  });
  const p50 = quantile(rtts, 0.5);
  const p99 = quantile(rtts, 0.99);
  const max = Math.max(...rtts);
  const loginMs = answers.map(({ ms }) => ms);
  console.log(
    `login storm: 200 logins from 50 addresses in ${(stormMs / 1000).toFixed(1)} s ` +
      `(${(200_000 / stormMs).toFixed(1)}/s; each answered in ${
        quantile(loginMs, 0.5).toFixed(0)
      } ms at the median, ${Math.max(...loginMs).toFixed(0)} ms at most); the control ` +
      `session's round trip over ${rtts.length} pings: p50 ${p50.toFixed(1)} ms, ` +
      `p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms`,
  );
  ok(rtts.length > 100, `the control session pinged (${rtts.length} round trips)`);
  // One hash on the loop would hold it for a whole hash: the pauses stay far under one.
  const hashMs = blockingHashMs();
  ok(
    p99 < hashMs / 2,
    `round trip p99 ${p99.toFixed(1)} ms, one blocking hash ${hashMs.toFixed(0)} ms`,
  );
});
