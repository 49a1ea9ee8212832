/**
 * `chat client interactive`: a `> ` prompt with line editing and Tab
 * completion on a terminal, each line sent as a message (or run as a
 * `/command`), incoming messages printed above the prompt without garbling
 * what is being typed, and a reconnection with backoff that restores the
 * name and the rooms when the server goes away.
 *
 * When standard input is not a terminal, it reads lines instead, handles
 * each in order (waiting for the server's answer before the next), prints
 * what it receives on standard output, and disconnects at the end of input.
 *
 * @module
 */

import type { ClientOptions } from "./client.ts";
import { parseCommand } from "./commands.ts";
import { Completer } from "./completer.ts";
import { LineQueue } from "./line_handler.ts";
import { readLines } from "./lines.ts";
import { PlainScreen } from "./plain_screen.ts";
import { ReconnectingSession } from "./reconnecting_session.ts";
import { TtyScreen } from "./tty_screen.ts";

/** Settings of the interactive mode. */
export interface InteractiveOptions {
  /** The client's settings. */
  client: ClientOptions;
  /** Reconnect with backoff when the server is lost (else exit 1). */
  reconnect: boolean;
}

/** Runs the interactive mode; resolves to the exit status. */
export async function runInteractive(options: InteractiveOptions): Promise<number> {
  const tty = Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
  const screen = tty ? new TtyScreen() : new PlainScreen();
  const session = new ReconnectingSession({ ...options, screen });
  const leave = () => void session.quit();
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT"]
    : ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const signal of signals) Deno.addSignalListener(signal, leave);
  try {
    // A signal while connecting ends the wait at once.
    await Promise.race([session.connect(), session.done]);
    if (session.stopping) return await session.done;
    if (screen instanceof TtyScreen) {
      const lines = new LineQueue(session);
      const completer = new Completer(session);
      screen.start({
        complete: (text, cursor) => completer.complete(text, cursor),
        submit(line) {
          // Leaving does not wait behind lines still in flight.
          if (parseCommand(line).kind === "quit") void session.quit();
          else void lines.push(line);
        },
        quit: leave,
      });
    } else {
      readPiped(session, new LineQueue(session)).catch(leave);
    }
    return await session.done;
  } finally {
    for (const signal of signals) Deno.removeSignalListener(signal, leave);
    screen.close();
  }
}

/** Piped input: each line in turn, then a clean goodbye at the end of input. */
async function readPiped(session: ReconnectingSession, lines: LineQueue): Promise<void> {
  for await (const line of readLines(Deno.stdin.readable)) {
    if (session.stopping) return;
    await lines.push(line);
  }
  await session.quit();
}
