/**
 * The server's log (CLI.md, "Logs") from a real `chat server` process: each
 * session's opening and end with its peer address, refusals at `warn`
 * (never with the token), a refused connection logged as nothing else,
 * warnings of one kind once a second, and a log that never holds the
 * server up, even with standard error on a pipe nobody reads.
 *
 * @module
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { RawClient } from "../helpers/raw_client.ts";
import { expectErrorClosed, ready } from "../helpers/session.ts";
import { ChatProcess, localFlags, MAIN, PERMISSIONS, tempDir } from "../helpers/spawn.ts";

Deno.test("sessions open and end at info with their peer, name, reason and duration; a refusal is a warning with the peer and nothing else", async () => {
  await using dir = await tempDir();
  await using server = ChatProcess.spawn([
    "server",
    ...localFlags(`${dir.path}/s.sock`),
    "--token",
    "s3cret",
  ]);
  const { tcp, unix } = await server.listening(2);
  const alice = await ready(tcp!, { name: "alice", token: "s3cret" });
  const port = (alice.conn.localAddr as Deno.NetAddr).port;
  await alice.say({ type: "disconnect", content: "bye" });
  await alice.closed();
  await alice.close();
  const bob = await ready(unix!, { name: "bob", token: "s3cret" });
  await bob.close();
  await using mallory = await RawClient.session(tcp!, { name: "mallory", token: "hunter2" });
  await expectErrorClosed(mallory, "unauthorized", "hs");
  const malloryPort = (mallory.conn.localAddr as Deno.NetAddr).port;
  await server.waitForLine(/\("?bob"?\) ended/);
  await server.waitForLine(/refused/);
  const line = (id: string, what: RegExp) =>
    server.lines.find((l) => l.includes(id) && what.test(l));
  const bobEnd = line(bob.sessionId, /ended/) ?? "";
  const refused = server.lines.find((l) => l.includes("refused")) ?? "";
  ok(
    line(
      alice.sessionId,
      new RegExp(`\\[INF\\].* opened from "?tcp://127\\.0\\.0\\.1:${port}"? as "?alice`),
    ),
    server.stderr,
  );
  ok(
    line(
      alice.sessionId,
      new RegExp(
        `\\[INF\\].* from "?tcp://127\\.0\\.0\\.1:${port}"? \\("?alice"?\\) ended: "?disconnect"? after [\\d.]+ s`,
      ),
    ),
    server.stderr,
  );
  ok(line(bob.sessionId, /\[INF\].* opened from "?unix"? as "?bob/), server.stderr);
  ok(/\[INF\].*ended: "?peer_closed"? after/.test(bobEnd), bobEnd);
  ok(
    new RegExp(`\\[WRN\\].*refused "?tcp://127\\.0\\.0\\.1:${malloryPort}"?: "?unauthorized`).test(
      refused,
    ),
    refused,
  );
  // A refused connection is not a session: its refusal is all that is logged of it.
  deepStrictEqual(server.lines.filter((l) => l.includes(mallory.sessionId)), []);
  strictEqual(server.lines.filter((l) => /refused/.test(l)).length, 1);
  ok(!server.stderr.includes("hunter2") && !server.stderr.includes("s3cret"), "never a token");
  // Every log line shows its level.
  for (const l of server.lines.filter((l) => !l.startsWith("listening on"))) {
    ok(/\[(DBG|INF|WRN|ERR)\]/.test(l), l);
  }
});

Deno.test("warnings of one kind at most once a second; the next one says how many were left out", async () => {
  await using dir = await tempDir();
  await using server = ChatProcess.spawn([
    "server",
    "--unix",
    `${dir.path}/s.sock`,
    "--max-clients",
    "1",
    "--log-format",
    "json",
  ]);
  const { unix } = await server.listening(1);
  await using _only = await ready(unix!, { name: "only" });
  const records = () =>
    server.lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
      .filter((r) => r.properties?.code === "server_full");
  let refused = 0;
  // Refused connections, until a warning says some like it were left out.
  const deadline = Date.now() + 15_000;
  while (!records().some((r) => r.properties.left_out > 0)) {
    ok(Date.now() < deadline, `no warning told of those left out: ${server.stderr}`);
    await using full = await RawClient.connect(unix!);
    strictEqual((await full.next()).code, "server_full");
    await full.closed();
    refused++;
  }
  const logged = records();
  ok(logged.length >= 2 && logged.length < refused, `${logged.length} of ${refused} refusals`);
  const [first, second] = logged;
  ok(Date.parse(second["@timestamp"]) - Date.parse(first["@timestamp"]) >= 1000);
  strictEqual(first.properties.left_out, undefined);
  const leftOut = second.properties.left_out;
  ok(second.message.includes(`(${leftOut} more like it left out)`), second.message);
  // Every refusal was written or counted; the last few may wait for the next line.
  const accounted = logged.length + logged.reduce((n, r) => n + (r.properties.left_out ?? 0), 0);
  ok(accounted <= refused && refused - accounted < 50, `${accounted} of ${refused} accounted for`);
  strictEqual(first.level, "WARN");
  ok(typeof first.properties.peer === "string" && first.properties.peer === "unix");
});

Deno.test("with standard error on a pipe nobody reads, the server still serves 3,000 handshakes", async () => {
  await using dir = await tempDir();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, MAIN, "server", ...localFlags(`${dir.path}/s.sock`)],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let seen = "";
    while ((seen.match(/listening on/g) ?? []).length < 2) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the server did not start: ${seen}`);
      seen += value;
    }
    // From here on nobody reads: the pipe fills after a few hundred lines.
    const port = Number(seen.match(/listening on tcp:\/\/127\.0\.0\.1:(\d+)/)![1]);
    const targets = [
      { transport: "tcp" as const, hostname: "127.0.0.1", port },
      { transport: "unix" as const, path: `${dir.path}/s.sock` },
    ];
    let served = 0;
    const worker = async (w: number) => {
      for (let i = w; i < 3000; i += 20) {
        const client = await ready(targets[i % 2], { name: `user${i}` }).catch(() => undefined);
        if (!client) return;
        served++;
        await client.close();
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, w) => worker(w)));
    strictEqual(served, 3000);
  } finally {
    child.kill("SIGKILL");
    await child.status;
    await reader.cancel();
  }
});
