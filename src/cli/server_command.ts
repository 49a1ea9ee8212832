/**
 * `chat server`: parse its flags, start the server, stop it on a signal.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { AccountChanges } from "../server/identity/accounts.ts";
import { ChatServer } from "../server/server.ts";
import { BUILTIN_HANDLERS } from "../server/handlers/mod.ts";
import type { ServerOptions } from "../server/options.ts";
import { PROTOCOL_DEFAULTS } from "../protocol/defaults.ts";
import { MAX_ROOMS_LIMIT } from "../protocol/who_pages.ts";
import type { ListenOptions, TlsServerOptions } from "../transport/types.ts";
import { normalizeOrigin } from "../web/origin.ts";
import { WebServer, type WebServerOptions } from "../web/web_server.ts";
import { SERVER_HELP } from "./help.ts";
import { LOG_FORMATS, LOG_LEVELS, setupLogging } from "./logging.ts";
import { checkHeartbeat } from "./heartbeat_check.ts";
import { parse } from "./parse.ts";
import { positionalPlace } from "./positional_place.ts";
import { checkIdentityFlags, type IdentityFlags, openServerIdentity } from "./server_identity.ts";
import { readToken, TOKEN_FLAGS } from "./token.ts";
import {
  nonEmpty,
  parseChoice,
  parseInteger,
  parseMode,
  parseSeconds,
  readPemFile,
  RuntimeError,
  UsageError,
  withHelp,
} from "./usage.ts";

const HELP = "chat server --help";

/** How long a server that stopped waits for its log to be written. */
const LOG_FLUSH_MS = 2000;

const FLAGS = {
  host: { type: "string" },
  port: { type: "string" },
  unix: { type: "string" },
  handler: { type: "string" },
  ...TOKEN_FLAGS,
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "max-frame": { type: "string" },
  "max-clients": { type: "string" },
  "max-queue": { type: "string" },
  "rate-limit": { type: "string" },
  "max-handshakes": { type: "string" },
  "max-queue-total": { type: "string" },
  "max-rooms": { type: "string" },
  "handshake-timeout": { type: "string" },
  "heartbeat-interval": { type: "string" },
  "heartbeat-timeout": { type: "string" },
  "heartbeat-retries": { type: "string" },
  "unix-mode": { type: "string" },
  "log-level": { type: "string" },
  "log-format": { type: "string" },
  cluster: { type: "string" },
  http: { type: "string" },
  "http-origin": { type: "string", multiple: true },
  history: { type: "string" },
  store: { type: "string" },
  "resume-window": { type: "string" },
  users: { type: "string" },
  "jwt-key": { type: "string" },
  "jwt-audience": { type: "string" },
  "allow-guests": { type: "boolean" },
} as const;

/** The flags that take one value. */
type StringFlag = Exclude<keyof typeof FLAGS, "http-origin" | "allow-guests">;

/** The parsed `chat server` command line. */
export interface ServerCommand {
  /** Server settings. */
  options: ServerOptions;
  /** Where to serve HTTP (`--http`), if anywhere. */
  http?: WebServerOptions;
  /** The identity flags, whose files are read at start. */
  identity: IdentityFlags;
  /** The least severe level logged. */
  logLevel: (typeof LOG_LEVELS)[number];
  /** Text or JSON lines. */
  logFormat: (typeof LOG_FORMATS)[number];
}

/** Parses the flags of `chat server`; `null` when `--help` was asked for. */
export function parseServerArgs(
  args: string[],
  env: (name: string) => string | undefined,
): ServerCommand | null {
  // The value checks of usage.ts point at `chat --help`; these are server flags.
  return withHelp(HELP, () => parseFlags(args, env));
}

function parseFlags(
  args: string[],
  env: (name: string) => string | undefined,
): ServerCommand | null {
  const { values: v, positionals } = parse(args, FLAGS, HELP);
  if (v.help) return null;
  const str = (name: StringFlag) =>
    v[name] === undefined ? undefined : nonEmpty(name, v[name] as string);

  const listen: ListenOptions[] = [];
  const flags = { unix: str("unix"), host: str("host"), port: str("port") };
  const { unix, host, port } = positionalPlace(positionals, flags, HELP);
  const tlsCert = str("tls-cert");
  const tlsKey = str("tls-key");
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new UsageError("--tls-cert and --tls-key go together: give both", HELP);
  }
  const tcp = unix === undefined || host !== undefined || port !== undefined;
  const http = str("http");
  if (tlsCert !== undefined && !tcp && http === undefined) {
    throw new UsageError(
      "--tls-cert serves TLS on TCP and HTTP: add --port, --host or --http to --unix",
      HELP,
    );
  }
  const tls: TlsServerOptions | undefined = tlsCert === undefined ? undefined : {
    cert: readPemFile("tls-cert", tlsCert, "certificate"),
    key: readPemFile("tls-key", tlsKey!, "private key"),
  };
  if (tcp) {
    listen.push({
      transport: "tcp",
      hostname: host ?? PROTOCOL_DEFAULTS.host,
      port: port === undefined ? PROTOCOL_DEFAULTS.port : parseInteger("port", port, 0, 65535),
      ...tls && { tls },
    });
  }
  if (unix !== undefined) {
    const mode = str("unix-mode");
    listen.push({
      transport: "unix",
      path: unix,
      mode: mode === undefined ? PROTOCOL_DEFAULTS.unixMode : parseMode("unix-mode", mode),
    });
  } else if (v["unix-mode"] !== undefined) {
    throw new UsageError("--unix-mode needs --unix", HELP);
  }

  const handlerName = str("handler") ?? "chat";
  const handler =
    BUILTIN_HANDLERS[parseChoice("handler", handlerName, Object.keys(BUILTIN_HANDLERS))];
  const token = readToken(v, env, HELP);

  const seconds = (name: StringFlag) => {
    const value = str(name);
    return value === undefined ? undefined : parseSeconds(name, value);
  };
  const integer = (name: StringFlag, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const value = str(name);
    return value === undefined ? undefined : parseInteger(name, value, min, max);
  };
  const clusterUrl = str("cluster") ?? (env("CHAT_CLUSTER") || undefined);
  const cluster = clusterUrl === undefined ? undefined : parseClusterUrl(clusterUrl);
  const heartbeat = {
    interval: seconds("heartbeat-interval"),
    timeout: seconds("heartbeat-timeout"),
    retries: integer("heartbeat-retries", 1, 1000),
  };
  checkHeartbeat(heartbeat, HELP);
  if (cluster !== undefined && str("store") !== undefined) {
    usage("--store is for a server alone: a cluster keeps its history in NATS JetStream");
  }
  if (http === undefined && v["http-origin"] !== undefined) usage("--http-origin needs --http");
  const identity: IdentityFlags = {
    users: str("users"),
    jwtKey: str("jwt-key"),
    jwtAudience: str("jwt-audience"),
    allowGuests: v["allow-guests"] === true,
  };
  checkIdentityFlags(identity, HELP);
  const history = integer("history", 0);
  const store = str("store");
  if (history === 0 && store !== undefined) {
    usage("--store keeps history: not with --history 0, which turns it off");
  }
  return {
    identity,
    ...http !== undefined && {
      http: { ...parseHttpAddress(http), tls, origins: parseOrigins(v["http-origin"]) },
    },
    options: {
      listen,
      handler,
      token,
      maxFrame: integer("max-frame", 64),
      maxClients: integer("max-clients", 1),
      maxQueue: integer("max-queue", 1024),
      rateLimit: integer("rate-limit", 0),
      maxHandshakes: integer("max-handshakes", 8),
      maxQueueTotal: integer("max-queue-total", 1024),
      maxRooms: integer("max-rooms", 1, MAX_ROOMS_LIMIT),
      handshakeTimeout: seconds("handshake-timeout"),
      heartbeat: Object.fromEntries(Object.entries(heartbeat).filter(([, x]) => x !== undefined)),
      cluster,
      history,
      store,
      resumeWindow: seconds("resume-window"),
    },
    logLevel: parseChoice("log-level", str("log-level") ?? "info", LOG_LEVELS),
    logFormat: parseChoice("log-format", str("log-format") ?? "text", LOG_FORMATS),
  };
}

function usage(message: string): never {
  throw new UsageError(message, HELP);
}

/** Parses `--http [HOST:]PORT`: a bare port binds `localhost`; an IPv6 host goes in brackets. */
export function parseHttpAddress(value: string): { hostname: string; port: number } {
  const match = value.match(/^(?:(?:\[([^\]]+)\]|([^:[\]]+)):)?(\d+)$/);
  if (!match) usage(`--http takes [HOST:]PORT, got '${value}'`);
  const [, v6, name, port] = match;
  return {
    hostname: v6 ?? name ?? PROTOCOL_DEFAULTS.host,
    port: parseInteger("http", port, 0, 65535),
  };
}

/** Checks each `--http-origin`: an http(s) origin, such as `https://chat.example.com`. */
function parseOrigins(values: unknown): string[] {
  const origins = (values ?? []) as string[];
  for (const origin of origins) {
    if (normalizeOrigin(origin) === undefined) {
      usage(`--http-origin takes an origin such as https://chat.example.com, got '${origin}'`);
    }
  }
  return origins;
}

/** Checks a `--cluster` (or `CHAT_CLUSTER`) URL: `nats://HOST:PORT` (the port defaults to 4222). */
export function parseClusterUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (
    url === undefined || url.protocol !== "nats:" || url.hostname === "" ||
    (url.pathname !== "" && url.pathname !== "/") || url.search !== "" || url.hash !== ""
  ) {
    throw new UsageError(`--cluster: expected nats://HOST:PORT, got '${value}'`, HELP);
  }
  return url.port === "" ? `${value.replace(/\/$/, "")}:4222` : value.replace(/\/$/, "");
}

/** Runs `chat server` until SIGINT, SIGTERM or SIGHUP; resolves to the exit status. */
export async function runServer(args: string[]): Promise<number> {
  const command = parseServerArgs(args, (name) => Deno.env.get(name));
  if (command === null) {
    console.log(SERVER_HELP);
    return 0;
  }
  const logs = setupLogging(command.logLevel, command.logFormat);
  const log = getLogger(["chat", "server"]);
  // The key (a usage error) and the users file (exit 1 naming it) are read before anything binds.
  let accountsChanged = (_: AccountChanges) => {};
  await using identity = await openServerIdentity(
    command.identity,
    (changes) => accountsChanged(changes),
  );
  // The web server binds first: its WebSocket listener is one of the chat server's.
  let web: WebServer | undefined;
  try {
    web = command.http && await WebServer.bind(command.http);
  } catch (error) {
    throw new RuntimeError((error as Error).message, { cause: error });
  }
  // CLI.md: one line per listener once all are bound, before anyone is accepted.
  const server = new ChatServer({
    ...command.options,
    authenticator: identity.authenticator,
    allowGuests: identity.allowGuests,
    ...web && { listeners: [web.websockets] },
    onListening: (urls) => urls.forEach((url) => console.error(`listening on ${url}`)),
  });
  accountsChanged = (changes) => server.accountsChanged(changes);
  const stopped = Promise.withResolvers<void>();
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT"]
    : ["SIGINT", "SIGTERM", "SIGHUP"];
  const onSignal = () => stopped.resolve();
  for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  let addresses: string[];
  try {
    addresses = await server.start();
  } catch (error) {
    for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
    await web?.close();
    throw new RuntimeError((error as Error).message, { cause: error });
  }
  web?.serve(server);
  command.options.listen?.forEach((listen, i) => {
    if (listen.transport === "tcp" && listen.tls) log.info("TLS on {url}", { url: addresses[i] });
  });
  if (web) log.info("web chat at {url}", { url: `${web.url}/` });
  log.info("handler {handler}, max {maxClients} clients", {
    handler: command.options.handler?.name,
    maxClients: command.options.maxClients ?? PROTOCOL_DEFAULTS.maxClients,
  });
  const history = command.options.history ?? PROTOCOL_DEFAULTS.history;
  if (command.options.handler?.history && history > 0) {
    log.info("history: the last {history} messages {where}, resume window {window} s", {
      history,
      where: command.options.cluster !== undefined
        ? "in the cluster's JetStream stream"
        : command.options.store === undefined
        ? "in memory"
        : `in ${command.options.store}`,
      window: command.options.resumeWindow ?? PROTOCOL_DEFAULTS.resumeWindow,
    });
  }
  await stopped.promise;
  for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
  await server.stop();
  // The HTTP listener answered (/readyz: 503) until the chat server stopped.
  await web?.close();
  // What the log still holds, unless standard error is stuck.
  await logs.flush(LOG_FLUSH_MS);
  return 0;
}
