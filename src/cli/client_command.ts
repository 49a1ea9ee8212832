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
import { LOGIN_FLAGS, readLogin } from "./login_flags.ts";
import { parse } from "./parse.ts";
import { askLoginPassword, processPasswordSources } from "./password_input.ts";
import { userId } from "../transport/unix_owner.ts";
import { positionalPlace } from "./positional_place.ts";
import { readToken, TOKEN_FLAGS } from "./token.ts";
import {
  nonEmpty,
  parseInteger,
  readPemFile,
  RuntimeError,
  unreadable,
  UsageError,
  withHelp,
} from "./usage.ts";

/** The flags of both client modes. */
const FLAGS = {
  host: { type: "string" },
  port: { type: "string" },
  unix: { type: "string" },
  name: { type: "string" },
  ...TOKEN_FLAGS,
  ...LOGIN_FLAGS,
  tls: { type: "boolean" },
  "tls-ca": { type: "string" },
  "unix-owner": { type: "string" },
} as const;

/** The flags of one client mode only (CLI.md: the other mode's flag is a usage error). */
const MODE_FLAGS = {
  interactive: { "no-reconnect": { type: "boolean" } },
  file: { reconnect: { type: "boolean" } },
} as const;

/** A client mode. */
type Mode = keyof typeof MODE_FLAGS;

/**
 * A parsed `chat client` command line. `askPasswordFor`: the account of
 * `--user` whose password is to be typed on the terminal (interactive only).
 */
export type ClientCommand =
  | { mode: "help"; text: string }
  | { mode: "interactive"; client: ClientOptions; reconnect: boolean; askPasswordFor?: string }
  | { mode: "file"; client: ClientOptions; source: string; reconnect: boolean };

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
  // The value checks of usage.ts point at `chat --help`; these are this mode's flags.
  return withHelp(help, () => parseMode(mode, rest, env, help));
}

function parseMode(
  mode: Mode,
  args: string[],
  env: (name: string) => string | undefined,
  help: string,
): ClientCommand {
  refuseOtherMode(mode, args, help);
  const { values: v, positionals } = parse(args, { ...FLAGS, ...MODE_FLAGS[mode] }, help);
  if (v.help) {
    return { mode: "help", text: mode === "file" ? CLIENT_FILE_HELP : CLIENT_INTERACTIVE_HELP };
  }
  const str = (name: keyof typeof FLAGS) =>
    v[name] === undefined ? undefined : nonEmpty(name, v[name] as string);

  // `client file FILE [HOST [PORT] | SOCKET_PATH]`: the file first.
  const source = mode === "file" ? positionals[0] : undefined;
  const where = mode === "file" ? positionals.slice(1) : positionals;
  if (mode === "file" && source === undefined) {
    throw new UsageError("missing FILE (a path, or - for standard input)", help);
  }
  const flags = { unix: str("unix"), host: str("host"), port: str("port") };
  const { unix, host, port } = positionalPlace(where, flags, help);
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
      hostname: host ?? PROTOCOL_DEFAULTS.host,
      port: port === undefined ? PROTOCOL_DEFAULTS.port : parseInteger("port", port, 1, 65535),
      ...tls && {
        tls: tlsCa === undefined ? {} : { caCerts: [readPemFile("tls-ca", tlsCa, "certificate")] },
      },
    },
  };
  const name = str("name");
  if (name !== undefined) client.name = name;
  const token = readToken(v, env, help);
  if (token !== undefined) client.token = token;
  const { login, askFor } = readLogin(v, env, help, mode === "interactive");
  if (login !== undefined) client.login = login;
  const owner = str("unix-owner");
  if (owner !== undefined) {
    if (unix === undefined) throw new UsageError("--unix-owner needs --unix (or a SOCKET_PATH)");
    const uid = userId(owner);
    if (uid === undefined) throw new UsageError(`--unix-owner: no user called '${owner}'`);
    client.unixOwners = [uid];
  }

  if (mode === "interactive") {
    return {
      mode,
      client,
      reconnect: !v["no-reconnect"],
      ...askFor !== undefined && { askPasswordFor: askFor },
    };
  }
  return { mode, client, source: source!, reconnect: v.reconnect === true };
}

/** A flag of the other client mode is a usage error that says whose it is. */
function refuseOtherMode(mode: Mode, args: string[], help: string): void {
  const other: Mode = mode === "file" ? "interactive" : "file";
  for (const flag of Object.keys(MODE_FLAGS[other])) {
    const given = args.find((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`));
    if (given !== undefined) {
      throw new UsageError(`--${flag} is for 'chat client ${other}' only`, help);
    }
  }
}

/**
 * Opens the file mode's source; a file that cannot be read (missing, not
 * a regular file, no access) is a {@linkcode RuntimeError} (exit 1).
 */
async function openSource(source: string): Promise<ReadableStream<Uint8Array>> {
  if (source === "-") return Deno.stdin.readable;
  let file: Deno.FsFile;
  try {
    file = await Deno.open(source, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    throw new RuntimeError(`cannot read ${source}: ${unreadable(error)}`, { cause: error });
  }
  if (!(await file.stat()).isFile) {
    file.close();
    throw new RuntimeError(`cannot read ${source}: not a regular file`);
  }
  return file.readable;
}

/** Runs `chat client ...`; resolves to the exit status. */
export async function runClient(args: string[]): Promise<number> {
  const command = parseClientArgs(args, (name) => Deno.env.get(name));
  if (command.mode === "help") {
    console.log(command.text);
    return 0;
  }
  if (command.mode === "interactive") {
    const user = command.askPasswordFor;
    if (user !== undefined) {
      const help = "chat client interactive --help";
      if (!Deno.stdin.isTerminal()) {
        throw new UsageError(
          `--user ${user} needs its password: set CHAT_PASSWORD or give --password-file ` +
            "(standard input is no terminal to type it on)",
          help,
        );
      }
      const password = await askLoginPassword(processPasswordSources(), user, help);
      command.client.login = { user, password };
    }
    return await runInteractive({ client: command.client, reconnect: command.reconnect });
  }
  const stream = await openSource(command.source);
  const terminal = Deno.stderr.isTerminal();
  return await runFileMode({
    client: command.client,
    lines: readLines(stream),
    reconnect: command.reconnect,
    output: {
      out: (line) => writeAllSync(Deno.stdout, line + "\n"),
      err: (line) => writeAllSync(Deno.stderr, line + "\n"),
      progress: terminal ? (line) => writeAllSync(Deno.stderr, `\r\x1b[K${line}`) : undefined,
    },
  });
}
