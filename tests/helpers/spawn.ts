/**
 * Runs the real `chat` program (`deno run main.ts ...`) in a child process
 * for a test: stderr read line by line as it arrives, waits with a deadline
 * (never a fixed sleep), the `listening on` addresses, signals, the exit
 * status, and a kill-and-wait cleanup for `await using`.
 *
 * @module
 */

import { fileURLToPath as fromFileUrl } from "node:url";
import { PERMISSIONS as CHAT_PERMISSIONS } from "../../src/cli/permissions.ts";
import type { ConnectOptions } from "../../src/transport/types.ts";
import { WAIT_MS } from "./raw_client.ts";
import { Wakeup } from "./wakeup.ts";

/** The repository root (where `deno.json` is). */
export const ROOT: string = fromFileUrl(new URL("../../", import.meta.url));
/** The program's entry point. */
export const MAIN: string = fromFileUrl(new URL("../../main.ts", import.meta.url));
/** The permissions the README gives for running from source. */
export const PERMISSIONS: readonly string[] = CHAT_PERMISSIONS;

/** How long a test waits for a process to start, print or exit. */
export const PROCESS_WAIT_MS = 15_000;

/** Options of {@linkcode ChatProcess.spawn}. */
export interface SpawnOptions {
  /**
   * Environment variables added to the test's own. Inherited `CHAT_*`
   * variables are dropped so that the caller's shell cannot change a test.
   */
  env?: Record<string, string>;
  /** The permission flags of `deno run` (default {@linkcode PERMISSIONS}). */
  permissions?: readonly string[];
  /** Standard input piped, for {@linkcode ChatProcess.input} (default: none). */
  stdin?: boolean;
  /** The working directory (default: the project's). */
  cwd?: string;
}

/** Where a server said it listens. */
export interface Addresses {
  /** The TCP listener, when there is one. */
  tcp?: ConnectOptions & { transport: "tcp"; hostname: string; port: number };
  /** The Unix listener, when there is one. */
  unix?: ConnectOptions & { transport: "unix"; path: string };
  /** The HTTP listener's URL (`http://HOST:PORT` or `https://`), when there is one. */
  http?: string;
  /** The `listening on` lines' URLs, in order. */
  urls: string[];
}

/** The end of a process: its status and everything it wrote. */
export interface Finished {
  /** Exit code (a signal death shows as 128 + signal number). */
  code: number;
  /** The signal that killed it, if one did. */
  signal: Deno.Signal | null;
  /** Standard output, whole. */
  stdout: string;
  /** Standard error, whole. */
  stderr: string;
  /** Standard error as lines (without the newlines). */
  lines: string[];
}

const LISTENING = /^listening on (tcp|unix|https?):\/\/(.*)$/;

/** A running `chat` process. */
export class ChatProcess implements AsyncDisposable {
  /** The command line after `main.ts`. */
  readonly args: string[];
  readonly #child: Deno.ChildProcess;
  readonly #lines: string[] = [];
  #stdout = "";
  #stderrDone = false;
  #exit: Deno.CommandStatus | undefined;
  readonly #wakeup = new Wakeup();
  readonly #pumps: Promise<void>;
  readonly #status: Promise<Deno.CommandStatus>;
  readonly #piped: boolean;

  private constructor(args: string[], options: SpawnOptions) {
    this.args = args;
    this.#piped = options.stdin ?? false;
    const env = Object.fromEntries(
      Object.entries(Deno.env.toObject()).filter(([name]) => !name.startsWith("CHAT_")),
    );
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...(options.permissions ?? PERMISSIONS), MAIN, ...args],
      cwd: options.cwd ?? ROOT,
      clearEnv: true,
      env: { ...env, NO_COLOR: "1", ...options.env },
      stdin: options.stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#pumps = Promise.all([this.#pumpStderr(), this.#pumpStdout()]).then(() => {});
    this.#status = this.#child.status.then((status) => {
      this.#exit = status;
      this.#wakeup.wake();
      return status;
    });
  }

  /** Writes `text` to its standard input (spawned with `stdin`); `end`: then closes it. */
  async input(text: string, end = false): Promise<void> {
    const writer = this.#child.stdin.getWriter();
    try {
      await writer.write(new TextEncoder().encode(text));
    } finally {
      writer.releaseLock();
    }
    if (end) await this.#child.stdin.close();
  }

  /** Starts `main.ts` with `args`. */
  static spawn(args: string[], options: SpawnOptions = {}): ChatProcess {
    return new ChatProcess(args, options);
  }

  /** Runs `main.ts` with `args` to its end (killed after `ms`); returns what it wrote. */
  static async run(
    args: string[],
    options: SpawnOptions = {},
    ms = PROCESS_WAIT_MS,
  ): Promise<Finished> {
    await using process = ChatProcess.spawn(args, options);
    return await process.finished(ms);
  }

  /** The process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Standard error lines read so far. */
  get lines(): readonly string[] {
    return this.#lines;
  }

  /** Standard error read so far. */
  get stderr(): string {
    return this.#lines.join("\n");
  }

  /** Whether the process has exited. */
  get exited(): boolean {
    return this.#exit !== undefined;
  }

  async #pumpStderr(): Promise<void> {
    const decoder = new TextDecoder();
    let partial = "";
    try {
      for await (const chunk of this.#child.stderr) {
        partial += decoder.decode(chunk, { stream: true });
        const parts = partial.split("\n");
        partial = parts.pop()!;
        if (parts.length > 0) {
          this.#lines.push(...parts.map((line) => line.replace(/\r$/, "")));
          this.#wakeup.wake();
        }
      }
    } finally {
      partial += decoder.decode();
      if (partial !== "") this.#lines.push(partial);
      this.#stderrDone = true;
      this.#wakeup.wake();
    }
  }

  async #pumpStdout(): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of this.#child.stdout) {
      this.#stdout += decoder.decode(chunk, { stream: true });
    }
    this.#stdout += decoder.decode();
  }

  /** Waits until `ready()` gives a value, re-checking on every line and at exit. */
  #until<T>(ready: () => T | undefined, what: string, ms: number): Promise<T> {
    return this.#wakeup.until(
      ready,
      ms,
      () => this.#describe(`timed out after ${ms} ms waiting for ${what}`),
    );
  }

  /** `message` with the command line, the exit status (once exited) and stderr so far. */
  #describe(message: string): string {
    const exit = this.#exit ? `; exited with ${this.#exit.code}` : "";
    return `chat ${this.args.join(" ")}: ${message}${exit}; stderr so far:\n${this.stderr}`;
  }

  #failure(message: string): Error {
    return new Error(this.#describe(message));
  }

  /**
   * Waits for a stderr line matching `pattern` (from line `from` on) and
   * returns its match. Fails at the deadline, or at once when stderr ends
   * without one.
   */
  waitForLine(pattern: RegExp, ms = PROCESS_WAIT_MS, from = 0): Promise<RegExpMatchArray> {
    return this.#until(
      () => {
        for (let i = from; i < this.#lines.length; i++) {
          const match = this.#lines[i].match(pattern);
          if (match) return match;
        }
        if (this.#stderrDone) {
          throw this.#failure(`stderr ended without a line matching ${pattern}`);
        }
        return undefined;
      },
      `a line matching ${pattern}`,
      ms,
    );
  }

  /**
   * Waits for `count` `listening on` lines and returns the addresses they
   * name (`count` is how many listeners the command line asked for).
   */
  async listening(count = 1, ms = PROCESS_WAIT_MS): Promise<Addresses> {
    const urls = await this.#until(
      () => {
        const found = this.#lines.filter((line) => LISTENING.test(line));
        if (found.length >= count) return found.map((line) => line.slice("listening on ".length));
        if (this.#stderrDone) {
          throw this.#failure(`stderr ended after ${found.length} of ${count} listening lines`);
        }
        return undefined;
      },
      `${count} listening lines`,
      ms,
    );
    return parseAddresses(urls);
  }

  /** Sends a signal; a process that already exited is left alone. */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    if (this.#exit) return;
    try {
      this.#child.kill(signal);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error; // TypeError: it already exited.
    }
  }

  /** Waits for the exit, within `ms`; returns the status. */
  async status(ms = PROCESS_WAIT_MS): Promise<Deno.CommandStatus> {
    await this.#until(() => this.#exit, "the process to exit", ms);
    return this.#exit!;
  }

  /** Waits for the exit and the end of both output streams; returns all of it. */
  async finished(ms = PROCESS_WAIT_MS): Promise<Finished> {
    const status = await this.status(ms);
    await this.#until(() => this.#stderrDone || undefined, "stderr to end", ms);
    await this.#pumps;
    return {
      code: status.code,
      signal: status.signal,
      stdout: this.#stdout,
      stderr: this.stderr,
      lines: [...this.#lines],
    };
  }

  /** Kills the process if it still runs, and waits for it and its streams. */
  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.kill("SIGKILL");
    } catch {
      // It ended on its own in the meantime.
    }
    if (this.#piped) await this.#child.stdin.close().catch(() => {});
    await this.#status;
    await this.#pumps.catch(() => {});
  }
}

/** Parses `tcp://HOST:PORT`, `unix://PATH` and `http(s)://HOST:PORT` URLs. */
export function parseAddresses(urls: string[]): Addresses {
  const addresses: Addresses = { urls };
  for (const url of urls) {
    const [, transport, rest] = url.match(/^(tcp|unix|https?):\/\/(.*)$/)!;
    if (transport.startsWith("http")) {
      addresses.http = url;
    } else if (transport === "unix") {
      addresses.unix = { transport: "unix", path: rest };
    } else {
      const match = rest.match(/^(?:\[(.+)\]|([^:]+)):(\d+)$/);
      if (!match) throw new Error(`not a tcp://HOST:PORT address: ${url}`);
      addresses.tcp = { transport: "tcp", hostname: match[1] ?? match[2], port: Number(match[3]) };
    }
  }
  return addresses;
}

/** The command-line flags that reach a TCP listener on 127.0.0.1 `port`. */
export function tcpFlags(port: number): string[] {
  return ["--host", "127.0.0.1", "--port", String(port)];
}

/**
 * The command-line flags of a server listening on 127.0.0.1 port 0 (TCP)
 * and on the Unix socket `socket`: two `listening on` lines.
 */
export function localFlags(socket: string): string[] {
  return [...tcpFlags(0), "--unix", socket];
}

/** A temp directory removed (with what is in it) by `await using`. */
export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "chat-cli-test-" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true });
    },
  };
}

/** Fails unless nothing (not even a dangling link) is at `path`. */
export async function assertGone(path: string): Promise<void> {
  try {
    await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  throw new Error(`${path} still exists`);
}

export { WAIT_MS };
