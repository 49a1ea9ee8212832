/**
 * The server's limit flags (CLI.md, the 1.1 additions): their values reach
 * the server's options, their defaults come from PROTOCOL_DEFAULTS, a bad
 * value is a usage error, and the help names them.
 *
 * @module
 */

import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { SERVER_HELP } from "../../src/cli/help.ts";
import { parseServerArgs } from "../../src/cli/server_command.ts";
import { UsageError } from "../../src/cli/usage.ts";
import { PROTOCOL_DEFAULTS } from "../../src/protocol/defaults.ts";

/** The limit flags, the option each sets, the least value and its default. */
const LIMITS = [
  ["--rate-limit", "rateLimit", 0, PROTOCOL_DEFAULTS.rateLimit],
  ["--max-handshakes", "maxHandshakes", 8, PROTOCOL_DEFAULTS.maxHandshakes],
  ["--max-queue-total", "maxQueueTotal", 1024, PROTOCOL_DEFAULTS.maxQueueTotal],
  ["--max-rooms", "maxRooms", 1, PROTOCOL_DEFAULTS.maxRooms],
] as const;

const noEnv = () => undefined;

Deno.test("limit flags set their options; left out, the server's defaults apply", () => {
  for (const [flag, option, least] of LIMITS) {
    const given = parseServerArgs([flag, String(least + 7)], noEnv)!;
    strictEqual(given.options[option], least + 7, flag);
    const zero = parseServerArgs([flag, String(least)], noEnv)!;
    strictEqual(zero.options[option], least, `${flag} ${least}`);
    strictEqual(parseServerArgs([], noEnv)!.options[option], undefined, `no ${flag}`);
  }
});

Deno.test("a limit flag with a value that is not a whole number in range is a usage error", () => {
  for (const [flag, , least] of LIMITS) {
    for (const bad of ["x", "-1", "1.5", String(least - 1)]) {
      if (bad === String(least - 1) && least === 0) continue;
      throws(
        () => parseServerArgs([flag, bad], noEnv),
        (error) => error instanceof UsageError && error.message.includes(flag),
        `${flag} ${bad}`,
      );
    }
  }
});

Deno.test("--max-rooms takes at most the rooms whose names fit one who frame", () => {
  strictEqual(parseServerArgs(["--max-rooms", "400"], noEnv)!.options.maxRooms, 400);
  throws(() => parseServerArgs(["--max-rooms", "401"], noEnv), UsageError);
});

Deno.test("chat server --help names each limit flag with its default", () => {
  for (const [flag, , , fallback] of LIMITS) {
    const line = SERVER_HELP.split("\n").findIndex((l) => l.trimStart().startsWith(flag));
    ok(line >= 0, `help names ${flag}`);
    const text = SERVER_HELP.split("\n").slice(line, line + 4).join(" ");
    ok(text.includes(`(default ${fallback})`), `${flag}: ${text}`);
  }
  deepStrictEqual(LIMITS.length, new Set(LIMITS.map(([flag]) => flag)).size);
});
