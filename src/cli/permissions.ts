/**
 * The Deno permissions `chat` runs with: `deno task server`, `deno task
 * chat` and the binaries of `deno task compile` all use exactly these (the
 * README lists them; `tests/cli/permissions_test.ts` holds deno.json and
 * `scripts/compile.ts` to them).
 *
 * - `--allow-net`: listen on and connect to any `--host`/`--port` given at
 *   run time. Unscoped `--allow-net` also covers Unix sockets
 *   (`unix:<path>`).
 * - `--allow-read`, `--allow-write`: a Unix socket needs both on its path,
 *   in the server (stale-socket check, bind, chmod, remove) and in the
 *   client (connect); `--token-file`, `--tls-cert`, `--tls-key`, `--tls-ca`
 *   and `chat client file FILE` read files. These paths are named on the
 *   command line, so they cannot be scoped in advance.
 * - `--allow-env` only for the variables `chat` reads.
 * - `--no-prompt`: a permission missing fails at once (one line, exit 1)
 *   instead of asking at a terminal.
 *
 * No `--allow-run`, `--allow-sys`, `--allow-ffi` or `--allow-import`.
 *
 * @module
 */

/**
 * The environment variables `chat` reads (nothing else, not even for
 * logging): the token, the cluster, and the password (`chat user`, a
 * client's `--user`) and login token (a client's) of PROTOCOL.md section 11.
 */
export const ENV_VARIABLES: readonly string[] = [
  "CHAT_TOKEN",
  "CHAT_CLUSTER",
  "CHAT_PASSWORD",
  "CHAT_JWT",
];

/** The permission flags of `deno run` / `deno compile` for `main.ts`. */
export const PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  `--allow-env=${ENV_VARIABLES.join(",")}`,
  "--no-prompt",
];

/**
 * V8 settings the server ships with. A young generation of at most 4 MiB
 * keeps a burst of handshakes from growing the heap for good: with 10,000
 * idle sessions it is 7.8 KiB of RSS per session against 11.4 KiB with
 * V8's default, at the same echo and fan-out throughput (bench/ figures
 * in the README).
 */
export const V8_FLAGS: readonly string[] = ["--v8-flags=--max-semi-space-size=4"];

/** The flags of `deno run` / `deno compile` for `main.ts`: {@linkcode PERMISSIONS} and {@linkcode V8_FLAGS}. */
export const RUN_FLAGS: readonly string[] = [...PERMISSIONS, ...V8_FLAGS];
