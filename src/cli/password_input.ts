/**
 * The password of `chat user add|passwd` (CLI.md): from `CHAT_PASSWORD`
 * when it is set (set but empty: a usage error), else the first line of
 * standard input when it is not a terminal, else asked twice on the
 * terminal without echo. An empty password is a usage error. The password
 * of a client's `--user` is asked once, without echo, too.
 *
 * @module
 */

import { writeAllSync } from "../io/write_all.ts";
import { RuntimeError, UsageError } from "./usage.ts";

/** The longest line read as a password from standard input, in bytes. */
export const PASSWORD_LINE_MAX = 65_536;

/** Standard input as the password reader needs it (`Deno.stdin` is one). */
export interface PasswordInput {
  /** Reads into `buffer`; the bytes read, or `null` at the end. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Whether it is a terminal. */
  isTerminal(): boolean;
  /** Turns the terminal's raw mode (no echo, no line editing) on or off. */
  setRaw(raw: boolean): void;
}

/** Where the password comes from. */
export interface PasswordSources {
  /** Reads an environment variable (`CHAT_PASSWORD`). */
  env: (name: string) => string | undefined;
  /** Standard input. */
  input: PasswordInput;
  /** Writes the prompts (standard error). */
  prompt: (text: string) => void;
}

/** The process's own environment, standard input and standard error. */
export function processPasswordSources(): PasswordSources {
  return {
    env: (name) => Deno.env.get(name),
    input: Deno.stdin,
    prompt: (text) => writeAllSync(Deno.stderr, text),
  };
}

/** `text` unless it is empty, which is a usage error naming `where`. */
function nonEmptyPassword(text: string, where: string, help: string): string {
  if (text === "") throw new UsageError(`empty password ${where}`, help);
  return text;
}

/**
 * The password to set, from `sources` (CLI.md, `chat user`); a usage error
 * pointing at `help` when it is empty, or when the two typed differ.
 */
export async function readNewPassword(sources: PasswordSources, help: string): Promise<string> {
  const fromEnv = sources.env("CHAT_PASSWORD");
  if (fromEnv !== undefined) return nonEmptyPassword(fromEnv, "in CHAT_PASSWORD", help);
  if (!sources.input.isTerminal()) {
    return nonEmptyPassword(await firstLine(sources.input, help), "on standard input", help);
  }
  const first = nonEmptyPassword(await typed(sources, "Password: "), "typed", help);
  const again = await typed(sources, "Password again: ");
  if (again !== first) throw new UsageError("the two passwords typed differ", help);
  return first;
}

/**
 * The password of a client's `--user NAME` typed on the terminal of
 * `sources` without echo, after the prompt `Password for NAME: `; an empty
 * one is a usage error pointing at `help`.
 */
export async function askLoginPassword(
  sources: PasswordSources,
  user: string,
  help: string,
): Promise<string> {
  return nonEmptyPassword(await typed(sources, `Password for ${user}: `), "typed", help);
}

/** The first line of `input`, without its line end. */
async function firstLine(input: PasswordInput, help: string): Promise<string> {
  const bytes: number[] = [];
  const buffer = new Uint8Array(4096);
  for (;;) {
    const n = await input.read(buffer);
    if (n === null) break;
    const end = buffer.subarray(0, n).indexOf(0x0a);
    bytes.push(...buffer.subarray(0, end < 0 ? n : end));
    if (end >= 0) break;
    if (bytes.length > PASSWORD_LINE_MAX) {
      throw new UsageError(`the password's line is longer than ${PASSWORD_LINE_MAX} bytes`, help);
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes)).replace(/\r$/, "");
}

/** Control keys of a terminal in raw mode. */
const ENTER = new Set([0x0a, 0x0d]);
const ERASE = new Set([0x08, 0x7f]);
const CTRL_C = 0x03;
const CTRL_D = 0x04;
const CTRL_U = 0x15;

/**
 * A line typed on the terminal with echo off (raw mode): Backspace erases
 * a character, Ctrl+U the line; Ctrl+C, or Ctrl+D on an empty line, gives
 * up (exit 1).
 */
async function typed(sources: PasswordSources, prompt: string): Promise<string> {
  const { input } = sources;
  // Echo goes off before the prompt shows: keys typed at once are not echoed either.
  input.setRaw(true);
  try {
    sources.prompt(prompt);
    const decoder = new TextDecoder();
    let chars: string[] = [];
    const buffer = new Uint8Array(256);
    for (;;) {
      const n = await input.read(buffer);
      if (n === null) throw new RuntimeError("no password: standard input ended");
      let pending: number[] = [];
      const flush = () => {
        chars.push(...decoder.decode(new Uint8Array(pending), { stream: true }));
        pending = [];
      };
      for (const byte of buffer.subarray(0, n)) {
        if (ENTER.has(byte)) {
          flush();
          return chars.join("") + decoder.decode();
        } else if (byte === CTRL_C || (byte === CTRL_D && chars.length + pending.length === 0)) {
          throw new RuntimeError("no password: cancelled");
        } else if (ERASE.has(byte)) {
          flush();
          chars.pop();
        } else if (byte === CTRL_U) {
          pending = [];
          decoder.decode(); // forgets a character cut in half
          chars = [];
        } else if (byte >= 0x20) {
          pending.push(byte);
        }
      }
      flush();
    }
  } finally {
    input.setRaw(false);
    sources.prompt("\n");
  }
}
