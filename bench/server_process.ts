/**
 * A server under test, run as its own process, with its CPU and memory
 * read from /proc.
 *
 * @module
 */

import { PERMISSIONS, V8_FLAGS } from "../src/cli/permissions.ts";
import type { Kind, Target, Transport } from "./load.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const CLOCK_TICKS = 100;

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
   * Starts a chat server or a floor server and waits for its `listening on`
   * line; `extra` goes to a chat server's command line (`--cluster URL`),
   * `v8Flags` in place of the shipped `--v8-flags` (to compare settings).
   */
  static async start(
    kind: Kind,
    role: Role,
    transport: Transport,
    extra: string[] = [],
    v8Flags: readonly string[] = V8_FLAGS,
  ): Promise<ServerProcess> {
    const dir = await Deno.makeTempDir({ prefix: "chat-bench-" });
    const path = `${dir}/s.sock`;
    const args = kind === "chat"
      ? [
        "run",
        // The server runs as shipped: `deno task server`'s flags.
        ...PERMISSIONS,
        ...v8Flags,
        `${ROOT}main.ts`,
        "server",
        "--handler",
        role === "echo" ? "echo" : "chat",
        "--log-level",
        "warn",
        "--max-clients",
        "20000",
        // The idle scenario opens 200 handshakes at once from one address.
        "--max-handshakes",
        "4000",
        // One echo or fan-out session sends far more than the default 1000 frames a second:
        // the limiter stays on (its cost is measured), with a limit no session reaches.
        ...(role === "echo" || role === "relay" ? ["--rate-limit", "10000000"] : []),
        "--handshake-timeout",
        "600",
        "--heartbeat-timeout",
        "600",
        ...(transport === "tcp"
          ? ["--host", "127.0.0.1", "--port", "0"]
          // Over WebSocket, the sockets' listener is a Unix one nobody uses.
          : transport === "ws"
          ? ["--unix", path, "--http", "127.0.0.1:0"]
          : ["--unix", path]),
        // `@DIR@` is the server's own temp dir (a --store file goes there).
        ...extra.map((arg) => arg.replaceAll("@DIR@", dir)),
      ]
      : [
        "run",
        "--allow-net",
        "--allow-read",
        "--allow-write",
        // The same runtime settings as the chat server, so memory compares like for like.
        ...v8Flags,
        `${ROOT}bench/floor_server.ts`,
        role,
        transport,
        path,
      ];
    const child = new Deno.Command(Deno.execPath(), {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    })
      .spawn();
    const lines = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    let url: string | undefined;
    while (url === undefined) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`server did not start: ${seen}`);
      seen += value;
      const wanted = transport === "ws" ? /listening on (http:\S+)/ : /listening on (\S+)/;
      url = seen.match(wanted)?.[1];
    }
    // Keep draining stderr so the server never blocks on it.
    const rest = (async () => {
      let text = seen;
      for (;;) {
        const { value, done } = await lines.read();
        if (done) return text;
        text += value;
      }
    })();
    const target: Target = url.startsWith("unix://")
      ? { transport: "unix", path: url.slice("unix://".length) }
      : url.startsWith("http://")
      ? { transport: "ws", url }
      : { transport: "tcp", port: Number(url.split(":").pop()) };
    return new ServerProcess(child, target, dir, rest);
  }

  /** CPU seconds (user + system) the process has used. */
  cpuSeconds(): number {
    const stat = readProc(`/proc/${this.pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
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
