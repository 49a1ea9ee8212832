/**
 * Runs `chat client interactive` (from source) for a test, either behind a
 * real pseudo-terminal or with piped standard input. The pseudo-terminal is
 * a small Python bridge (its `pty` module): the test's writes reach the
 * program as keys typed on a terminal, and what the program writes to the
 * terminal comes back on the bridge's standard output, where a
 * {@linkcode Screen} replays it. Waits are on what appears, with a deadline,
 * never a fixed sleep; `await using` kills and reaps everything.
 *
 * @module
 */

import { fileURLToPath as fromFileUrl } from "node:url";
import { PERMISSIONS } from "../../src/cli/permissions.ts";
import { Screen } from "./screen.ts";
import { Wakeup } from "./wakeup.ts";

/** The repository root (where `deno.json` is). */
const ROOT = fromFileUrl(new URL("../../", import.meta.url));

/** How long a test waits for the program to start, print or exit. */
export const TERMINAL_WAIT_MS = 15_000;

/**
 * The bridge: `python3 -c BRIDGE COLUMNS ROWS COMMAND...` runs COMMAND on a
 * new pseudo-terminal of that size, copies its own standard input to the
 * terminal and the terminal's output to its standard output, and exits with
 * COMMAND's status (128 + N for a death by signal N). SIGTERM kills COMMAND.
 */
const BRIDGE = `
import fcntl, os, pty, select, signal, struct, sys, termios
cols, rows, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.execvp(argv[0], argv)
def stop(signum, frame):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
signal.signal(signal.SIGTERM, stop)
reading = True
while True:
    r, _, _ = select.select([fd, 0] if reading else [fd], [], [])
    if 0 in r:
        data = os.read(0, 65536)
        if not data:
            reading = False
        while data:
            data = data[os.write(fd, data):]
    if fd in r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        while data:
            data = data[os.write(1, data):]
_, status = os.waitpid(pid, 0)
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
`;

/** Options of {@linkcode ChatTerminal.spawn}. */
export interface TerminalOptions {
  /** Behind a pseudo-terminal (default) or with piped standard input (false). */
  pty?: boolean;
  /** The terminal's width (default 80). */
  columns?: number;
  /** The terminal's height (default 24). */
  rows?: number;
  /**
   * A shell command to run on the same terminal after the program (with a
   * pseudo-terminal only), such as `stty -a` to see the modes it left. The
   * program's status is then printed as `exit status N`.
   */
  then?: string;
  /** Environment variables added (inherited `CHAT_*` ones are dropped), such as `CHAT_PASSWORD`. */
  env?: Record<string, string>;
}

/** A running `chat client interactive`. */
export class ChatTerminal implements AsyncDisposable {
  /** The terminal as the program drew it (standard output, for piped input). */
  readonly screen: Screen;
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #pumps: Promise<void>;
  #stdout = "";
  #stderr = "";
  #status: Deno.CommandStatus | undefined;
  readonly #wakeup = new Wakeup();
  #inputClosed = false;
  readonly #pty: boolean;

  private constructor(args: string[], options: TerminalOptions) {
    const columns = options.columns ?? 80;
    this.#pty = options.pty !== false;
    this.screen = new Screen(columns);
    let deno = [Deno.execPath(), "run", ...PERMISSIONS, "main.ts", "client", "interactive"];
    if (options.then !== undefined) {
      deno = ["sh", "-c", `"$@"; echo "exit status $?"; ${options.then}`, "sh", ...deno];
    }
    const [command, ...rest] = !this.#pty
      ? [...deno, ...args]
      : ["python3", "-c", BRIDGE, String(columns), String(options.rows ?? 24), ...deno, ...args];
    const env = Object.fromEntries(
      Object.entries(Deno.env.toObject()).filter(([name]) => !name.startsWith("CHAT_")),
    );
    this.#child = new Deno.Command(command, {
      args: rest,
      cwd: ROOT,
      clearEnv: true,
      env: { ...env, NO_COLOR: "1", ...options.env },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#pumps = Promise.all([
      this.#pump(this.#child.stdout, (text) => {
        this.#stdout += text;
        this.screen.write(text);
      }),
      this.#pump(this.#child.stderr, (text) => this.#stderr += text),
    ]).then(() => {});
    this.#child.status.then((status) => {
      this.#status = status;
      this.#wakeup.wake();
    });
  }

  /** Starts `chat client interactive ARGS...`. */
  static spawn(args: string[], options: TerminalOptions = {}): ChatTerminal {
    return new ChatTerminal(args, options);
  }

  /** Everything written to standard output (the terminal, behind the bridge). */
  get stdout(): string {
    return this.#stdout;
  }

  /** Everything written to standard error (also on the terminal, behind the bridge). */
  get stderr(): string {
    return this.#stderr;
  }

  async #pump(stream: ReadableStream<Uint8Array>, sink: (text: string) => void): Promise<void> {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      sink(text);
      this.#wakeup.wake();
    }
  }

  /** Types (or pipes) `text`. */
  async write(text: string): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(text));
  }

  /** Ends standard input. */
  async closeInput(): Promise<void> {
    if (this.#inputClosed) return;
    this.#inputClosed = true;
    await this.#writer.close().catch(() => {});
  }

  /**
   * Waits until `check()` returns something other than undefined or false
   * (checked again whenever the program writes or exits); rejects after `ms`.
   */
  async waitFor<T>(
    check: () => T | undefined | false,
    what: string,
    ms = TERMINAL_WAIT_MS,
  ): Promise<T> {
    const seen = (): T | undefined => {
      const value = check();
      return value === false ? undefined : value;
    };
    const failure = (why: string) =>
      `${why} while waiting for ${what}; screen:\n${this.screen.lines.join("\n")}` +
      `\nstderr:\n${this.#stderr}`;
    const got = await this.#wakeup.until<{ value: T } | { exited: Deno.CommandStatus }>(
      () => {
        const value = seen();
        if (value !== undefined) return { value };
        return this.#status && { exited: this.#status };
      },
      ms,
      () => failure(`${ms} ms passed`),
    );
    if ("value" in got) return got.value;
    await this.#pumps; // The last output, then a last look.
    const last = seen();
    if (last !== undefined) return last;
    throw new Error(failure(`the program exited (${got.exited.code})`));
  }

  /** Waits until standard output (with the bridge: the terminal) has shown `text`. */
  async waitForText(text: string, ms = TERMINAL_WAIT_MS): Promise<void> {
    await this.waitFor(() => this.#stdout.includes(text), JSON.stringify(text), ms);
  }

  /** Waits until standard error has shown `text` (piped input only: the bridge merges them). */
  async waitForError(text: string, ms = TERMINAL_WAIT_MS): Promise<void> {
    await this.waitFor(() => this.#stderr.includes(text), `${JSON.stringify(text)} on stderr`, ms);
  }

  /** Waits until the screen's last line reads `line` (with the prompt, `"> "` is `">"`). */
  async waitForLastLine(line: string, ms = TERMINAL_WAIT_MS): Promise<void> {
    const want = line.trimEnd();
    await this.waitFor(
      () => this.screen.lastLine === want,
      `last line ${JSON.stringify(want)}`,
      ms,
    );
  }

  /** Waits for the program to exit and for all of its output; resolves to its status. */
  async exited(ms = TERMINAL_WAIT_MS): Promise<Deno.CommandStatus> {
    const deadline = Date.now() + ms;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`the program did not exit within ${ms} ms; stdout:\n${this.#stdout}`)),
        Math.max(0, deadline - Date.now()),
      );
    });
    try {
      const status = await Promise.race([this.#child.status, late]);
      await Promise.race([this.#pumps, late]);
      return status;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the program if it still runs, and waits for it and its output streams. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#status) {
      try {
        // The bridge passes SIGTERM on as SIGKILL.
        this.#child.kill(this.#pty ? "SIGTERM" : "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    await this.closeInput();
    this.#writer.releaseLock();
    await this.#child.status;
    await this.#pumps;
  }
}
