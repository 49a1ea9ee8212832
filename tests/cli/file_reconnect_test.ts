/**
 * `chat client file --reconnect` across a server killed with SIGKILL and
 * started again on the same `--store` (real processes): every line is
 * delivered exactly once, in order, and the run exits 0.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { resumeOn } from "../helpers/resume.ts";
import { ready } from "../helpers/session.ts";
import { ChatProcess, tempDir } from "../helpers/spawn.ts";

/** `chat server` on a Unix socket with `--store`; resolves once it listens. */
async function storeServer(dir: string): Promise<ChatProcess> {
  const server = ChatProcess.spawn([
    "server",
    "--unix",
    `${dir}/chat.sock`,
    "--store",
    `${dir}/h.db`,
  ]);
  await server.listening();
  return server;
}

Deno.test("chat client file --reconnect: a server killed and restarted on its --store, every line delivered once, exit 0", async () => {
  await using dir = await tempDir();
  const sock = { transport: "unix" as const, path: `${dir.path}/chat.sock` };
  let server = await storeServer(dir.path);
  try {
    const rx = await ready(sock, { name: "rx" });
    const token = rx.init!.resume_token as string;
    await using client = ChatProcess.spawn(
      ["client", "file", "-", "--reconnect", "--unix", sock.path, "--name", "tx"],
      { stdin: true },
    );
    const text = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}\n`).join("");
    await client.input(text(1, 40));
    const got: string[] = [];
    let seen = 0;
    while (got.length < 40) {
      const m = await rx.next("message");
      got.push(m.content as string);
      seen = m.seq as number;
    }
    server.kill("SIGKILL");
    await server.status();
    await rx.close();
    // Written while the server is away: they wait for the resume.
    await client.input(text(41, 60));
    server = await storeServer(dir.path);
    await client.input(text(61, 80) + "exit\n", true);
    const done = await client.finished();
    strictEqual(done.code, 0, done.stderr);
    ok(/resumed/.test(done.stderr), done.stderr);
    await using back = await resumeOn(sock, token, seen);
    strictEqual((back.resumed.content as { recovered: boolean }).recovered, true);
    const all = [...got, ...back.replayed.map((m) => m.content as string)];
    deepStrictEqual(all, text(1, 80).trim().split("\n"));
  } finally {
    server.kill("SIGTERM");
    await server[Symbol.asyncDispose]();
  }
});

Deno.test("chat client file --reconnect: a server stopped cleanly is said in the client's own words, each line 'chat: ...'", async () => {
  await using dir = await tempDir();
  let server = await storeServer(dir.path);
  try {
    await using client = ChatProcess.spawn(
      ["client", "file", "-", "--reconnect", "--unix", `${dir.path}/chat.sock`],
      { stdin: true },
    );
    {
      await using rx = await ready({ transport: "unix", path: `${dir.path}/chat.sock` });
      await client.input("before\n");
      strictEqual((await rx.next("message")).content, "before"); // the client is in
    }
    server.kill("SIGTERM");
    await server.status();
    const said = await client.waitForLine(/server disconnected/);
    strictEqual(said.input, "chat: server disconnected: server shutting down");
    await client.waitForLine(/^chat: lost the server \(server shutting down\); reconnecting$/);
    server = await storeServer(dir.path);
    await client.waitForLine(/^chat: resumed after \d+ tr(y|ies)$/);
    await client.input("after\nexit\n", true);
    const done = await client.finished();
    strictEqual(done.code, 0, done.stderr);
  } finally {
    server.kill("SIGTERM");
    await server[Symbol.asyncDispose]();
  }
});
