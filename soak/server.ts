/**
 * The server under soak: the real `main.ts server` in its own process, its
 * log read line by line (every session's close reason, anything that looks
 * like a crash), and its memory and open file descriptors read from /proc.
 *
 * Deno asks for --allow-all to read /proc directly, so `cat` and `ls` read it
 * (--allow-run is needed anyway).
 *
 * @module
 */

import { localFlags } from "../tests/helpers/spawn.ts";
import type { Target } from "./client.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** The limits the server runs with: small, so that the faults reach them. */
export interface Limits {
  maxFrame: number;
  maxQueue: number;
  maxClients: number;
  maxHandshakes: number;
  rateLimit: number;
  maxRooms: number;
  handshakeTimeout: number;
  heartbeatInterval: number;
  heartbeatTimeout: number;
  heartbeatRetries: number;
}

/** A log record of the server (`--log-format json`). */
interface LogRecord {
  level: string;
  message: string;
  logger: string;
  properties?: Record<string, unknown>;
}

/** Runs a command and returns its standard output. */
async function capture(cmd: string, args: string[]): Promise<string> {
  const { success, stdout } = await new Deno.Command(cmd, { args, stdin: "null", stderr: "null" })
    .output();
  if (!success) throw new Error(`${cmd} ${args.join(" ")} failed`);
  return new TextDecoder().decode(stdout);
}

/** The server process. */
export class ServerUnderTest {
  readonly pid: number;
  readonly tcp: Target;
  readonly unix: Target;
  readonly args: string[];
  /** The inspector's WebSocket URL (the runtime prints it first). */
  readonly inspectorUrl: string | undefined;
  /** Close reason of every session the server logged, by session id. */
  readonly closes: Map<string, string> = new Map();
  /** Close reasons counted: of sessions that completed the handshake, and of those that did not. */
  readonly reasons: { registered: Record<string, number>; handshake: Record<string, number> } = {
    registered: {},
    handshake: {},
  };
  /** Sessions the server said it opened (handshake done). */
  opened = 0;
  /** Lines that are neither a log record nor a `listening on` line, and error records. */
  readonly anomalies: string[] = [];
  /** Warning records. */
  readonly warnings: string[] = [];
  /** Log lines read. */
  lines = 0;
  /** The exit status, once it exited. */
  status: Deno.CommandStatus | undefined;
  #child: Deno.ChildProcess;
  #pump: Promise<void>;

  private constructor(
    child: Deno.ChildProcess,
    args: string[],
    addresses: { tcp: Target; unix: Target },
    lines: ReadableStreamDefaultReader<string>,
    seen: string,
  ) {
    this.#child = child;
    this.pid = child.pid;
    this.args = args;
    this.inspectorUrl = seen.match(/^Debugger listening on (ws:\/\/\S+)$/m)?.[1];
    this.tcp = addresses.tcp;
    this.unix = addresses.unix;
    child.status.then((status) => this.status = status);
    this.#pump = this.#drain(lines, seen);
  }

  /**
   * Starts the server on TCP port 0 and `<dir>/s.sock`, with the runtime's
   * inspector on a free loopback port; resolves once both listen.
   */
  static async start(
    dir: string,
    limits: Limits,
    extra: string[] = [],
  ): Promise<ServerUnderTest> {
    const args = [
      "server",
      ...extra,
      ...localFlags(`${dir}/s.sock`),
      "--max-frame",
      String(limits.maxFrame),
      "--max-queue",
      String(limits.maxQueue),
      "--max-clients",
      String(limits.maxClients),
      "--max-handshakes",
      String(limits.maxHandshakes),
      "--rate-limit",
      String(limits.rateLimit),
      "--max-rooms",
      String(limits.maxRooms),
      "--handshake-timeout",
      String(limits.handshakeTimeout),
      "--heartbeat-interval",
      String(limits.heartbeatInterval),
      "--heartbeat-timeout",
      String(limits.heartbeatTimeout),
      "--heartbeat-retries",
      String(limits.heartbeatRetries),
      "--log-level",
      "debug",
      "--log-format",
      "json",
    ];
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--inspect=127.0.0.1:0",
        "--allow-net",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        MAIN,
        ...args,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const lines = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    const urls: string[] = [];
    const deadline = setTimeout(() => child.kill("SIGKILL"), 30_000);
    try {
      while (urls.length < 2) {
        const { value, done } = await lines.read();
        if (done) throw new Error(`the server did not start:\n${seen}`);
        seen += value;
        urls.splice(
          0,
          urls.length,
          ...[...seen.matchAll(/^listening on (\S+)$/gm)].map((m) => m[1]),
        );
      }
    } catch (error) {
      await child.status;
      throw error;
    } finally {
      clearTimeout(deadline);
    }
    const tcpUrl = urls.find((url) => url.startsWith("tcp://"))!;
    const unixUrl = urls.find((url) => url.startsWith("unix://"))!;
    return new ServerUnderTest(
      child,
      args,
      {
        tcp: { transport: "tcp", hostname: "127.0.0.1", port: Number(tcpUrl.split(":").pop()) },
        unix: { transport: "unix", path: unixUrl.slice("unix://".length) },
      },
      lines,
      seen,
    );
  }

  /** Resolves when the process exits. */
  get exited(): Promise<Deno.CommandStatus> {
    return this.#child.status;
  }

  /** Whether the process still runs. */
  get alive(): boolean {
    return this.status === undefined;
  }

  async #drain(lines: ReadableStreamDefaultReader<string>, seen: string): Promise<void> {
    let partial = "";
    const take = (text: string) => {
      partial += text;
      const parts = partial.split("\n");
      partial = parts.pop()!;
      for (const part of parts) this.#line(part);
    };
    take(seen);
    for (;;) {
      const { value, done } = await lines.read();
      if (done) break;
      take(value);
    }
    if (partial !== "") this.#line(partial);
  }

  #line(text: string): void {
    if (text.trim() === "") return;
    this.lines++;
    if (/^listening on (tcp|unix):\/\//.test(text)) return;
    // The runtime's own lines about the inspector.
    if (
      /^(Debugger (listening on ws:|session started|session ended)|Visit chrome:\/\/)/.test(text)
    ) {
      return;
    }
    let record: LogRecord;
    try {
      record = JSON.parse(text);
    } catch {
      this.anomalies.push(text);
      return;
    }
    if (typeof record !== "object" || record === null || typeof record.level !== "string") {
      this.anomalies.push(text);
      return;
    }
    if (/uncaught|unhandled/i.test(text)) this.anomalies.push(text);
    if (record.level === "ERROR" || record.level === "FATAL") this.anomalies.push(text);
    if (record.level === "WARN" || record.level === "WARNING") this.warnings.push(text);
    const props = record.properties ?? {};
    if (record.logger === "chat.session" && / opened from .* as /.test(record.message)) {
      this.opened++;
    }
    if (typeof props.reason === "string" && typeof props.session_id === "string") {
      this.closes.set(props.session_id, props.reason);
      const registered = !/before its handshake/.test(record.message);
      const table = registered ? this.reasons.registered : this.reasons.handshake;
      table[props.reason] = (table[props.reason] ?? 0) + 1;
    }
  }

  /** Open file descriptors: the entries of /proc/<pid>/fd. */
  async fds(): Promise<number> {
    const out = await capture("ls", ["-1", `/proc/${this.pid}/fd`]);
    return out.split("\n").filter((name) => name !== "").length;
  }

  /** Resident memory in bytes (VmRSS of /proc/<pid>/status). */
  async rss(): Promise<number> {
    const status = await capture("cat", [`/proc/${this.pid}/status`]);
    return Number(status.match(/VmRSS:\s+(\d+) kB/)![1]) * 1024;
  }

  /** Kills the process with SIGKILL (a crash) and waits for it and the end of its log. */
  async crash(): Promise<void> {
    if (this.alive) this.#child.kill("SIGKILL");
    await this.#child.status;
    await this.#pump;
  }

  /**
   * Sends SIGTERM and waits up to `ms` for the exit (then SIGKILL), and for
   * the end of its log. Returns the status and how long the exit took.
   */
  async stop(ms: number): Promise<{ status: Deno.CommandStatus; ms: number; killed: boolean }> {
    const started = Date.now();
    let killed = false;
    if (this.alive) this.#child.kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
    await Promise.race([this.#child.status, late]);
    clearTimeout(timer);
    if (this.alive) {
      killed = true;
      this.#child.kill("SIGKILL");
    }
    const status = await this.#child.status;
    await this.#pump;
    return { status, ms: Date.now() - started, killed };
  }
}
