/**
 * Cluster tests: `chat server --cluster` processes on a throwaway
 * `nats-server`, `who` round trips, and waits for presence to spread
 * (a probe retried until a deadline, never a fixed sleep).
 *
 * @module
 */

import { type Frame, guestName, type WhoEntry } from "../../src/protocol/messages.ts";
import type { BackplaneHost } from "../../src/server/backplane.ts";
import { type Entry, Registry } from "../../src/server/registry.ts";
import { NatsServer, natsServerMissing } from "../../scripts/nats_server.ts";
import { testEntry } from "./entry.ts";
import type { RawClient } from "./raw_client.ts";
import { type Addresses, ChatProcess } from "./spawn.ts";

export { NatsServer };

/** How long presence may take to spread, or a cluster to heal, in a test. */
export const SPREAD_MS = 15_000;

/**
 * Why the tests that need `nats-server` are skipped here, or `undefined`
 * when they run. Without it they are skipped with the reason printed, so
 * `deno task test` passes on a fresh machine; in CI (`CI=true`), where
 * `.ci/run` installs it, they always run and its absence fails them.
 */
export const NATS_SKIP: string | undefined = await (async () => {
  const missing = await natsServerMissing();
  if (missing === undefined || Deno.env.get("CI") === "true") return undefined;
  console.log(`cluster tests that need nats-server are skipped: ${missing}`);
  return missing;
})();

/** `Deno.test` for a test that needs `nats-server` (see {@linkcode NATS_SKIP}). */
export function natsTest(name: string, fn: (t: Deno.TestContext) => void | Promise<void>): void {
  Deno.test({ name, ignore: NATS_SKIP !== undefined, fn });
}

/** The options of a test's NATS (`monitor`, say). */
export type NatsOptions = Parameters<typeof NatsServer.start>[0];

/** Starts a NATS for a test, failing with the reason when `nats-server` is missing. */
export async function startNats(options: NatsOptions = {}): Promise<NatsServer> {
  const missing = await natsServerMissing();
  if (missing !== undefined) throw new Error(`the cluster tests need nats-server: ${missing}`);
  return await NatsServer.start(options);
}

/** A `chat server --cluster` process. */
export interface ClusterNode extends AsyncDisposable {
  /** The process (its stderr lines, kill). */
  process: ChatProcess;
  /** Its node id, from its `joined` log line. */
  id: string;
  /** Where it listens. */
  addresses: Addresses;
}

/** Where a node listens: on TCP (127.0.0.1), on a Unix socket, or on both. */
export type Listen = "tcp" | "unix" | "both";

const JOINED = /cluster: node "?([0-9a-f]{16})"? joined/;

/**
 * Starts `chat server --cluster <nats>` listening on TCP (`tcp`), on a Unix
 * socket in `dir` (`unix`), or both; waits until it listens.
 */
export async function startNode(
  nats: NatsServer,
  listen: Listen,
  dir: string,
  extra: string[] = [],
): Promise<ClusterNode> {
  const path = `${dir}/${crypto.randomUUID().slice(0, 8)}.sock`;
  const args = [
    "server",
    "--cluster",
    nats.url,
    ...(listen === "unix" ? [] : ["--host", "127.0.0.1", "--port", "0"]),
    ...(listen === "tcp" ? [] : ["--unix", path]),
    ...extra,
  ];
  const process = ChatProcess.spawn(args);
  try {
    const addresses = await process.listening(listen === "both" ? 2 : 1);
    const [, id] = await process.waitForLine(JOINED);
    return {
      process,
      id,
      addresses,
      async [Symbol.asyncDispose]() {
        await process[Symbol.asyncDispose]();
      },
    };
  } catch (error) {
    await process[Symbol.asyncDispose]();
    throw error;
  }
}

/**
 * Starts a node on `nats` for each of `listens`, one after the other (or
 * `listens` nodes listening on TCP, given a count).
 */
export async function startNodes(
  nats: NatsServer,
  listens: number | readonly Listen[],
  dir: string,
  extra: string[] = [],
): Promise<ClusterNode[]> {
  const each = typeof listens === "number" ? Array<Listen>(listens).fill("tcp") : listens;
  const nodes: ClusterNode[] = [];
  try {
    for (const listen of each) nodes.push(await startNode(nats, listen, dir, extra));
  } catch (error) {
    for (const node of nodes) await node[Symbol.asyncDispose]();
    throw error;
  }
  return nodes;
}

/** A NATS with `nodes` chat servers on it, in a temp dir; disposing stops them all. */
export interface TestCluster extends AsyncDisposable {
  /** The NATS. */
  nats: NatsServer;
  /** The chat servers. */
  nodes: ClusterNode[];
}

/**
 * Starts a NATS (with `natsOptions`) and nodes on it (see
 * {@linkcode startNodes}: `listens` is a count of TCP nodes, or how each
 * listens), with `extra` arguments.
 */
export async function startCluster(
  listens: number | readonly Listen[],
  extra: string[] = [],
  natsOptions: NatsOptions = {},
): Promise<TestCluster> {
  const nats = await startNats(natsOptions);
  const dir = await Deno.makeTempDir({ prefix: "chat-cluster-" });
  const dispose = async (nodes: ClusterNode[]) => {
    for (const node of nodes) await node[Symbol.asyncDispose]();
    await nats[Symbol.asyncDispose]();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  let nodes: ClusterNode[];
  try {
    nodes = await startNodes(nats, listens, dir, extra);
  } catch (error) {
    await dispose([]);
    throw error;
  }
  return { nats, nodes, [Symbol.asyncDispose]: () => dispose(nodes) };
}

let whoIds = 0;

/** Asks `who` (of a room, when given) and returns the entries. */
export async function who(client: RawClient, room?: string): Promise<WhoEntry[]> {
  const id = `who-${++whoIds}`;
  const frame: Frame = { type: "who", id };
  if (room !== undefined) frame.room = room;
  await client.say(frame);
  const reply = await client.next("who");
  if (reply.id !== id) throw new Error(`who answered out of turn: ${JSON.stringify(reply)}`);
  return reply.content as WhoEntry[];
}

/** The sorted names of `who` entries. */
export function names(entries: WhoEntry[]): string[] {
  return entries.map((entry) => entry.name).sort();
}

/**
 * Runs `probe` until it returns a value other than `undefined`, pausing a
 * little longer each time (5 ms up to 100 ms), and fails after `ms` with
 * `what`. For state of other processes that no event reports to the test
 * (presence spreading between servers, a NATS bucket, subscriptions): the
 * probe is the round trip that asks, as a connect retried until a deadline.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = SPREAD_MS,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (let pause = 5;; pause = Math.min(100, pause * 2)) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/** Waits until `who` (of a room) through `client` lists exactly `expected` names. */
export async function whoShows(
  client: RawClient,
  expected: string[],
  room?: string,
  ms = SPREAD_MS,
): Promise<WhoEntry[]> {
  const want = JSON.stringify([...expected].sort());
  let last: string[] = [];
  try {
    return await eventually(`who ${room ?? ""} showing ${want}`, async () => {
      const entries = await who(client, room);
      last = names(entries);
      return JSON.stringify(last) === want ? entries : undefined;
    }, ms);
  } catch (error) {
    throw new Error(`${(error as Error).message}; last saw ${JSON.stringify(last)}`);
  }
}

/** A session as the cluster modules know it, for tests that drive them directly. */
export type TestMember = Entry & { gone: boolean };

/** A member with a random id, called `name` (its guest name by default). */
export function testMember(name?: string): TestMember {
  const id = crypto.randomUUID();
  return { ...testEntry(id, name ?? guestName(id)), gone: false };
}

/**
 * A {@linkcode BackplaneHost} for cluster modules driven directly: no
 * sessions, deliveries and lost names dropped, unless `parts` says otherwise.
 */
export function testHost(parts: Partial<Omit<BackplaneHost, "members">> = {}): BackplaneHost {
  return {
    members: new Registry<TestMember>(),
    inbound: { deliverAll() {}, deliverRoom() {}, deliverTo() {}, deliverMessage() {} },
    handOver: () => undefined,
    orphaned() {},
    loseName() {},
    displace: () => Promise.resolve(),
    ...parts,
  };
}
