/**
 * The npm NATS clients pinned in deno.json (`@nats-io/transport-node`,
 * `@nats-io/jetstream`, `@nats-io/kv`) work under Deno, with the least
 * permissions `chat` runs with, against the Debian `nats-server`: publish
 * and subscribe, KV `create` that only one caller wins, a watch, and a
 * disconnect and reconnect when the server dies and comes back.
 *
 * @module
 */

import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { natsTest, startNats } from "../../helpers/cluster.ts";
import { MAIN_PERMISSIONS, ROOT } from "../../helpers/run_main.ts";

natsTest("publish and subscribe, KV create and watch, in this process", async () => {
  await using nats = await startNats();
  const nc = await connect({ servers: nats.url, noEcho: true });
  const other = await connect({ servers: nats.url });
  try {
    const got = Promise.withResolvers<string>();
    nc.subscribe("t.greet", { callback: (_e, msg) => got.resolve(msg.string()) });
    await nc.flush();
    other.publish("t.greet", "hello from another connection");
    strictEqual(await got.promise, "hello from another connection");

    const kv = await new Kvm(jetstream(nc)).create("t-bucket", { history: 1, storage: "memory" });
    const watch = await kv.watch();
    const first = await kv.create("name", "one");
    ok(first > 0);
    await rejects(kv.create("name", "two"), /wrong last sequence/);
    strictEqual((await kv.get("name"))!.string(), "one");
    await kv.delete("name", { previousSeq: first });
    ok((await kv.create("name", "three")) > first, "a deleted key can be created again");
    const seen: string[] = [];
    for await (const entry of watch) {
      seen.push(`${entry.operation} ${entry.key} ${entry.string()}`);
      if (seen.length === 3) break;
    }
    deepStrictEqual(seen, ["PUT name one", "DEL name ", "PUT name three"]);
  } finally {
    await other.close();
    await nc.close();
  }
});

natsTest("the client sees NATS die and come back, and resubscribes", async () => {
  await using nats = await startNats();
  const nc = await connect({
    servers: nats.url,
    maxReconnectAttempts: -1,
    reconnectDelayHandler: () => 50,
  });
  try {
    const statuses: string[] = [];
    const changed = { wake: () => {} };
    const watching = (async () => {
      for await (const status of nc.status()) {
        statuses.push(status.type);
        changed.wake();
      }
    })();
    const until = (type: string) =>
      new Promise<void>((resolve) => {
        const check = () => statuses.includes(type) ? resolve() : (changed.wake = check);
        check();
      });
    const got = Promise.withResolvers<string>();
    nc.subscribe("t.after", { callback: (_e, msg) => got.resolve(msg.string()) });
    await nc.flush();
    await nats.kill();
    await until("disconnect");
    await nats.restart();
    await until("reconnect");
    await nc.flush();
    const other = await connect({ servers: nats.url });
    other.publish("t.after", "after the restart");
    await other.flush();
    await other.close();
    strictEqual(await got.promise, "after the restart");
    await nc.close();
    await watching;
  } finally {
    if (!nc.isClosed()) await nc.close();
  }
});

natsTest("a child process with exactly chat's permissions talks to NATS", async () => {
  await using nats = await startNats();
  const dir = await Deno.makeTempDir({ prefix: "chat-nats-perm-" });
  try {
    const script = `${dir}/probe.ts`;
    await Deno.writeTextFile(
      script,
      `import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
const nc = await connect({ servers: "${nats.url}" });
const kv = await new Kvm(nc).create("perm-bucket", { storage: "memory" });
await kv.create("k", "v");
console.log((await kv.get("k"))!.string());
await nc.close();
`,
    );
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--config", `${ROOT}deno.json`, ...MAIN_PERMISSIONS, script],
      cwd: ROOT,
      stdin: "null",
    }).output();
    const decoder = new TextDecoder();
    strictEqual(code, 0, decoder.decode(stderr));
    strictEqual(decoder.decode(stdout).trim(), "v");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
