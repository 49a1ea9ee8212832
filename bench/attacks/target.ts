/**
 * The server an attack runs against: `main.ts server` of any checkout
 * (`--root`, so the same attack measures the branch and an older commit),
 * its memory read from /proc, its standard error read or left unread.
 *
 * @module
 */

import { RUN_FLAGS } from "../../src/cli/permissions.ts";
import { residentBytes } from "../../tests/helpers/proc.ts";
import { localFlags, parseAddresses } from "../../tests/helpers/spawn.ts";
import type { ConnectOptions } from "../../src/transport/types.ts";

/** What is done with the server's standard error once it listens. */
export type StderrMode = "read" | "unread";

/** Options of {@linkcode AttackTarget.start}. */
export interface TargetOptions {
  /** The checkout whose `main.ts` runs (default: this one). */
  root?: string;
  /** `read`: every line kept; `unread`: a pipe nobody reads once the server listens. */
  stderr?: StderrMode;
}

const HERE = new URL("../../", import.meta.url).pathname;

/** A `chat server` process under attack. */
export class AttackTarget implements AsyncDisposable {
  /** Its TCP listener on 127.0.0.1. */
  readonly tcp: ConnectOptions & { transport: "tcp"; hostname: string; port: number };
  /** Its Unix socket. */
  readonly unix: ConnectOptions & { transport: "unix"; path: string };
  /** Its process id. */
  readonly pid: number;
  /** The lines of its standard error read so far (all of them in `read` mode). */
  readonly lines: string[];
  readonly #child: Deno.ChildProcess;
  readonly #dir: string;
  readonly #pump: Promise<void>;

  private constructor(
    child: Deno.ChildProcess,
    dir: string,
    lines: string[],
    addresses: { tcp: AttackTarget["tcp"]; unix: AttackTarget["unix"] },
    pump: Promise<void>,
  ) {
    this.#child = child;
    this.pid = child.pid;
    this.#dir = dir;
    this.lines = lines;
    this.tcp = addresses.tcp;
    this.unix = addresses.unix;
    this.#pump = pump;
  }

  /** Starts `main.ts server` on TCP 127.0.0.1 port 0 and a temp Unix socket, with `args`. */
  static async start(args: string[], options: TargetOptions = {}): Promise<AttackTarget> {
    const root = options.root ?? HERE;
    const dir = await Deno.makeTempDir({ prefix: "chat-attack-" });
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...RUN_FLAGS,
        `${root.replace(/\/?$/, "/")}main.ts`,
        "server",
        ...localFlags(`${dir}/s.sock`),
        ...args,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    const lines: string[] = [];
    let partial = "";
    const readSome = async (): Promise<boolean> => {
      const { value, done } = await reader.read();
      if (done) return false;
      const parts = (partial + value).split("\n");
      partial = parts.pop()!;
      lines.push(...parts);
      return true;
    };
    while (lines.filter((line) => line.startsWith("listening on ")).length < 2) {
      if (!await readSome()) {
        await child.status;
        throw new Error(`the server did not start: ${lines.join("\n")}`);
      }
    }
    const urls = lines.filter((line) => line.startsWith("listening on "))
      .map((line) => line.slice("listening on ".length));
    const { tcp, unix } = parseAddresses(urls);
    const pump = options.stderr === "unread" ? Promise.resolve() : (async () => {
      while (await readSome().catch(() => false));
    })();
    if (options.stderr === "unread") reader.releaseLock();
    return new AttackTarget(child, dir, lines, { tcp: tcp!, unix: unix! }, pump);
  }

  /** Resident memory now, in bytes (from /proc). */
  rss(): Promise<number> {
    return residentBytes(this.pid);
  }

  /** Kills the server (SIGKILL: it may be stuck on its standard error) and removes its files. */
  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await this.#child.status;
    await this.#child.stderr.cancel().catch(() => {});
    await this.#pump.catch(() => {});
    await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
  }
}

/** Whether the server of `root` knows the flag `flag` (its `--help` names it). */
export async function supports(root: string | undefined, flag: string): Promise<boolean> {
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...RUN_FLAGS,
      `${(root ?? HERE).replace(/\/?$/, "/")}main.ts`,
      "server",
      "--help",
    ],
    stdin: "null",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(stdout).includes(flag);
}
