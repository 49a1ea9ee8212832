/**
 * `chat client file FILE|-`: send each line as a message, print what comes
 * back, and exit 0 only once every line was acknowledged.
 *
 * @module
 */

import { ChatError } from "../protocol/errors.ts";
import type { Frame } from "../protocol/messages.ts";
import { ChatClient, type ClientOptions, ConnectionClosedError } from "./client.ts";
import { formatFrame } from "./format.ts";

/** How many messages may wait for their acknowledgement at once. */
export const FILE_WINDOW = 64;

/** Where the file mode writes: standard output and standard error by default. */
export interface Output {
  /** Writes a line of received text. */
  out(line: string): void;
  /** Writes a line of status. */
  err(line: string): void;
  /** Rewrites the progress line (a terminal only), or clears it with `""`. */
  progress?(line: string): void;
}

/** Settings of the file mode. */
export interface FileModeOptions {
  /** The client's settings. */
  client: ClientOptions;
  /** The lines to send (trimmed, blank ones skipped, stopping at `exit`). */
  lines: AsyncIterable<string>;
  /** Messages in flight at once (default {@linkcode FILE_WINDOW}). */
  window?: number;
  /** Where to write. */
  output: Output;
}

/** A client that prints every frame it is not waiting for, as it arrives. */
class PrintingClient extends ChatClient {
  #output: Output;

  constructor(options: ClientOptions, output: Output) {
    super(options);
    this.#output = output;
  }

  protected override onFrame(frame: Frame): void {
    const line = formatFrame(frame);
    if (line === null) return;
    if (frame.type === "message") this.#output.out(line);
    else this.#output.err(line);
  }
}

/** The lines of a file mode source that are sent: trimmed, non-empty, up to `exit`. */
export async function* commandLines(lines: AsyncIterable<string>): AsyncGenerator<string> {
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === "") continue;
    if (line === "exit") return;
    yield line;
  }
}

/** Runs the file mode; resolves to the exit status (0, or 1 with a reason written). */
export async function runFileMode(options: FileModeOptions): Promise<number> {
  const { output } = options;
  const client = new PrintingClient(options.client, output);
  const started = performance.now();
  try {
    await client.connect();
  } catch (error) {
    output.err(`chat: ${connectFailure(client, error)}`);
    return 1;
  }
  const window = options.window ?? FILE_WINDOW;
  let sent = 0;
  let acked = 0;
  const refused: string[] = [];
  let lost: ConnectionClosedError | undefined;
  /** Lines were left unsent because the connection had ended. */
  let stopped = false;
  const inFlight = new Set<Promise<void>>();
  const progress = output.progress
    ? setInterval(() => output.progress!(`sending: ${sent} sent, ${acked} acknowledged`), 200)
    : undefined;
  try {
    for await (const line of commandLines(options.lines)) {
      if (lost || !client.connected) {
        stopped = true;
        break;
      }
      while (inFlight.size >= window) await Promise.race(inFlight);
      if (lost) break;
      sent++;
      const n = sent;
      const done: Promise<void> = client.message(line).then(
        () => void acked++,
        (error) => {
          if (error instanceof ConnectionClosedError) lost ??= error;
          else refused.push(`line ${n}: ${(error as Error).message}`);
        },
      ).finally(() => inFlight.delete(done));
      inFlight.add(done);
    }
    await Promise.all(inFlight);
  } finally {
    clearInterval(progress);
    output.progress?.("");
  }
  // Whether the connection ended before the goodbye (after it, it always has).
  const ended = !client.connected;
  if (!lost && !ended) await client.disconnect();
  else await client.close();
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  output.err(`sent ${lines(sent)}, ${acked} acknowledged, in ${seconds} s`);
  if (lost || (ended && (stopped || acked + refused.length < sent))) {
    const reason = lost?.info.reason ?? (await client.closed).reason;
    output.err(`chat: lost the server (${reason}): ${acked} of ${sent} lines were delivered`);
    return 1;
  }
  if (refused.length > 0) {
    for (const why of refused) output.err(`chat: refused ${why}`);
    output.err(`chat: ${refused.length} of ${sent} lines were refused by the server`);
    return 1;
  }
  return 0;
}

function lines(n: number): string {
  return n === 1 ? "1 line" : `${n} lines`;
}

/** A one-line reason why connecting or the handshake failed. */
export function connectFailure(client: ChatClient, error: unknown): string {
  if (error instanceof ChatError) {
    return `refused by the server at ${client.url}: ${error.code}: ${error.message}`;
  }
  if (error instanceof ConnectionClosedError) {
    return `refused by the server at ${client.url}: ${error.info.reason}`;
  }
  return (error as Error).message;
}
