/**
 * The password of `chat user` typed on a terminal: asked twice with echo
 * off (raw mode, always turned off again), Backspace and Ctrl+U edit it,
 * two that differ are a usage error, Ctrl+C or Ctrl+D gives up (exit 1).
 * The terminal is a fake that hands over the keys.
 *
 * @module
 */

import { deepStrictEqual, rejects, strictEqual } from "node:assert/strict";
import {
  type PasswordInput,
  type PasswordSources,
  readNewPassword,
} from "../../src/cli/password_input.ts";
import { RuntimeError, UsageError } from "../../src/cli/usage.ts";

/** A terminal that gives `chunks` of keys, one per read, then ends; and what was done to it. */
function terminal(chunks: (string | number[])[]): PasswordSources & { log: string[] } {
  const log: string[] = [];
  const queue = chunks.map((chunk) =>
    typeof chunk === "string" ? new TextEncoder().encode(chunk) : new Uint8Array(chunk)
  );
  const input: PasswordInput = {
    isTerminal: () => true,
    setRaw: (raw) => log.push(raw ? "raw on" : "raw off"),
    read(buffer) {
      const chunk = queue.shift();
      if (chunk === undefined) return Promise.resolve(null);
      buffer.set(chunk);
      return Promise.resolve(chunk.length);
    },
  };
  return {
    env: () => undefined,
    input,
    prompt: (text) => log.push(`prompt ${JSON.stringify(text)}`),
    log,
  };
}

const HELP = "chat user --help";

Deno.test("password on a terminal: asked twice with echo off, raw mode off again after each", async () => {
  const tty = terminal(["s3", "cret\r", "s3cret\n"]);
  strictEqual(await readNewPassword(tty, HELP), "s3cret");
  deepStrictEqual(tty.log, [
    "raw on",
    'prompt "Password: "',
    "raw off",
    'prompt "\\n"',
    "raw on",
    'prompt "Password again: "',
    "raw off",
    'prompt "\\n"',
  ]);
});

Deno.test("password on a terminal: Backspace erases a character, Ctrl+U the line, UTF-8 split across reads", async () => {
  const e = [...new TextEncoder().encode("é")];
  const tty = terminal(["wrong\x15pa", [0x78, 0x7f], "ss", [e[0]], [e[1], 0x0d], "passé\r"]);
  strictEqual(await readNewPassword(tty, HELP), "passé");
});

Deno.test("password on a terminal: two that differ, or an empty one, are usage errors", async () => {
  await rejects(readNewPassword(terminal(["one\r", "two\r"]), HELP), (error: Error) => {
    strictEqual(error instanceof UsageError, true);
    strictEqual(error.message, "the two passwords typed differ");
    return true;
  });
  await rejects(readNewPassword(terminal(["\r"]), HELP), UsageError);
});

Deno.test("password on a terminal: Ctrl+C, Ctrl+D on an empty line or the end of input give up; raw mode is off again", async () => {
  for (const keys of [["pass\x03"], ["\x04"], ["pass"], ["same\r", "sa\x03"]]) {
    const tty = terminal(keys);
    await rejects(readNewPassword(tty, HELP), RuntimeError, JSON.stringify(keys));
    strictEqual(tty.log.filter((line) => line.startsWith("raw")).at(-1), "raw off");
  }
  // Ctrl+D within a password is no key: it is ignored.
  strictEqual(await readNewPassword(terminal(["ab\x04c\r", "abc\r"]), HELP), "abc");
});
