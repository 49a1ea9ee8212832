/**
 * Attacks on the server's log (issue 11, logs): handshakes with standard
 * error on a pipe nobody reads; a flood of refused connections
 * (`server_full`) and how many warning lines it makes; and whether a
 * refused token and peer addresses show in the log at the default level.
 *
 * @module
 */

import { RawClient } from "../../tests/helpers/raw_client.ts";
import { ready } from "../../tests/helpers/session.ts";
import { AttackTarget } from "./target.ts";

/** What the log attacks measured. */
export interface LogFigures {
  /** Handshakes completed with standard error unread, within the time allowed. */
  handshakesWithStderrUnread: number;
  handshakesTried: number;
  /** Seconds the full-server flood lasted, connections refused, and warning lines about them. */
  floodSeconds: number;
  refusedConnections: number;
  fullWarningLines: number;
  /** Whether a wrong token's refusal shows in the log at the default level. */
  wrongTokenLogged: boolean;
  /** Whether the wrong token itself shows in the log. */
  tokenInLog: boolean;
  /** Whether the peer address (`127.0.0.1:<port>` of a client) shows in any line. */
  peerAddressLogged: boolean;
}

/** Runs the log attacks against a server of `root`. */
export async function logAttack(root?: string, tries = 3000, seconds = 5): Promise<LogFigures> {
  // 1. Standard error on a pipe nobody reads.
  let handshakes = 0;
  {
    await using target = await AttackTarget.start([], { root, stderr: "unread" });
    const until = Date.now() + 30_000;
    const worker = async (w: number) => {
      for (let i = w; i < tries && Date.now() < until; i += 20) {
        const client = await withTimeout(ready(i % 2 ? target.unix : target.tcp), 5000);
        if (!client) return;
        handshakes++;
        await client.close();
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, w) => worker(w)));
  }
  // 2. A full server, hammered.
  await using target = await AttackTarget.start(["--max-clients", "1", "--token", "s3cret"], {
    root,
  });
  await using _only = await ready(target.unix, { token: "s3cret" });
  let refused = 0;
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    await using client = await RawClient.connect(target.unix);
    const first = await client.next(undefined, 5000).catch(() => undefined);
    if (first?.code === "server_full") refused++;
  }
  const fullLines = target.lines.filter((line) => /server.?full/i.test(line)).length;
  // 3. A wrong token, and where the peer shows.
  await using other = await AttackTarget.start(["--token", "s3cret"], { root });
  await using mallory = await RawClient.session(other.tcp, { token: "hunter2-wrong" });
  await mallory.answerOf("hs");
  await mallory.closed();
  const port = (mallory.conn.localAddr as Deno.NetAddr).port;
  await using alice = await ready(other.tcp, { name: "alice", token: "s3cret" });
  await alice.say({ type: "disconnect", content: "bye" });
  await alice.closed();
  const alicePort = (alice.conn.localAddr as Deno.NetAddr).port;
  // The log is written in the background: give it a moment.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const text = other.lines.join("\n");
  return {
    handshakesWithStderrUnread: handshakes,
    handshakesTried: tries,
    floodSeconds: seconds,
    refusedConnections: refused,
    fullWarningLines: fullLines,
    wrongTokenLogged: new RegExp(`unauthorized|wrong token`).test(text) &&
      text.includes(String(port)),
    tokenInLog: text.includes("hunter2-wrong"),
    peerAddressLogged: text.includes(`127.0.0.1:${alicePort}`),
  };
}

/** `promise`'s value, or undefined once `ms` passed (or when it rejects). */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) =>
    timer = setTimeout(() => resolve(undefined), ms)
  );
  try {
    return await Promise.race([promise.catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}
