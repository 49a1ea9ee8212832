/**
 * The interactive client's commands: a typed line understood as a message or
 * a `/command`, the hint for a command misused or unknown, and what `/help`
 * prints. Pure: no I/O.
 *
 * @module
 */

/** What `/help` prints. */
export const INTERACTIVE_COMMANDS = `commands:
  /nick NAME        change your display name
  /who [ROOM]       list sessions (of a room)
  /join ROOM        join a room (#ROOM is the same room)
  /leave ROOM       leave a room
  /msg NAME TEXT    send a direct message
  /room ROOM TEXT   send a message to a room you are in
  /history [ROOM] [N]  show the last N (default 20) messages of a room, or of all
  /help             list these
  /quit, exit       leave (Ctrl+D on an empty line and Ctrl+C too)
any other line is sent to everyone; start it with // to send one that begins with /;
Tab completes commands, names and rooms`;

/** A line typed at the prompt, understood. */
export type Command =
  | { kind: "empty" }
  | { kind: "message"; text: string }
  | { kind: "nick"; name: string }
  | { kind: "who"; room?: string }
  | { kind: "join"; room: string }
  | { kind: "leave"; room: string }
  | { kind: "msg"; to: string; text: string }
  | { kind: "room"; room: string; text: string }
  | { kind: "history"; room?: string; count: number }
  | { kind: "help" }
  | { kind: "quit" }
  /** A known command with wrong arguments: `text` says how to use it. */
  | { kind: "usage"; text: string }
  | { kind: "unknown"; name: string };

/** A line that is neither sent nor run: a command misused, or one that does not exist. */
export type Misused = Extract<Command, { kind: "usage" | "unknown" }>;

const USAGE: Record<string, string> = {
  nick: "/nick NAME",
  who: "/who [ROOM]",
  join: "/join ROOM",
  leave: "/leave ROOM",
  msg: "/msg NAME TEXT",
  room: "/room ROOM TEXT",
  history: "/history [ROOM] [N]",
  help: "/help",
  quit: "/quit",
};

/** The commands as typed (`/nick`, `/who`, ...), for completion. */
export const COMMAND_NAMES: readonly string[] = Object.keys(USAGE).map((name) => `/${name}`);

/** What a command's first argument names: a connected session or a room (none: free text). */
export const FIRST_ARGUMENT: Readonly<Record<string, "name" | "room">> = {
  who: "room",
  join: "room",
  leave: "room",
  msg: "name",
  room: "room",
  history: "room",
};

/** How many messages `/history` shows when it is not told. */
export const HISTORY_LINES = 20;

/** A room argument as the server knows it: a leading `#` is dropped (`#lobby` is `lobby`). */
export function roomArgument(typed: string): string {
  return typed.length > 1 && typed.startsWith("#") ? typed.slice(1) : typed;
}

/**
 * Understands a typed line: `exit` and the `/commands` of CLI.md, `//text`
 * for a message that starts with a slash, any other line a message to all.
 * Surrounding whitespace is trimmed; a blank line is `empty`; a room typed
 * with a leading `#` is the room without it.
 */
export function parseCommand(line: string): Command {
  const text = line.trim();
  if (text === "") return { kind: "empty" };
  if (text === "exit") return { kind: "quit" };
  if (text.startsWith("//")) return { kind: "message", text: text.slice(1) };
  if (!text.startsWith("/")) return { kind: "message", text };
  const [, word, rest = ""] = /^\/(\S*)\s*([\s\S]*)$/.exec(text)!;
  const name = word.toLowerCase();
  const args = rest === "" ? [] : rest.split(/\s+/);
  const usage = (): Command => ({ kind: "usage", text: USAGE[name] });
  // `/cmd A TEXT`: the first word, then the rest as typed.
  const pair = () => /^(\S+)\s+([\s\S]+)$/.exec(rest);
  switch (name) {
    case "nick":
      return args.length === 1 ? { kind: "nick", name: args[0] } : usage();
    case "who":
      if (args.length > 1) return usage();
      return args.length === 1 ? { kind: "who", room: roomArgument(args[0]) } : { kind: "who" };
    case "join":
    case "leave":
      return args.length === 1 ? { kind: name, room: roomArgument(args[0]) } : usage();
    case "msg": {
      const m = pair();
      return m ? { kind: "msg", to: m[1], text: m[2] } : usage();
    }
    case "room": {
      const m = pair();
      return m ? { kind: "room", room: roomArgument(m[1]), text: m[2] } : usage();
    }
    case "history": {
      // An argument of digits alone is N; anything else is the room.
      const count = args.length > 0 && /^\d+$/.test(args[args.length - 1])
        ? Number(args.pop())
        : HISTORY_LINES;
      if (args.length > 1 || count < 1) return usage();
      return args.length === 1
        ? { kind: "history", room: roomArgument(args[0]), count }
        : { kind: "history", count };
    }
    case "help":
      return { kind: "help" };
    case "quit":
    case "exit":
      return { kind: "quit" };
    default:
      return { kind: "unknown", name: word };
  }
}

/** The status line for a misused or unknown command: how to use it, or where the list is. */
export function commandHint(command: Misused): string {
  return command.kind === "usage"
    ? `usage: ${command.text}`
    : `unknown command /${command.name}; /help lists the commands`;
}
