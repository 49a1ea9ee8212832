/**
 * `chat client interactive`: a `> ` prompt with line editing on a terminal,
 * each line sent as a message (or run as a `/command`), incoming messages
 * printed above the prompt without garbling what is being typed, and a
 * reconnection with backoff that restores the name and the rooms when the
 * server goes away.
 *
 * When standard input is not a terminal, it reads lines instead, handles
 * each in order (waiting for the server's answer before the next), prints
 * what it receives on standard output, and disconnects at the end of input.
 *
 * @module
 */

import { ChatError, closesConnection, type ErrorCode, isErrorCode } from "../protocol/errors.ts";
import type { Frame } from "../protocol/messages.ts";
import { ChatClient, type ClientOptions, type CloseInfo, ConnectionClosedError } from "./client.ts";
import { connectFailure } from "./file_mode.ts";
import { formatFrame, formatWho } from "./format.ts";
import { displayWidth, LineEditor } from "./line_editor.ts";
import { readLines } from "./lines.ts";

/** Settings of the interactive mode. */
export interface InteractiveOptions {
  /** The client's settings. */
  client: ClientOptions;
  /** Reconnect with backoff when the server is lost (else exit 1). */
  reconnect: boolean;
}

/** The prompt shown before the line being typed. */
export const PROMPT = "> ";
/** The first reconnection delay, in milliseconds; it doubles after each failed try. */
export const RECONNECT_FIRST_MS = 500;
/** The longest reconnection delay, in milliseconds. */
export const RECONNECT_MAX_MS = 8000;

/** Handshake refusals that retrying cannot cure: the client gives up on them. */
const FATAL: readonly ErrorCode[] = ["unauthorized", "bad_session"];

/** What `/help` prints. */
export const INTERACTIVE_COMMANDS = `commands:
  /nick NAME        change your display name
  /who [ROOM]       list sessions (of a room)
  /join ROOM        join a room
  /leave ROOM       leave a room
  /msg NAME TEXT    send a direct message
  /room ROOM TEXT   send a message to a room you are in
  /help             list these
  /quit, exit       leave (Ctrl+D on an empty line and Ctrl+C too)
any other line is sent to everyone; start it with // to send one that begins with /`;

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
  | { kind: "help" }
  | { kind: "quit" }
  /** A known command with wrong arguments: `text` says how to use it. */
  | { kind: "usage"; text: string }
  | { kind: "unknown"; name: string };

const USAGE: Record<string, string> = {
  nick: "/nick NAME",
  who: "/who [ROOM]",
  join: "/join ROOM",
  leave: "/leave ROOM",
  msg: "/msg NAME TEXT",
  room: "/room ROOM TEXT",
  help: "/help",
  quit: "/quit",
};

/**
 * Understands a typed line: `exit` and the `/commands` of CLI.md, `//text`
 * for a message that starts with a slash, any other line a message to all.
 * Surrounding whitespace is trimmed; a blank line is `empty`.
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
      return args.length === 1 ? { kind: "who", room: args[0] } : { kind: "who" };
    case "join":
    case "leave":
      return args.length === 1 ? { kind: name, room: args[0] } : usage();
    case "msg": {
      const m = pair();
      return m ? { kind: "msg", to: m[1], text: m[2] } : usage();
    }
    case "room": {
      const m = pair();
      return m ? { kind: "room", room: m[1], text: m[2] } : usage();
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

/** Makes text safe to print on a terminal: control characters are shown, not obeyed. */
export function printable(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => {
    if (c === "\t") return " ";
    const code = c.charCodeAt(0);
    return code < 0x20 ? `^${String.fromCharCode(code + 64)}` : code === 0x7f ? "^?" : "\ufffd";
  });
}

/** A reason for a lost connection, as the user reads it. */
function describeClose(info: CloseInfo): string {
  return info.code && !info.reason.includes(info.code)
    ? `${info.reason} (${info.code})`
    : info.reason;
}

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}

/** Where the interactive mode writes. */
interface Screen {
  /** A terminal with a prompt (true) or plain lines (false). */
  readonly tty: boolean;
  /** Received messages and answers asked for (`/who`, `/help`). */
  message(text: string): void;
  /** Status: confirmations, errors, the connection's news. */
  info(text: string): void;
  /** A last line before exiting 1, on standard error. */
  fatal(text: string): void;
  /** Restores the terminal. */
  close(): void;
}

const encoder = new TextEncoder();

function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  let offset = 0;
  try {
    while (offset < bytes.length) offset += stream.writeSync(bytes.subarray(offset));
  } catch {
    // The terminal hung up or the pipe's reader left: nothing more can be shown.
  }
}

/** Lines on standard output and standard error: for piped input, no prompt. */
class PlainScreen implements Screen {
  readonly tty = false;
  readonly #clean = Deno.stdout.isTerminal() ? printable : (text: string) => text;

  message(text: string): void {
    writeAll(Deno.stdout, text.split(/\r?\n/).map(this.#clean).join("\n") + "\n");
  }

  info(text: string): void {
    writeAll(Deno.stderr, printable(text) + "\n");
  }

  fatal(text: string): void {
    this.info(text);
  }

  close(): void {}
}

/** What the terminal screen reports of the user's keys. */
interface InputHandlers {
  /** A line was entered. */
  submit(line: string): void;
  /** Ctrl+D on an empty line, Ctrl+C, or the terminal went away. */
  quit(): void;
}

/**
 * The terminal in raw mode: a line editor behind a `> ` prompt. Everything
 * printed goes above the prompt: the prompt line is cleared, the text
 * written, and the prompt, the line being typed and its cursor redrawn.
 */
class TtyScreen implements Screen {
  readonly tty = true;
  readonly #editor = new LineEditor();
  #columns = 80;
  #raw = false;
  /** Whether the prompt is on screen. */
  #prompt = false;
  #onResize = () => {
    this.#columns = terminalColumns();
    this.#redraw();
  };

  /** Enters raw mode, shows the prompt and reads keys until the input ends. */
  start(handlers: InputHandlers): void {
    Deno.stdin.setRaw(true);
    this.#raw = true;
    this.#columns = terminalColumns();
    try {
      Deno.addSignalListener("SIGWINCH", this.#onResize);
    } catch {
      // No SIGWINCH here (Windows): the width is read once.
    }
    this.#prompt = true;
    this.#redraw();
    this.#read(handlers);
  }

  async #read(handlers: InputHandlers): Promise<void> {
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(4096);
    try {
      for (;;) {
        const n = await Deno.stdin.read(buffer);
        if (n === null || !this.#raw) break;
        const events = this.#editor.feed(decoder.decode(buffer.subarray(0, n), { stream: true }));
        for (const event of events) {
          if (event.type === "submit") {
            // The line stays on screen above the new prompt, as typed.
            writeAll(Deno.stdout, `\r\x1b[K${PROMPT}${printable(event.line)}\r\n`);
            handlers.submit(event.line);
          } else if (event.type === "clear") {
            writeAll(Deno.stdout, "\x1b[H\x1b[2J");
          } else {
            handlers.quit();
            return;
          }
        }
        this.#redraw();
      }
    } catch {
      // The terminal went away.
    }
    handlers.quit();
  }

  message(text: string): void {
    this.#above(text);
  }

  info(text: string): void {
    this.#above(text);
  }

  fatal(text: string): void {
    this.#hidePrompt();
    writeAll(Deno.stderr, `${printable(text)}\r\n`);
  }

  close(): void {
    this.#hidePrompt();
    if (!this.#raw) return;
    this.#raw = false;
    try {
      Deno.removeSignalListener("SIGWINCH", this.#onResize);
    } catch {
      // Never added.
    }
    try {
      Deno.stdin.setRaw(false);
    } catch {
      // The terminal is gone.
    }
  }

  #hidePrompt(): void {
    if (this.#prompt) writeAll(Deno.stdout, "\r\x1b[K");
    this.#prompt = false;
  }

  #above(text: string): void {
    let out = "\r\x1b[K" + text.split(/\r?\n/).map(printable).join("\r\n\x1b[K") + "\r\n";
    if (this.#prompt) out += this.#promptLine();
    writeAll(Deno.stdout, out);
  }

  #redraw(): void {
    if (this.#prompt) writeAll(Deno.stdout, this.#promptLine());
  }

  /** The prompt line, drawn from its start, with the cursor put back where it belongs. */
  #promptLine(): string {
    // One column is kept free: writing the last one makes some terminals wrap.
    const view = this.#editor.view(this.#columns - displayWidth(PROMPT) - 1);
    const back = displayWidth(view.text) - view.cursor;
    return `\r\x1b[K${PROMPT}${view.text}${back > 0 ? `\x1b[${back}D` : ""}`;
  }
}

function terminalColumns(): number {
  try {
    const { columns } = Deno.consoleSize();
    return columns > 0 ? columns : 80;
  } catch {
    return 80;
  }
}

/** A client that hands every frame it is not waiting for to a callback, as it arrives. */
class InteractiveClient extends ChatClient {
  readonly #onFrame: (frame: Frame) => void;

  constructor(options: ClientOptions, onFrame: (frame: Frame) => void) {
    super(options);
    this.#onFrame = onFrame;
  }

  protected override onFrame(frame: Frame): void {
    this.#onFrame(frame);
  }
}

/**
 * The session as the user sees it: one connection at a time, replaced by a
 * new one (same name, same rooms) when the server is lost; lines handled in
 * order; a clean goodbye on the way out.
 */
class Interactive {
  readonly #options: InteractiveOptions;
  readonly #screen: Screen;
  /** The current connection (closed while reconnecting). */
  #client?: ChatClient;
  /** Resolves with a connected client; replaced while there is none. */
  #ready = Promise.withResolvers<ChatClient>();
  /** Resolves once the session is ending, to stop waits. */
  readonly #stop = Promise.withResolvers<undefined>();
  #stopping = false;
  readonly #done = Promise.withResolvers<number>();
  /** The name to restore after a reconnection: the one asked for and granted, or set with /nick. */
  #name?: string;
  /** The rooms to restore after a reconnection. */
  readonly #rooms = new Set<string>();
  /** Lines are handled one after the other. */
  #work: Promise<void> = Promise.resolve();

  constructor(options: InteractiveOptions, screen: Screen) {
    this.#options = options;
    this.#screen = screen;
  }

  /** Resolves to the exit status. */
  get done(): Promise<number> {
    return this.#done.promise;
  }

  /** The first connection: a failure is a one-line reason and the exit status 1. */
  async connect(): Promise<void> {
    const client = this.#newClient(this.#options.client.name);
    try {
      await client.connect();
    } catch (error) {
      if (this.#stopping) return;
      this.#screen.fatal(`chat: ${connectFailure(client, error)}`);
      return this.#finish(1);
    }
    if (this.#stopping) return await client.disconnect(); // Ctrl+C while connecting.
    if (client.nameError) {
      const e = client.nameError;
      this.#screen.info(`error (${e.code}): ${e.message}; you are ${client.name}`);
    } else if (this.#options.client.name !== undefined) {
      this.#name = client.name || this.#options.client.name;
    }
    if (this.#screen.tty) {
      this.#screen.info(`connected to ${client.url} as ${client.name}; /help lists the commands`);
    }
    this.#adopt(client);
  }

  /** Queues a line behind those still being handled. */
  enqueue(line: string): void {
    this.#work = this.#work.then(() => this.handle(line));
  }

  /** Whether the session is ending. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Handles one line: a command, or a message once the server has acknowledged it. */
  async handle(line: string): Promise<void> {
    if (this.#stopping) return;
    const command = parseCommand(line);
    switch (command.kind) {
      case "empty":
        return;
      case "help":
        return this.#screen.message(INTERACTIVE_COMMANDS);
      case "usage":
        return this.#screen.info(`usage: ${command.text}`);
      case "unknown":
        return this.#screen.info(`unknown command /${command.name}; /help lists the commands`);
      case "quit":
        return await this.quit();
    }
    if (this.#screen.tty && !this.#client?.connected) {
      this.#screen.info("not connected: it goes once the server is back (Ctrl+C leaves)");
    }
    const client = await this.#live();
    if (!client) return;
    try {
      switch (command.kind) {
        case "message":
          return this.#delivered(await client.message(command.text));
        case "msg":
          return this.#delivered(await client.message(command.text, { to: command.to }));
        case "room":
          return this.#delivered(await client.message(command.text, { room: command.room }));
        case "nick":
          await client.nick(command.name);
          this.#name = command.name;
          return this.#screen.info(`you are now ${command.name}`);
        case "join":
          await client.join(command.room);
          this.#rooms.add(command.room);
          return this.#screen.info(`joined #${command.room}`);
        case "leave":
          await client.leave(command.room);
          this.#rooms.delete(command.room);
          return this.#screen.info(`left #${command.room}`);
        case "who":
          return this.#screen.message(formatWho(await client.who(command.room)));
      }
    } catch (error) {
      if (error instanceof ChatError) {
        this.#screen.info(`error (${error.code}): ${error.message}`);
      } else if (error instanceof ConnectionClosedError) {
        this.#screen.info(`the connection was lost before the server answered: ${line.trim()}`);
      } else {
        this.#screen.info(`error: ${(error as Error).message}`);
      }
    }
  }

  /** Leaves: says `disconnect` to the server (when connected); the exit status is 0. */
  async quit(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#stop.resolve(undefined);
    const client = this.#client;
    try {
      if (client?.connected) await client.disconnect();
      else await client?.close();
    } finally {
      this.#done.resolve(0);
    }
  }

  /** Ends with a status at once (the connection is already gone). */
  #finish(code: number): void {
    this.#stopping = true;
    this.#stop.resolve(undefined);
    this.#done.resolve(code);
  }

  #delivered(ack: Frame): void {
    if (this.#screen.tty && ack.recipients === 0) this.#screen.info("(nobody received it)");
  }

  #newClient(name: string | undefined): ChatClient {
    const options: ClientOptions = { ...this.#options.client };
    if (name === undefined) delete options.name;
    else options.name = name;
    return new InteractiveClient(options, (frame) => this.#onFrame(frame));
  }

  #onFrame(frame: Frame): void {
    // The end of a connection is told once, by #lost: not its disconnect or error frame.
    if (frame.type === "disconnect") return;
    if (frame.type === "error" && isErrorCode(frame.code) && closesConnection(frame.code)) return;
    const line = formatFrame(frame);
    if (line === null) return;
    if (frame.type === "error") this.#screen.info(line);
    else this.#screen.message(line);
  }

  /** Makes `client` the current connection, and watches for its end. */
  #adopt(client: ChatClient): void {
    this.#client = client;
    this.#ready.resolve(client);
    client.closed.then((info) => this.#lost(client, info));
  }

  /** A connected client, waiting through a reconnection; undefined once leaving. */
  async #live(): Promise<ChatClient | undefined> {
    for (;;) {
      const client = await Promise.race([this.#ready.promise, this.#stop.promise]);
      if (client === undefined || this.#stopping) return undefined;
      if (client.connected) return client;
      // #lost (which runs first) has replaced #ready: wait for the next one.
      await Promise.race([client.closed, this.#stop.promise]);
    }
  }

  #lost(client: ChatClient, info: CloseInfo): void {
    if (this.#stopping || client !== this.#client) return;
    this.#ready = Promise.withResolvers<ChatClient>();
    const reason = describeClose(info);
    if (!this.#options.reconnect) {
      this.#screen.fatal(`chat: lost the server at ${client.url}: ${reason}`);
      this.#finish(1);
      return;
    }
    this.#reconnect(reason).catch((error) => {
      this.#screen.fatal(`chat: ${(error as Error).message}`);
      this.#finish(1);
    });
  }

  /** Tries again and again, waiting longer each time, until connected or leaving. */
  async #reconnect(reason: string): Promise<void> {
    let delay = RECONNECT_FIRST_MS;
    let attempt = 1;
    this.#screen.info(`connection lost: ${reason}; reconnecting in ${seconds(delay)} (try 1)`);
    for (;;) {
      if (!await this.#sleep(delay)) return;
      const client = this.#newClient(this.#name);
      let failure: string;
      try {
        await client.connect();
        if (this.#stopping) return await client.disconnect();
        const restored = await this.#restore(client);
        if (this.#stopping) return await client.disconnect();
        if (client.connected) {
          this.#screen.info(restored);
          this.#adopt(client);
          return;
        }
        failure = describeClose(await client.closed);
      } catch (error) {
        await client.close();
        if (this.#stopping) return;
        if (error instanceof ChatError && FATAL.includes(error.code)) {
          this.#screen.fatal(`chat: ${connectFailure(client, error)}`);
          this.#finish(1);
          return;
        }
        failure = error instanceof ConnectionClosedError
          ? describeClose(error.info)
          : error instanceof ChatError
          ? `${error.code}: ${error.message}`
          : (error as Error).message;
      }
      attempt++;
      delay = Math.min(delay * 2, RECONNECT_MAX_MS);
      this.#screen.info(
        `reconnect failed: ${failure}; retrying in ${seconds(delay)} (try ${attempt})`,
      );
    }
  }

  /** Rejoins the rooms on a new connection; returns the line that tells how it went. */
  async #restore(client: ChatClient): Promise<string> {
    const notes: string[] = [];
    if (client.nameError && this.#name !== undefined) {
      notes.push(
        `could not take back the name ${this.#name} (${client.nameError.code}: ${client.nameError.message})`,
      );
    }
    const rejoined: string[] = [];
    for (const room of this.#rooms) {
      try {
        await client.join(room);
        rejoined.push(`#${room}`);
      } catch (error) {
        if (!(error instanceof ChatError)) throw error;
        notes.push(`could not rejoin #${room} (${error.code}: ${error.message})`);
        this.#rooms.delete(room);
      }
    }
    let line = `reconnected to ${client.url} as ${client.name}`;
    if (rejoined.length > 0) line += `, rejoined ${rejoined.join(" ")}`;
    return [line, ...notes].join("; ");
  }

  /** Waits `ms`; false when the session ends first. */
  async #sleep(ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const slept = new Promise<true>((resolve) => timer = setTimeout(() => resolve(true), ms));
    const result = await Promise.race([slept, this.#stop.promise]);
    clearTimeout(timer);
    return result === true && !this.#stopping;
  }
}

/** Runs the interactive mode; resolves to the exit status. */
export async function runInteractive(options: InteractiveOptions): Promise<number> {
  const tty = Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
  const screen = tty ? new TtyScreen() : new PlainScreen();
  const session = new Interactive(options, screen);
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
      screen.start({
        submit(line) {
          // Leaving does not wait behind lines still in flight.
          if (parseCommand(line).kind === "quit") void session.quit();
          else session.enqueue(line);
        },
        quit: leave,
      });
    } else {
      readPiped(session).catch(leave);
    }
    return await session.done;
  } finally {
    for (const signal of signals) Deno.removeSignalListener(signal, leave);
    screen.close();
  }
}

/** Piped input: each line in turn, then a clean goodbye at the end of input. */
async function readPiped(session: Interactive): Promise<void> {
  for await (const line of readLines(Deno.stdin.readable)) {
    if (session.stopping) return;
    await session.handle(line);
  }
  await session.quit();
}
