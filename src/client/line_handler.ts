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
import {
  type Command,
  commandHint,
  HISTORY_LINES,
  INTERACTIVE_COMMANDS,
  parseCommand,
} from "./commands.ts";
import { TooLongError } from "./frame_limit.ts";
import type { Screen } from "./screen.ts";
import type { ReconnectingSession } from "./reconnecting_session.ts";
import { formatIncoming, formatWho } from "./screen_format.ts";

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
        return delivered(screen, await sendOnce(session, client, { content: command.text }));
      case "msg":
        return delivered(
          screen,
          await sendOnce(session, client, { content: command.text, to: command.to }),
        );
      case "room":
        return delivered(
          screen,
          await sendOnce(session, client, { content: command.text, room: command.room }),
        );
      case "history":
        return await showHistory(screen, client, command.room, command.count);
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
        screen.info(`joined #${command.room}`);
        // The room's recent messages, where the server keeps history.
        if (client.resumePoint) await showHistory(screen, client, command.room, HISTORY_LINES);
        return;
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

/**
 * Sends a message and waits for its `ack`. When the connection is lost
 * first and the session resumes on the next one, the message is sent again
 * under its first id: the server delivers it once.
 */
async function sendOnce(
  session: ReconnectingSession,
  client: ChatClient,
  message: { content: string; to?: string; room?: string },
): Promise<Frame> {
  const frame: Frame = { type: "message", ...message };
  for (;;) {
    try {
      return await client.request(frame); // gives the frame its id, kept for a resend
    } catch (error) {
      if (!(error instanceof ConnectionClosedError) || frame.id === undefined) throw error;
      const next = await session.live();
      if (!next?.resumed?.resumed) throw error;
      client = next;
    }
  }
}

/** Shows the last `count` messages of `room` (none: the room-less space and direct ones). */
async function showHistory(
  screen: Screen,
  client: ChatClient,
  room: string | undefined,
  count: number,
): Promise<void> {
  const { messages, more } = await client.history(room, { limit: count });
  const where = room === undefined ? "" : ` of #${room}`;
  if (messages.length === 0) return screen.info(`no messages${where} in history`);
  const last = messages.length === 1 ? "the last message" : `the last ${messages.length} messages`;
  screen.info(`${last}${where}${more ? " (older ones kept)" : ""}:`);
  for (const message of messages) {
    const text = formatIncoming(message);
    if (text !== null) screen.message(text);
  }
}

/** On a terminal, says when a message reached nobody. */
function delivered(screen: Screen, ack: Frame): void {
  if (screen.tty && ack.recipients === 0) screen.info("(nobody received it)");
}
