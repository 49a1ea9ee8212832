/**
 * Runs `main.ts` in a child process, as `chat` would run, with text piped to
 * its standard input (which `spawn.ts` does not offer), and collects what it
 * wrote. A deadline kills a child that does not exit (never a fixed sleep).
 *
 * @module
 */

import { PERMISSIONS } from "../../src/cli/permissions.ts";

/** The permissions `main.ts` runs with (README, `deno task chat`). */
export const MAIN_PERMISSIONS: readonly string[] = PERMISSIONS;

/** The path of `main.ts`. */
export const MAIN_TS = new URL("../../main.ts", import.meta.url).pathname;

/** The repository root: the child's working directory. */
export const ROOT = new URL("../../", import.meta.url).pathname;

/** How long a child may run before the test fails. */
export const RUN_MS = 20_000;

/** Options of {@linkcode runMain}. */
export interface RunOptions {
  /**
   * The child's standard input: text written at once, or a stream piped in
   * as it comes (closed when the stream ends); none: `null` input.
   */
  stdin?: string | Uint8Array | ReadableStream<Uint8Array>;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** The permission flags of `deno run` (default {@linkcode MAIN_PERMISSIONS}). */
  permissions?: readonly string[];
  /** Called with each line of standard error as it arrives. */
  onStderrLine?: (line: string) => void;
  /** Kill the child and fail after this many milliseconds (default {@linkcode RUN_MS}). */
  timeoutMs?: number;
}

/** How a child ended and what it wrote. */
export interface RunResult {
  /** Its exit status. */
  code: number;
  /** Its standard output, decoded. */
  stdout: string;
  /** Its standard error, decoded. */
  stderr: string;
  /** Wall time from spawn to exit, in milliseconds. */
  ms: number;
}

/** Runs `deno run <permissions> main.ts ...args` to completion. */
export async function runMain(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? RUN_MS;
  // The CHAT_* variables of the shell running the tests (CHAT_TOKEN) must not change a test.
  const inherited = Object.fromEntries(
    Object.entries(Deno.env.toObject()).filter(([name]) => !name.startsWith("CHAT_")),
  );
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...(options.permissions ?? MAIN_PERMISSIONS), MAIN_TS, ...args],
    cwd: ROOT,
    clearEnv: true,
    env: { ...inherited, NO_COLOR: "1", ...options.env },
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }, timeoutMs);
  // A stream piped in stops at the child's exit: the child may exit while the test still writes.
  const exited = new AbortController();
  void child.status.then(() => exited.abort());
  const writing = options.stdin === undefined
    ? Promise.resolve()
    : feed(child.stdin, options.stdin, exited.signal);
  try {
    const [stdout, stderr, status] = await Promise.all([
      collect(child.stdout),
      collect(child.stderr, options.onStderrLine),
      child.status,
      writing,
    ]);
    const result: RunResult = {
      code: status.code,
      stdout,
      stderr,
      ms: performance.now() - started,
    };
    if (timedOut) {
      throw new Error(
        `chat ${args.join(" ")} did not exit within ${timeoutMs} ms\n` +
          `stdout: ${result.stdout}\nstderr: ${result.stderr}`,
      );
    }
    return result;
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a stream to its end as text, handing each complete line to `onLine`. */
async function collect(
  stream: ReadableStream<Uint8Array>,
  onLine?: (line: string) => void,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  let partial = "";
  const lines = (chunk: string, end: boolean) => {
    if (!onLine) return;
    partial += chunk;
    const parts = partial.split("\n");
    partial = end ? "" : parts.pop()!;
    for (const line of parts) if (!end || line !== "") onLine(line);
  };
  for await (const chunk of stream) {
    const decoded = decoder.decode(chunk, { stream: true });
    text += decoded;
    lines(decoded, false);
  }
  const rest = decoder.decode();
  text += rest;
  lines(rest, true);
  return text;
}

async function feed(
  stdin: WritableStream<Uint8Array>,
  data: string | Uint8Array | ReadableStream<Uint8Array>,
  exited: AbortSignal,
): Promise<void> {
  if (data instanceof ReadableStream) {
    // The child may exit without reading everything: its status tells.
    await data.pipeTo(stdin, { signal: exited }).catch(() => {});
    return;
  }
  const writer = stdin.getWriter();
  try {
    await writer.write(typeof data === "string" ? new TextEncoder().encode(data) : data);
    await writer.close();
  } catch {
    // The child exited without reading everything: its status tells.
    await writer.abort().catch(() => {});
  }
}

/** The lines of `text`, without the empty one after a final line feed. */
export function linesOf(text: string): string[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/**
 * Asserts the end of a run given a file it cannot read (CLI.md: a runtime
 * failure): exit 1, nothing on standard output, one line `chat: ...`
 * matching `what`, without the pointer to `--help` of a usage error.
 */
export function assertUnreadable(run: RunResult, what: RegExp): void {
  const lines = linesOf(run.stderr);
  if (run.code !== 1 || run.stdout !== "" || lines.length !== 1) {
    throw new Error(`expected exit 1 and one line, got ${run.code}: ${JSON.stringify(run)}`);
  }
  if (!/^chat: /.test(lines[0]) || !what.test(lines[0]) || lines[0].includes("--help")) {
    throw new Error(`expected 'chat: ' and ${what} without --help, got: ${lines[0]}`);
  }
}
