/**
 * A server under test, run as its own process, with its CPU and memory
 * read from /proc: chat as shipped, the floor (Node's `net` over sockets,
 * `Deno.serve` over WebSocket), redis-server or nats-server.
 *
 * @module
 */

import { PERMISSIONS, V8_FLAGS } from "../src/cli/permissions.ts";
import { freePort, NATS_SERVER, natsServerMissing } from "../scripts/nats_server.ts";
import type { Kind, Target, Transport } from "./load.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const CLOCK_TICKS = 100;

/**
 * The `chat server` flags of every bench server beside its listeners:
 * `handler`, warnings only, room for the idle sweep, and limits the load
 * must not meet (the limiter stays on, its cost measured).
 */
export function benchServerFlags(handler: "chat" | "echo"): string[] {
  return [
    "--handler",
    handler,
    "--log-level",
    "warn",
    "--max-clients",
    "20000",
    // The idle scenario opens 200 handshakes at once from one address.
    "--max-handshakes",
    "4000",
    // One echo or fan-out session sends far more than the default 1000 frames a second.
    "--rate-limit",
    "10000000",
    "--handshake-timeout",
    "600",
    "--heartbeat-timeout",
    "600",
  ];
}
/**
 * Reads a file of another process under /proc. Deno asks for --allow-all
 * to read /proc directly, so `cat` reads it (--allow-run is needed anyway).
 */
function readProc(path: string): string {
  const { success, stdout } = new Deno.Command("cat", { args: [path], stderr: "null" })
    .outputSync();
  if (!success) throw new Error(`cannot read ${path}`);
  return new TextDecoder().decode(stdout);
}

/** CPU seconds (user + system, all threads) process `pid` has used. */
export function cpuSecondsOf(pid: number): number {
  const stat = readProc(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** The transports each system serves (NATS has no Unix socket; the WebSocket floor is Deno's). */
export const TRANSPORTS_OF: Record<Kind, readonly Transport[]> = {
  chat: ["tcp", "unix", "ws"],
  floor: ["tcp", "unix", "ws"],
  redis: ["tcp", "unix"],
  nats: ["tcp"],
};

/** How a system is named in the tables: the floor over WebSocket is the runtime's own server. */
export function labelOf(kind: Kind, transport: Transport): string {
  if (kind === "floor") return transport === "ws" ? "deno ws floor" : "node floor";
  return kind;
}

/** Why a system cannot run here (its program is not installed), or undefined when it can. */
export async function missing(kind: Kind): Promise<string | undefined> {
  if (kind === "nats") return await natsServerMissing();
  const program = kind === "redis" ? "redis-server" : kind === "floor" ? "node" : undefined;
  if (program === undefined) return undefined;
  try {
    const { success } = await new Deno.Command(program, {
      args: ["--version"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    return success ? undefined : `${program} --version failed`;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    return `${program} is not installed${
      kind === "redis" ? " (apt-get install redis-server)" : ""
    }`;
  }
}

/** The program and arguments of a server, and the line (on `stream`) that says it is ready. */
interface Launch {
  program: string;
  args: string[];
  stream: "stdout" | "stderr";
  ready: RegExp;
  /** Where it listens, when known before the start (else from the `listening on` line). */
  target?: Target;
}

/** How to start `kind` as `role` on `transport` (`path`: its Unix socket; `dir`: its temp dir). */
function launch(
  kind: Kind,
  role: Role,
  transport: Transport,
  path: string,
  dir: string,
  extra: string[],
  v8Flags: readonly string[],
): Launch {
  const listening = transport === "ws" ? /listening on (http:\S+)/ : /listening on (\S+)/;
  if (kind === "redis") {
    const port = transport === "tcp" ? freePort() : 0;
    return {
      program: "redis-server",
      args: [
        "--bind",
        "127.0.0.1",
        "--port",
        String(port),
        ...(transport === "unix" ? ["--unixsocket", path] : []),
        // No persistence: a broker in memory, as chat's default history is.
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        "--maxclients",
        "19900",
        "--logfile",
        "",
      ],
      stream: "stdout",
      ready: /ready to accept connections/i,
      target: transport === "tcp" ? { transport, port } : { transport: "unix", path },
    };
  }
  if (kind === "nats") {
    const port = freePort();
    return {
      program: NATS_SERVER,
      args: ["-a", "127.0.0.1", "-p", String(port)],
      stream: "stderr",
      ready: /Server is ready/,
      target: { transport: "tcp", port },
    };
  }
  if (kind === "floor" && transport !== "ws") {
    return {
      program: "node",
      args: [`${ROOT}bench/node_floor.mjs`, role, transport, path],
      stream: "stderr",
      ready: listening,
    };
  }
  if (kind === "floor") {
    return {
      program: Deno.execPath(),
      args: [
        "run",
        "--allow-net",
        // The same runtime settings as the chat server, so memory compares like for like.
        ...v8Flags,
        `${ROOT}bench/floor_server.ts`,
        role,
      ],
      stream: "stderr",
      ready: listening,
    };
  }
  return {
    program: Deno.execPath(),
    args: [
      "run",
      // The server runs as shipped: `deno task server`'s flags (or other V8 flags, to compare).
      ...PERMISSIONS,
      ...v8Flags,
      `${ROOT}main.ts`,
      "server",
      ...benchServerFlags(role === "echo" ? "echo" : "chat"),
      ...(transport === "tcp"
        ? ["--host", "127.0.0.1", "--port", "0"]
        // Over WebSocket, the sockets' listener is a Unix one nobody uses.
        : transport === "ws"
        ? ["--unix", path, "--http", "127.0.0.1:0"]
        : ["--unix", path]),
      // `@DIR@` is the server's own temp dir (a --store file goes there).
      ...extra.map((arg) => arg.replaceAll("@DIR@", dir)),
    ],
    stream: "stderr",
    ready: listening,
  };
}

/** What a server process does: chat's `echo` or `chat` handler, or the floor's echo or relay. */
export type Role = "echo" | "relay";

/** A running server process. */
export class ServerProcess implements AsyncDisposable {
  readonly target: Target;
  readonly pid: number;
  #child: Deno.ChildProcess;
  #dir: string;
  #stderr: Promise<string>;

  private constructor(
    child: Deno.ChildProcess,
    target: Target,
    dir: string,
    stderr: Promise<string>,
  ) {
    this.#child = child;
    this.pid = child.pid;
    this.target = target;
    this.#dir = dir;
    this.#stderr = stderr;
  }

  /**
   * Starts a server and waits for the line that says it is ready (chat's and
   * the floor's `listening on`); `extra` goes to a chat server's command line
   * (`--cluster URL`, `--store FILE`), `v8Flags` in place of the shipped
   * `--v8-flags` of a chat server and the Deno floor (to compare settings).
   */
  static async start(
    kind: Kind,
    role: Role,
    transport: Transport,
    extra: string[] = [],
    v8Flags: readonly string[] = V8_FLAGS,
  ): Promise<ServerProcess> {
    const dir = await Deno.makeTempDir({ prefix: "chat-bench-" });
    const how = launch(kind, role, transport, `${dir}/s.sock`, dir, extra, v8Flags);
    const child = new Deno.Command(how.program, {
      args: how.args,
      stdin: "null",
      stdout: how.stream === "stdout" ? "piped" : "null",
      stderr: how.stream === "stderr" ? "piped" : "null",
    })
      .spawn();
    const lines = child[how.stream]!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    let ready: RegExpMatchArray | null = null;
    while (ready === null) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`${how.program} did not start: ${seen}`);
      seen += value;
      ready = seen.match(how.ready);
    }
    // Keep draining its output so the server never blocks on it.
    const rest = (async () => {
      let text = seen;
      for (;;) {
        const { value, done } = await lines.read();
        if (done) return text;
        text += value;
      }
    })();
    const url = ready[1] ?? "";
    const target: Target = how.target ??
      (url.startsWith("unix://")
        ? { transport: "unix", path: url.slice("unix://".length) }
        : url.startsWith("http://")
        ? { transport: "ws", url }
        : { transport: "tcp", port: Number(url.split(":").pop()) });
    return new ServerProcess(child, target, dir, rest);
  }

  /** CPU seconds (user + system) the process has used. */
  cpuSeconds(): number {
    return cpuSecondsOf(this.pid);
  }

  /** Resident memory, in bytes. */
  rssBytes(): number {
    const status = readProc(`/proc/${this.pid}/status`);
    return Number(status.match(/VmRSS:\s+(\d+) kB/)![1]) * 1024;
  }

  /** Stops the process with SIGTERM and removes its temp dir. */
  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await this.#child.status;
    await this.#stderr;
    await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
  }
}
