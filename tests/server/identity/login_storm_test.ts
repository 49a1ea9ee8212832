/**
 * A storm of 200 password logins from 50 addresses, through the gate and
 * its throttle, while a control loop measures how late its timers fire:
 * hashing runs in the thread pool, two at a time, so the event loop stays
 * on time (p99 lag under half the time one hash would stall it,
 * measured in the same run).
 *
 * @module
 */

import { ok, strictEqual } from "node:assert/strict";
import { Accounts } from "../../../src/server/identity/accounts.ts";
import { LoginGate } from "../../../src/server/identity/gate.ts";
import { passwordAuthenticator } from "../../../src/server/identity/password_authenticator.ts";
import { hashPassword } from "../../../src/server/identity/scrypt_hash.ts";
import { blockingHashMs, quantile, stormLogins } from "../../helpers/login_storm.ts";

Deno.test("login storm: 200 logins from 50 addresses keeps the event loop's timer lag p99 under half a blocking hash", async () => {
  const names = Array.from({ length: 50 }, (_, i) => `user${i}`);
  const s3cret = await hashPassword("s3cret");
  const accounts = names.reduce((a, name) => a.with({ name, password: s3cret }), Accounts.EMPTY);
  const gate = new LoginGate({
    authenticator: passwordAuthenticator({ users: { accounts } }),
  });
  // Each address: its account's right password, a wrong one, an unknown user, the right one again.
  const logins = stormLogins(names, "s3cret", (i) => `tcp://192.0.2.${i + 1}:${50000 + i}`);
  strictEqual(logins.length, 200);

  // The control loop: a 10 ms timer, each firing's lateness measured, until the storm is over.
  const PERIOD = 10;
  const lags: number[] = [];
  let stormOver = false;
  const control = new Promise<void>((resolve) => {
    let due = performance.now() + PERIOD;
    const tick = () => {
      const now = performance.now();
      lags.push(now - due);
      if (stormOver) return resolve();
      due = now + PERIOD;
      setTimeout(tick, PERIOD);
    };
    setTimeout(tick, PERIOD);
  });
  const started = performance.now();
  const results = await Promise.allSettled(
    logins.map((login) => gate.admit(login.auth, login.from)),
  );
  const stormMs = performance.now() - started;
  stormOver = true;
  await control;

  results.forEach((result, i) => {
    strictEqual(result.status === "fulfilled", logins[i].ok, JSON.stringify(logins[i].auth));
  });
  const p50 = quantile(lags, 0.5);
  const p99 = quantile(lags, 0.99);
  const max = Math.max(...lags);
  console.log(
    `login storm: 200 logins in ${(stormMs / 1000).toFixed(1)} s ` +
      `(${(200_000 / stormMs).toFixed(1)}/s); timer lag over ${lags.length} ticks: ` +
      `p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms`,
  );
  ok(lags.length > 100, `the control loop ran (${lags.length} ticks)`);
  // One hash on the loop would hold it for a whole hash: the pauses stay far under one.
  const hashMs = blockingHashMs();
  ok(
    p99 < hashMs / 2,
    `timer lag p99 ${p99.toFixed(1)} ms, one blocking hash ${hashMs.toFixed(0)} ms`,
  );
});
