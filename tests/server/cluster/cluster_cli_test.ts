/**
 * `chat server --cluster` on the command line (CLI.md): the flag and
 * `CHAT_CLUSTER`, a malformed URL (exit 2), a NATS that cannot be reached
 * (exit 1), and the help.
 *
 * @module
 */

import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { parseServerArgs } from "../../../src/cli/server_command.ts";
import { natsTest, startNats, whoShows } from "../../helpers/cluster.ts";
import { ready } from "../../helpers/session.ts";
import { ChatProcess, tempDir } from "../../helpers/spawn.ts";

const noEnv = () => undefined;

Deno.test("--cluster and CHAT_CLUSTER take nats://HOST:PORT; the flag wins", () => {
  strictEqual(
    parseServerArgs(["--cluster", "nats://127.0.0.1:4223"], noEnv)!.options.cluster,
    "nats://127.0.0.1:4223",
  );
  strictEqual(
    parseServerArgs(["--cluster", "nats://nats"], noEnv)!.options.cluster,
    "nats://nats:4222",
  );
  const env = (name: string) => name === "CHAT_CLUSTER" ? "nats://from-env:1" : undefined;
  strictEqual(parseServerArgs([], env)!.options.cluster, "nats://from-env:1");
  strictEqual(
    parseServerArgs(["--cluster", "nats://flag:2"], env)!.options.cluster,
    "nats://flag:2",
  );
  strictEqual(parseServerArgs([], noEnv)!.options.cluster, undefined);
});

Deno.test("a malformed --cluster is a usage error: exit 2, one line", async () => {
  for (const url of ["http://127.0.0.1:4222", "127.0.0.1:4222", "nats://", "nats://h:1/path"]) {
    const result = await ChatProcess.run(["server", "--cluster", url]);
    strictEqual(result.code, 2, `${url}: ${result.stderr}`);
    strictEqual(result.lines.length, 1, result.stderr);
    match(result.lines[0], /--cluster: expected nats:\/\/HOST:PORT/);
    match(result.lines[0], /'chat server --help'/);
  }
});

natsTest("a NATS that cannot be reached: exit 1 saying so, nothing bound", async () => {
  await using nats = await startNats();
  const url = nats.url;
  await nats.kill();
  const result = await ChatProcess.run(["server", "--port", "0", "--cluster", url]);
  strictEqual(result.code, 1, result.stderr);
  match(result.stderr, /cannot reach NATS at nats:\/\/127\.0\.0\.1:\d+/);
  ok(!result.stderr.includes("listening on"), result.stderr);
});

natsTest("CHAT_CLUSTER joins servers started without the flag", async () => {
  await using nats = await startNats();
  await using dir = await tempDir();
  const env = { CHAT_CLUSTER: nats.url };
  await using a = ChatProcess.spawn(["server", "--port", "0", "--host", "127.0.0.1"], { env });
  await using b = ChatProcess.spawn(["server", "--unix", `${dir.path}/b.sock`], { env });
  const [ta, tb] = await Promise.all([a.listening(), b.listening()]);
  await using ann = await ready(ta.tcp!, { name: "ann" });
  await using ben = await ready(tb.unix!, { name: "ben" });
  await whoShows(ann, ["ann", "ben"]);
  await ann.say({ type: "message", content: "via env", id: 1 });
  strictEqual((await ann.ackOf(1)).recipients, 1);
  deepStrictEqual((await ben.next("message")).content, "via env");
});

Deno.test("chat server --help explains --cluster", async () => {
  const result = await ChatProcess.run(["server", "--help"]);
  strictEqual(result.code, 0);
  match(result.stdout, /--cluster nats:\/\/HOST:PORT/);
  match(result.stdout, /CHAT_CLUSTER/);
});

Deno.test("--store with --cluster is a usage error: a cluster keeps its history in JetStream", async () => {
  const result = await ChatProcess.run([
    "server",
    "--cluster",
    "nats://127.0.0.1:4222",
    "--store",
    "/tmp/never-opened.db",
  ]);
  strictEqual(result.code, 2, result.stderr);
  strictEqual(result.lines.length, 1, result.stderr);
  match(result.lines[0], /--store is for a server alone/);
});
