/**
 * `chat client interactive` and `chat client file FILE|-`: parse their
 * flags and run them.
 *
 * @module
 */

import type { ClientOptions } from "../client/client.ts";
import { runFileMode } from "../client/file_mode.ts";
import { runInteractive } from "../client/interactive.ts";
import { readLines } from "../client/lines.ts";
import { writeAllSync } from "../io/write_all.ts";
import { PROTOCOL_DEFAULTS } from "../protocol/defaults.ts";
import { CLIENT_FILE_HELP, CLIENT_HELP, CLIENT_INTERACTIVE_HELP } from "./help.ts";
import { parse } from "./parse.ts";
import { readToken, TOKEN_FLAGS } from "./token.ts";
import { nonEmpty, parseInteger, readPemFile, UsageError, withHelp } from "./usage.ts";

const FLAGS = {
  host: { type: "string" },
  port: { type: "string" },
  unix: { type: "string" },
  name: { type: "string" },
  ...TOKEN_FLAGS,
  tls: { type: "boolean" },
  "tls-ca": { type: "string" },
  "no-reconnect": { type: "boolean" },
} as const;

/** A parsed `chat client` command line. */
export type ClientCommand =
  | { mode: "help"; text: string }
  | { mode: "interactive"; client: ClientOptions; reconnect: boolean }
  | { mode: "file"; client: ClientOptions; source: string };

/** Parses `chat client ...` (the arguments after `client`). */
export function parseClientArgs(
  args: string[],
  env: (name: string) => string | undefined,
): ClientCommand {
  const [mode, ...rest] = args;
  if (mode === undefined || mode === "--help" || mode === "-h") {
    if (mode === undefined) {
      throw new UsageError("missing mode: interactive or file", "chat client --help");
    }
    return { mode: "help", text: CLIENT_HELP };
  }
  if (mode !== "interactive" && mode !== "file") {
    throw new UsageError(`unknown client mode '${mode}'`, "chat client --help");
  }
  const help = `chat client ${mode} --help`;
  const { values: v, positionals } = parse(rest, FLAGS, help);
  if (v.help) {
    return { mode: "help", text: mode === "file" ? CLIENT_FILE_HELP : CLIENT_INTERACTIVE_HELP };
  }
  const str = (name: keyof typeof FLAGS) =>
    v[name] === undefined ? undefined : nonEmpty(name, v[name] as string);

  const unix = str("unix");
  const tlsCa = str("tls-ca");
  // --tls-ca implies --tls: a CA to trust only means something for TLS.
  const tls = v.tls === true || tlsCa !== undefined;
  if (tls && unix !== undefined) {
    throw new UsageError(
      `--${tlsCa === undefined ? "tls" : "tls-ca"} is for TCP, not --unix`,
      help,
    );
  }
  const client: ClientOptions = unix !== undefined ? { to: { transport: "unix", path: unix } } : {
    to: {
      transport: "tcp",
      hostname: str("host") ?? PROTOCOL_DEFAULTS.host,
      port: v.port === undefined
        ? PROTOCOL_DEFAULTS.port
        : parseInteger("port", str("port")!, 1, 65535),
      ...tls && {
        tls: tlsCa === undefined
          ? {}
          : { caCerts: [withHelp(help, () => readPemFile("tls-ca", tlsCa, "certificate"))] },
      },
    },
  };
  const name = str("name");
  if (name !== undefined) client.name = name;
  const token = readToken(v, env, help);
  if (token !== undefined) client.token = token;

  if (mode === "interactive") {
    if (positionals.length > 0) {
      throw new UsageError(`unexpected argument '${positionals[0]}'`, help);
    }
    return { mode, client, reconnect: !v["no-reconnect"] };
  }
  if (positionals.length === 0) {
    throw new UsageError("missing FILE (a path, or - for standard input)", help);
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`, help);
  return { mode, client, source: positionals[0] };
}

/** Opens the file mode's source; a file that cannot be read is a usage error. */
async function openSource(source: string): Promise<ReadableStream<Uint8Array>> {
  if (source === "-") return Deno.stdin.readable;
  try {
    const file = await Deno.open(source, { read: true });
    if (!(await file.stat()).isFile) {
      file.close();
      throw new UsageError(`cannot read ${source}: not a regular file`, "chat client file --help");
    }
    return file.readable;
  } catch (error) {
    if (error instanceof UsageError || error instanceof Deno.errors.NotCapable) throw error;
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file"
      : (error as Error).message;
    throw new UsageError(`cannot read ${source}: ${reason}`, "chat client file --help");
  }
}

/** Runs `chat client ...`; resolves to the exit status. */
export async function runClient(args: string[]): Promise<number> {
  const command = parseClientArgs(args, (name) => Deno.env.get(name));
  if (command.mode === "help") {
    console.log(command.text);
    return 0;
  }
  if (command.mode === "interactive") {
    return await runInteractive({ client: command.client, reconnect: command.reconnect });
  }
  const stream = await openSource(command.source);
  const terminal = Deno.stderr.isTerminal();
  return await runFileMode({
    client: command.client,
    lines: readLines(stream),
    output: {
      out: (line) => writeAllSync(Deno.stdout, line + "\n"),
      err: (line) => writeAllSync(Deno.stderr, line + "\n"),
      progress: terminal ? (line) => writeAllSync(Deno.stderr, `\r\x1b[K${line}`) : undefined,
    },
  });
}
