/**
 * The guessing throttle (PROTOCOL.md section 11): 5 refused or pending
 * logins naming one account per address, or 20 in all, within 60 s;
 * refusals by the rule not counted; addresses by IPv4 address, IPv6 /64
 * and all Unix peers as one; bounded memory under a flood of addresses.
 *
 * @module
 */

import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { ManualClock } from "../../../src/async/clock.ts";
import { Accounts } from "../../../src/server/identity/accounts.ts";
import { LoginGate } from "../../../src/server/identity/gate.ts";
import { passwordAuthenticator } from "../../../src/server/identity/password_authenticator.ts";
import { peerBucket } from "../../../src/server/identity/peer_bucket.ts";
import { hashPassword } from "../../../src/server/identity/scrypt_hash.ts";
import { type LoginAttempt, LoginThrottle } from "../../../src/server/identity/throttle.ts";

const HOME = "tcp://203.0.113.5:41000";

Deno.test("throttle: 5 wrong passwords, then the right one is refused from that address, accepted from another, and after 60 s", async () => {
  const clock = new ManualClock(1_000_000);
  const accounts = Accounts.EMPTY.with({ name: "alice", password: await hashPassword("right") });
  const gate = new LoginGate({
    authenticator: passwordAuthenticator({ users: { accounts } }),
    clock,
  });
  const right = { user: "alice", password: "right" };
  for (let i = 0; i < 5; i++) {
    await rejects(
      gate.admit({ user: "Alice", password: `wrong${i}` }, `tcp://203.0.113.5:${41000 + i}`),
      {
        code: "unauthorized",
        log: {
          peer: `tcp://203.0.113.5:${41000 + i}`,
          user: "Alice",
          reason: "wrong password",
          throttled: false,
        },
      },
    );
  }
  await rejects(gate.admit(right, HOME), {
    code: "unauthorized",
    message: "invalid credentials",
    log: {
      peer: HOME,
      user: "alice",
      reason: "too many refused logins from this address",
      throttled: true,
    },
  });
  strictEqual((await gate.admit(right, "tcp://203.0.113.6:41000"))?.account, "alice");
  clock.advance(59_999);
  await rejects(
    gate.admit(right, HOME),
    (error: { log: { throttled: boolean } }) => error.log.throttled,
    "59.999 s later: still within",
  );
  clock.advance(1);
  strictEqual((await gate.admit(right, HOME))?.account, "alice", "60 s after the refusals");
});

/** Starts `n` logins naming `account` from `peer` and refuses them. */
function refuse(throttle: LoginThrottle, peer: string, account: string | undefined, n: number) {
  for (let i = 0; i < n; i++) {
    const attempt = throttle.begin(peer, account);
    ok(attempt, `attempt ${i + 1} of ${n} let through`);
    attempt.refused();
  }
}

Deno.test("throttle: accounts compare as section 2 names; 20 in all per address; other addresses untouched", () => {
  const throttle = new LoginThrottle(new ManualClock());
  refuse(throttle, HOME, "ｂｏｂ", 5);
  strictEqual(throttle.begin(HOME, "BOB"), undefined, "ｂｏｂ and BOB are one name");
  refuse(throttle, HOME, "carol", 4);
  refuse(throttle, HOME, undefined, 11); // unreadable names count in all
  strictEqual(throttle.begin(HOME, "dave"), undefined, "20 in all from this address");
  strictEqual(throttle.begin(HOME, undefined), undefined);
  ok(throttle.begin("tcp://203.0.113.99:1", "bob"), "another address");
});

Deno.test("throttle: pending logins count; accepted ones do not; refusals by the rule do not count", () => {
  const clock = new ManualClock();
  const throttle = new LoginThrottle(clock);
  const pending: LoginAttempt[] = [];
  for (let i = 0; i < 5; i++) pending.push(throttle.begin(HOME, "alice")!);
  strictEqual(throttle.begin(HOME, "alice"), undefined, "5 pending");
  pending.pop()!.accepted();
  const sixth = throttle.begin(HOME, "alice");
  ok(sixth, "4 pending: one more may try");
  sixth.accepted();
  for (const attempt of pending) attempt.accepted();
  for (let i = 0; i < 30; i++) throttle.begin(HOME, "alice")!.accepted(); // successes never count
  // 20 refusals now; refusals by the rule 50 s later; 60 s after the first ones, room again.
  refuse(throttle, HOME, undefined, 20);
  clock.advance(50_000);
  for (let i = 0; i < 10; i++) strictEqual(throttle.begin(HOME, "alice"), undefined);
  clock.advance(10_001);
  ok(throttle.begin(HOME, "alice"), "the throttled ones did not count");
  // Settling twice, or late, changes nothing.
  const attempt = throttle.begin(HOME, "zed")!;
  attempt.refused();
  attempt.accepted();
  refuse(throttle, HOME, "zed", 4);
  strictEqual(throttle.begin(HOME, "zed"), undefined);
});

Deno.test("throttle: an IPv4 address, an IPv6 /64 and all Unix peers are each one address", () => {
  deepStrictEqual(
    [
      "tcp://192.0.2.1:1",
      "ws://192.0.2.1:2",
      "tcp://[::ffff:192.0.2.1]:3",
      "tcp://[2001:db8:0:1::1]:1",
      "tcp://[2001:DB8:0:1:ffff:ffff:ffff:ffff]:2",
      "ws://[2001:db8::1:0:0:0:7]:3",
      "tcp://[2001:db8:0:2::1]:1",
      "tcp://[fe80::1%eth0]:1",
      "tcp://[::1]:9",
      "unix",
      "unix:///tmp/chat.sock",
    ].map(peerBucket),
    [
      "192.0.2.1",
      "192.0.2.1",
      "192.0.2.1",
      "2001:db8:0:1::/64",
      "2001:db8:0:1::/64",
      "2001:db8:0:1::/64",
      "2001:db8:0:2::/64",
      "fe80:0:0:0::/64",
      "0:0:0:0::/64",
      "unix",
      "unix",
    ],
  );
  const throttle = new LoginThrottle(new ManualClock());
  refuse(throttle, "tcp://[2001:db8:0:1::1]:1", "alice", 5);
  strictEqual(throttle.begin("tcp://[2001:db8:0:1::beef]:2", "alice"), undefined, "same /64");
  ok(throttle.begin("tcp://[2001:db8:0:2::1]:1", "alice"), "another /64");
  refuse(throttle, "unix", "alice", 5);
  strictEqual(throttle.begin("unix", "alice"), undefined, "every Unix peer is one");
});

Deno.test("throttle: memory stays bounded under a flood of addresses", () => {
  const clock = new ManualClock();
  const throttle = new LoginThrottle(clock, { maxAddresses: 1000 });
  for (let i = 0; i < 20_000; i++) {
    const peer = `tcp://10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:1`;
    refuse(throttle, peer, "alice", 1);
  }
  strictEqual(throttle.addresses, 1000);
  // The addresses seen last are still remembered.
  refuse(throttle, "tcp://10.0.78.31:1", "alice", 4); // i = 19999
  strictEqual(throttle.begin("tcp://10.0.78.31:1", "alice"), undefined);
  // Each address holds at most 20 attempts: the next ones are refused, not stored.
  for (let i = 0; i < 1000; i++) throttle.begin("tcp://192.0.2.200:1", `user${i}`)?.refused();
  strictEqual(throttle.addresses, 1000);
});
