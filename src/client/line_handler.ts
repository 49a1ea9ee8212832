/**
 * The lines typed in the interactive mode, handled in turn: a local command
 * answered at once, anything else run on the connection (waiting through a
 * reconnection) and its outcome told.
 *
 * @module
 */

import { ChatError } from "../protocol/errors.ts";
import { nameKey } from "../protocol/names.ts";
import type { Frame } from "../protocol/messages.ts";
import { type ChatClient, ConnectionClosedError } from "./client.ts";
import { type Command, commandHint, INTERACTIVE_COMMANDS, parseCommand } from "./commands.ts";
import { TooLongError } from "./frame_limit.ts";
import type { Screen } from "./screen.ts";
import type { ReconnectingSession } from "./reconnecting_session.ts";
import { formatWho } from "./screen_format.ts";

/** Typed lines, handled one after the other, in the order typed. */
export class LineQueue {
  readonly #session: ReconnectingSession;
  #work: Promise<void> = Promise.resolve();

  /** Creates the queue of `session`'s typed lines. */
  constructor(session: ReconnectingSession) {
    this.#session = session;
  }

  /** Queues a typed line; resolves once it is handled (sent and answered, or not for the server). */
  push(line: string): Promise<void> {
    this.#session.typed();
    const done = this.#work.then(() => handleLine(this.#session, line));
    this.#work = done;
    return done;
  }
}

/**
 * Handles one line: a local command at once, anything else once a
 * connection takes it (the session is told it was handed over), and its
 * answer told.
 */
async function handleLine(session: ReconnectingSession, line: string): Promise<void> {
  const { screen, remembered } = session;
  const command = parseCommand(line);
  if (isLocal(command)) {
    session.handed();
    if (!session.stopping) await local(session, command);
    return;
  }
  let client: ChatClient | undefined;
  try {
    client = session.stopping ? undefined : await session.live();
  } finally {
    session.handed();
  }
  if (!client) return;
  try {
    switch (command.kind) {
      case "message":
        return delivered(screen, await client.message(command.text));
      case "msg":
        return delivered(screen, await client.message(command.text, { to: command.to }));
      case "room":
        return delivered(screen, await client.message(command.text, { room: command.room }));
      case "nick": {
        const name = await client.nick(command.name);
        remembered.name = name;
        return screen.info(`you are now ${name}`);
      }
      case "join":
        if (inRoom(remembered.rooms, command.room)) {
          return screen.info(`you are already in #${command.room}`);
        }
        await client.join(command.room);
        remembered.rooms.add(command.room);
        return screen.info(`joined #${command.room}`);
      case "leave":
        await client.leave(command.room);
        remembered.rooms.delete(command.room);
        return screen.info(`left #${command.room}`);
      case "who":
        return screen.message(formatWho(await client.who(command.room), client.sessionId));
    }
  } catch (error) {
    if (error instanceof ChatError) {
      screen.info(`error (${error.code}): ${error.message}`);
    } else if (error instanceof TooLongError) {
      screen.info(error.message); // Not sent, and the connection stays: Up recalls the line.
    } else if (error instanceof ConnectionClosedError) {
      screen.info(`the connection was lost before the server answered: ${line.trim()}`);
    } else {
      screen.info(`error: ${(error as Error).message}`);
    }
  }
}

/** The commands answered without the server. */
type LocalCommand = Extract<Command, { kind: "empty" | "help" | "usage" | "unknown" | "quit" }>;
const LOCAL: ReadonlySet<Command["kind"]> = new Set(["empty", "help", "usage", "unknown", "quit"]);

function isLocal(command: Command): command is LocalCommand {
  return LOCAL.has(command.kind);
}

/** Runs a command that needs no server. */
async function local(session: ReconnectingSession, command: LocalCommand): Promise<void> {
  switch (command.kind) {
    case "help":
      return session.screen.message(INTERACTIVE_COMMANDS);
    case "usage":
    case "unknown":
      return session.screen.info(commandHint(command));
    case "quit":
      return await session.quit();
  }
}

/** Whether `room` is one of `rooms`, names compared as the server compares them. */
function inRoom(rooms: Iterable<string>, room: string): boolean {
  const key = nameKey(room);
  for (const joined of rooms) if (nameKey(joined) === key) return true;
  return false;
}

/** On a terminal, says when a message reached nobody. */
function delivered(screen: Screen, ack: Frame): void {
  if (screen.tty && ack.recipients === 0) screen.info("(nobody received it)");
}
