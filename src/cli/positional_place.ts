/**
 * The trailing positional arguments of `chat server` and `chat client`:
 * the original Python framework's `[HOST [PORT] | SOCKET_PATH]` (CLI.md,
 * "Subcommands"), merged with the flags that say the same.
 *
 * @module
 */

import { UsageError } from "./usage.ts";

/** Where to listen or connect, as given: by flags, by positional arguments, or both. */
export interface Place {
  /** `--host`, or the first positional argument without a `/`. */
  host?: string;
  /** `--port`, or the second positional argument. */
  port?: string;
  /** `--unix`, or a positional argument with a `/` in it. */
  unix?: string;
}

/**
 * Reads `[HOST [PORT] | SOCKET_PATH]` from `positionals` and merges it with
 * `flags`: an argument that contains `/` is a Unix socket path, otherwise
 * a host, then a port. An argument and the flag for the same thing
 * together, a port after a socket path, and a third argument are usage
 * errors pointing at `help`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { positionalPlace } from "./positional_place.ts";
 * deepStrictEqual(positionalPlace(["localhost", "9999"], {}, "chat server --help"), {
 *   host: "localhost",
 *   port: "9999",
 * });
 * deepStrictEqual(positionalPlace(["/tmp/chat.sock"], { port: "0" }, "chat server --help"), {
 *   port: "0",
 *   unix: "/tmp/chat.sock",
 * });
 * ```
 */
export function positionalPlace(positionals: string[], flags: Place, help: string): Place {
  const [first, second, extra] = positionals;
  const unexpected = extra ?? (first?.includes("/") ? second : undefined);
  if (unexpected !== undefined) throw new UsageError(`unexpected argument '${unexpected}'`, help);
  const given: Place = first === undefined
    ? {}
    : first.includes("/")
    ? { unix: first }
    : second === undefined
    ? { host: first }
    : { host: first, port: second };
  const place: Place = { ...flags };
  for (const key of ["host", "port", "unix"] as const) {
    const value = given[key];
    if (value === undefined) continue;
    if (flags[key] !== undefined) {
      throw new UsageError(
        `the ${WHAT[key]} is given twice, as '${value}' and as --${key}: give one`,
        help,
      );
    }
    place[key] = value;
  }
  return place;
}

const WHAT: Record<keyof Place, string> = {
  host: "host",
  port: "port",
  unix: "Unix socket path",
};
