/**
 * `chat client file FILE|-`: send each line as a message, print what comes
 * back, and exit 0 only once every line was acknowledged. A line too long
 * for the server is reported and skipped; the end of the server ends the
 * run at once, even while it waits for more input.
 *
 * @module
 */

import { PROTOCOL_DEFAULTS } from "../protocol/defaults.ts";
import { ChatError } from "../protocol/errors.ts";
import type { Frame } from "../protocol/messages.ts";
import { ChatClient, type ClientOptions, ConnectionClosedError } from "./client.ts";
import { formatFrame } from "./format.ts";
import { TooLongError } from "./frame_limit.ts";
import { loginEnding, loginRefusal, loginRefusedLine } from "./login_outcome.ts";
import { givesUp, reconnectDelay } from "./reconnect.ts";

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
  /**
   * When the server is lost, reconnect and resume for up to the resume
   * window, sending again each line that had no `ack` (`--reconnect`).
   */
  reconnect?: boolean;
  /** Seconds to keep trying (default the server's default resume window, 120). */
  resumeWindow?: number;
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

/** A line of the source that is to be sent, with its number in the source (counted from 1). */
export interface SourceLine {
  /** Its line number in the source, blank lines counted. */
  number: number;
  /** The line, trimmed. */
  text: string;
}

/** The lines of a file mode source that are sent: trimmed, non-empty, up to `exit`. */
export async function* commandLines(lines: AsyncIterable<string>): AsyncGenerator<SourceLine> {
  let number = 0;
  for await (const raw of lines) {
    number++;
    const text = raw.trim();
    if (text === "") continue;
    if (text === "exit") return;
    yield { number, text };
  }
}

/** How the lines fared. */
interface Tally {
  /** Lines written to the server. */
  sent: number;
  /** Lines the server acknowledged. */
  acked: number;
  /** Lines the server refused, with its reason, as reported. */
  refused: string[];
  /** Line numbers of lines too long for the server (not sent). */
  tooLong: number[];
}

/** Runs the file mode; resolves to the exit status (0, or 1 with a reason written). */
export async function runFileMode(options: FileModeOptions): Promise<number> {
  const { output } = options;
  let client: ChatClient = new PrintingClient(options.client, output);
  const started = performance.now();
  try {
    await client.connect();
  } catch (error) {
    output.err(failureLine(client, error));
    return 1;
  }
  if (client.nameError) {
    const { code, message } = client.nameError;
    output.err(
      `chat: the server refused --name ${options.client.name} (${code}: ${message}); ` +
        `the lines are sent as ${client.name}`,
    );
  }
  const window = options.window ?? FILE_WINDOW;
  const tally: Tally = { sent: 0, acked: 0, refused: [], tooLong: [] };
  let lost: ConnectionClosedError | undefined;
  /** The connection ended before the source did: lines may have been left unsent. */
  let stopped = false;
  const inFlight = new Set<Promise<void>>();
  /** With --reconnect: the lines sent and not acknowledged, by line number (their frame id). */
  const unacked = new Map<number, string>();
  const progress = output.progress
    ? setInterval(
      () => output.progress!(`sending: ${tally.sent} sent, ${tally.acked} acknowledged`),
      200,
    )
    : undefined;
  /** Sends line `number` on the current connection; its id is its number, so a resend is known. */
  const send = (number: number, text: string) => {
    unacked.set(number, text);
    const done: Promise<void> = client.request({ type: "message", content: text, id: number })
      .then(
        () => {
          unacked.delete(number);
          tally.acked++;
        },
        (error) => {
          if (error instanceof ConnectionClosedError) {
            if (!options.reconnect) lost ??= error; // else it waits for the resume
            return;
          }
          unacked.delete(number);
          if (error instanceof TooLongError) {
            tally.sent--;
            tally.tooLong.push(number);
            output.err(`chat: line ${number} not sent: ${error.message}`);
          } else {
            tally.refused.push(`line ${number}: ${(error as Error).message}`);
          }
        },
      ).finally(() => inFlight.delete(done));
    inFlight.add(done);
  };
  /** The server is lost: with --reconnect, resume and send again what had no ack; false when that failed. */
  const recover = async (): Promise<boolean> => {
    await Promise.all(inFlight);
    if (!options.reconnect) return false;
    // An account's session ended for good (logged in elsewhere, removed, changed): never again.
    if (loginEnding(await client.closed) !== undefined) return false;
    const next = await reconnectFile(client, options);
    if (!next) return false;
    client = next;
    for (const [number, text] of [...unacked].sort(([a], [b]) => a - b)) send(number, text);
    return true;
  };
  const source = commandLines(options.lines)[Symbol.asyncIterator]();
  try {
    // CLI.md: the end of the server ends the run at once, even while it waits for more input.
    let reading = source.next();
    for (;;) {
      const ended = client.closed.then(() => undefined);
      const next = await Promise.race([reading, ended]);
      if (lost || !client.connected) {
        if (!await recover()) {
          stopped = true;
          break;
        }
        if (next === undefined) continue; // the line read meanwhile is still to come
      }
      if (next === undefined) continue;
      if (next.done) {
        await Promise.all(inFlight);
        if (unacked.size === 0 || !await recover()) break;
        continue; // the resent lines are on their way
      }
      reading = source.next();
      while (inFlight.size >= window) await Promise.race(inFlight);
      if (lost) break;
      tally.sent++;
      send(next.value.number, next.value.text);
    }
    await Promise.all(inFlight);
  } finally {
    clearInterval(progress);
    output.progress?.("");
  }
  // Whether the connection ended before the goodbye (after it, it always has).
  const gone = !client.connected;
  if (!lost && !gone) await client.disconnect();
  else await client.close();
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  output.err(`sent ${lines(tally.sent)}, ${tally.acked} acknowledged, in ${seconds} s`);
  // After the goodbye or the close, the connection has ended: a login ended for good says so.
  const ending = loginEnding(await client.closed);
  if (ending !== undefined) {
    output.err(loginRefusedLine(ending));
    return 1;
  }
  if (lost || (gone && (stopped || tally.acked + tally.refused.length < tally.sent))) {
    const reason = lost?.info.reason ?? (await client.closed).reason;
    output.err(
      `chat: lost the server (${reason}): ${tally.acked} of ${tally.sent} lines were delivered`,
    );
    return 1;
  }
  return reportRefusals(tally, output) ? 1 : 0;
}

/**
 * `--reconnect`: connects again and resumes the session of `lost`, with
 * backoff, for up to the resume window; the new client, or `undefined`
 * (said on standard error) when it could not.
 */
async function reconnectFile(
  lost: ChatClient,
  options: FileModeOptions,
): Promise<ChatClient | undefined> {
  const { output } = options;
  const windowMs = 1000 * (options.resumeWindow ?? PROTOCOL_DEFAULTS.resumeWindow);
  const deadline = Date.now() + windowMs;
  const resume = lost.resumePoint;
  output.err(`chat: lost the server (${(await lost.closed).reason}); reconnecting`);
  for (let attempt = 1;; attempt++) {
    const client = new PrintingClient({ ...options.client, resume }, options.output);
    try {
      await client.connect();
      const resumed = client.resumed;
      if (!resume || !resumed?.resumed) {
        output.err(
          "chat: the session could not be resumed: the lines without an ack are sent again, " +
            "and may arrive twice",
        );
      } else if (!resumed.recovered) {
        output.err("chat: resumed, but some messages sent to you meanwhile were lost");
      } else {
        output.err(`chat: resumed after ${attempt} tr${attempt === 1 ? "y" : "ies"}`);
      }
      return client;
    } catch (error) {
      await client.close();
      const late = Date.now() + reconnectDelay(attempt) > deadline;
      if (givesUp(error) || late) {
        output.err(
          loginRefusal(client, error) === undefined
            ? `chat: could not reconnect: ${connectFailure(client, error)}`
            : failureLine(client, error),
        );
        return undefined;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, reconnectDelay(attempt)));
  }
}

/** Says which lines the server did not take; returns whether there were any. */
function reportRefusals({ sent, refused, tooLong }: Tally, output: Output): boolean {
  for (const why of refused) output.err(`chat: refused ${why}`);
  if (refused.length > 0) {
    output.err(`chat: ${refused.length} of ${sent} lines were refused by the server`);
  }
  if (tooLong.length > 0) {
    const which = `line${tooLong.length === 1 ? "" : "s"} ${tooLong.join(", ")}`;
    const were = tooLong.length === 1 ? "was" : "were";
    output.err(
      `chat: ${lines(tooLong.length)} ${were} not sent, too long for the server (${which})`,
    );
  }
  return refused.length > 0 || tooLong.length > 0;
}

function lines(n: number): string {
  return n === 1 ? "1 line" : `${n} lines`;
}

/**
 * The line written on standard error when connecting or the handshake
 * failed: `login refused: <reason>` for a refused login, else
 * `chat: <why>`.
 */
export function failureLine(client: ChatClient, error: unknown): string {
  const refused = loginRefusal(client, error);
  return refused === undefined
    ? `chat: ${connectFailure(client, error)}`
    : loginRefusedLine(refused);
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
