/**
 * One line typed in the interactive mode, handled: a local command answered
 * at once, anything else run on the connection (waiting through a
 * reconnection) and its outcome told.
 *
 * @module
 */

import { ChatError } from "../protocol/errors.ts";
import { nameKey } from "../protocol/names.ts";
import type { Frame } from "../protocol/messages.ts";
import { ConnectionClosedError } from "./client.ts";
import { commandHint, INTERACTIVE_COMMANDS, parseCommand } from "./commands.ts";
import { TooLongError } from "./frame_limit.ts";
import type { Screen } from "./screen.ts";
import type { ReconnectingSession } from "./reconnecting_session.ts";
import { formatWho } from "./screen_format.ts";

/** Handles one line: a command, or a message once the server has acknowledged it. */
export async function handleLine(session: ReconnectingSession, line: string): Promise<void> {
  if (session.stopping) return;
  const { screen, remembered } = session;
  const command = parseCommand(line);
  switch (command.kind) {
    case "empty":
      return;
    case "help":
      return screen.message(INTERACTIVE_COMMANDS);
    case "usage":
    case "unknown":
      return screen.info(commandHint(command));
    case "quit":
      return await session.quit();
  }
  if (screen.tty && !session.connected) {
    screen.info("not connected: it goes once the server is back (Ctrl+C leaves)");
  }
  const client = await session.live();
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
