/**
 * Where an idle session's bytes go: the chat server runs in this process
 * (the bench's flags), a child process opens the sessions, and this prints
 * `Deno.memoryUsage()`, V8's heap spaces and the process's resident memory
 * by kind of mapping (V8's pages and other anonymous memory, malloc's heap,
 * the `deno` binary's own pages) at 1 and at N sessions, per session; with
 * `--snapshot DIR`, heap snapshots `before.heapsnapshot` and
 * `after.heapsnapshot` in DIR (compare them in the DevTools' Comparison
 * view); with the variable `SETTLE` set, the memory again after 1 to 16 s
 * more idle.
 *
 *   deno run -A --v8-flags=--max-semi-space-size=4,--expose-gc bench/idle_profile.ts tcp|unix|ws 10000 [--snapshot DIR]
 *
 * @module
 */

import v8 from "node:v8";
import { runServer } from "../src/cli/server_command.ts";
import { closeAll, joinMany, type Target, type Transport } from "./load.ts";
import { benchServerFlags } from "./server_process.ts";

const [role, transportArg, countArg, ...rest] = Deno.args;

if (role === "load") {
  // The child: open the sessions, say so, hold them until stdin ends.
  const target = JSON.parse(transportArg) as Target;
  const first = await joinMany(target, "chat", 1);
  console.log("first");
  await readLine();
  const peers = await joinMany(target, "chat", Number(countArg), 200, 1024);
  console.log("ready");
  await readLine();
  await closeAll([...peers, ...first]);
  Deno.exit(0);
}

async function readLine(): Promise<void> {
  const buf = new Uint8Array(16);
  await Deno.stdin.read(buf);
}

const transport = role as Transport;
const count = Number(transportArg);
const snapshotDir = rest[0] === "--snapshot"
  ? rest[1]
  : countArg === "--snapshot"
  ? rest[0]
  : undefined;
const dir = await Deno.makeTempDir();
let target: Target;
let args: string[];
if (transport === "tcp") {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  target = { transport: "tcp", port };
  args = ["--host", "127.0.0.1", "--port", String(port)];
} else if (transport === "unix") {
  target = { transport: "unix", path: `${dir}/s.sock` };
  args = ["--unix", `${dir}/s.sock`];
} else {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  target = { transport: "ws", url: `http://127.0.0.1:${port}` };
  args = ["--unix", `${dir}/s.sock`, "--http", `127.0.0.1:${port}`];
}
void runServer([...benchServerFlags("chat"), "--max-clients", "25000", ...args]);
await listening(target);

/** Resolves once the server accepts a connection at `target` (tried again until it does, 10 s at most). */
async function listening(to: Target): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (let pause = 5;; pause = Math.min(100, pause * 2)) {
    try {
      const conn = to.transport === "unix"
        ? await Deno.connect({ transport: "unix", path: to.path })
        : await Deno.connect({
          hostname: "127.0.0.1",
          port: to.transport === "tcp" ? to.port : Number(new URL(to.url).port),
        });
      conn.close();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

const child = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    new URL(import.meta.url).pathname,
    "load",
    JSON.stringify(target),
    String(count),
  ],
  stdin: "piped",
  stdout: "piped",
}).spawn();
const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
const writer = child.stdin.getWriter();
const waitFor = async (word: string) => {
  let seen = "";
  while (!seen.includes(word)) seen += (await lines.read()).value ?? "";
};
function rss(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(status.match(/VmRSS:\s+(\d+) kB/)![1]) * 1024;
}
function measure(label: string) {
  const mu = Deno.memoryUsage();
  const hs = v8.getHeapStatistics();
  return {
    label,
    rss: rss(),
    heapTotal: mu.heapTotal,
    heapUsed: mu.heapUsed,
    external: mu.external,
    malloced: hs.malloced_memory,
  };
}
/** Resident KiB of this process's mappings by kind: `[heap]`, `arena` (64 MiB regions of malloc), `anon` (the rest, V8's pages among them), files. */
function mappings(): Map<string, number> {
  const kinds = new Map<string, number>();
  let kind = "";
  for (const line of Deno.readTextFileSync("/proc/self/smaps").split("\n")) {
    const head = line.match(/^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/);
    if (head) {
      const size = (parseInt(head[2], 16) - parseInt(head[1], 16)) / 1024;
      const name = head[3];
      kind = name.startsWith("/")
        ? `file ${name.split("/").pop()}`
        : name !== ""
        ? name
        : size >= 60 * 1024
        ? "arena"
        : "anon";
      continue;
    }
    const rss = line.match(/^Rss:\s+(\d+) kB/);
    if (rss) kinds.set(kind, (kinds.get(kind) ?? 0) + Number(rss[1]));
  }
  return kinds;
}
await waitFor("first");
const maps0 = mappings();
const spaces = () =>
  v8.getHeapSpaceStatistics().filter((s) => s.physical_space_size > 0).map((s) =>
    `${s.space_name} ${Math.round(s.physical_space_size / 1024)} (used ${
      Math.round(s.space_used_size / 1024)
    })`
  ).join(", ");
console.log("heap spaces at 1 session (physical KiB):", spaces());
const before = measure("1 session");
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const beforeGc = measure("1 session, after gc");
if (snapshotDir) v8.writeHeapSnapshot(`${snapshotDir}/before.heapsnapshot`);
await writer.write(new TextEncoder().encode("go\n"));
await waitFor("ready");
const after = measure(`${count} more`);
if (Deno.env.get("SETTLE")) {
  for (const wait of [1, 2, 4, 8, 16]) {
    await new Promise((r) => setTimeout(r, wait * 1000));
    const m = measure(`${count} more, idle`);
    console.log(
      `after ${wait} s more idle: rss/session ${
        Math.round((m.rss - before.rss) / count)
      }, heapTotal/session ${Math.round((m.heapTotal - before.heapTotal) / count)}`,
    );
  }
}
const maps1 = mappings();
console.log(
  "resident KiB grown by mapping kind:",
  [...maps1].map(([k, v]) => `${k} ${v - (maps0.get(k) ?? 0)}`).join(", "),
);
console.log("heap spaces at N sessions (physical KiB):", spaces());
gc?.();
const afterGc = measure(`${count} more, after gc`);
if (snapshotDir) v8.writeHeapSnapshot(`${snapshotDir}/after.heapsnapshot`);
for (const m of [before, beforeGc, after, afterGc]) console.log(JSON.stringify(m));
console.log("heap spaces at the end (physical KiB):", spaces());
const per = (a: typeof before, b: typeof before) =>
  Object.fromEntries(
    Object.entries(b).filter(([k]) => k !== "label").map((
      [k, v],
    ) => [k, Math.round(((v as number) - (a[k as keyof typeof a] as number)) / count)]),
  );
console.log("per session (no gc):", JSON.stringify(per(before, after)));
console.log("per session (gc):   ", JSON.stringify(per(beforeGc, afterGc)));
await writer.write(new TextEncoder().encode("end\n"));
await child.status;
Deno.exit(0);
