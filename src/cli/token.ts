/**
 * The token of `chat server` and `chat client`: from `--token`,
 * `--token-file` or the `CHAT_TOKEN` environment variable.
 *
 * @module
 */

import { nonEmpty, readArgFile, UsageError, withHelp } from "./usage.ts";

/** Reads a token file, without its trailing newline; a missing file is a runtime error (exit 1). */
export function readTokenFile(path: string): string {
  return readArgFile("token-file", path).replace(/\r?\n$/, "");
}

/** The flags that give the token, for a command's flag table. */
export const TOKEN_FLAGS = {
  token: { type: "string" },
  "token-file": { type: "string" },
} as const;

/** The raw values of the token flags, as parsed. */
export interface TokenFlags {
  /** `--token`, when given. */
  token?: string | boolean;
  /** `--token-file`, when given. */
  "token-file"?: string | boolean;
}

/**
 * The token a command line gives: the contents of `--token-file`, else
 * `--token`, else a non-empty `CHAT_TOKEN`, else none. An empty flag value is
 * a usage error, and so are both flags at once, which point at `help`; a
 * token file that cannot be read is a runtime error (exit 1).
 */
export function readToken(
  flags: TokenFlags,
  env: (name: string) => string | undefined,
  help: string,
): string | undefined {
  const tokenFile = flags["token-file"] === undefined
    ? undefined
    : nonEmpty("token-file", flags["token-file"] as string);
  if (tokenFile !== undefined && flags.token !== undefined) {
    throw new UsageError("give --token or --token-file, not both", help);
  }
  if (tokenFile !== undefined) return withHelp(help, () => readTokenFile(tokenFile));
  if (flags.token !== undefined) return nonEmpty("token", flags.token as string);
  return env("CHAT_TOKEN") || undefined;
}
