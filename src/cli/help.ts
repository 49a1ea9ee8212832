/**
 * The help texts of the `chat` command line.
 *
 * @module
 */

import { INTERACTIVE_COMMANDS } from "../client/commands.ts";
import { PROTOCOL_DEFAULTS } from "../protocol/defaults.ts";
import { MAX_ROOMS_LIMIT } from "../protocol/who_pages.ts";
import { USER_HELP } from "./user_help.ts";
import { UsageError } from "./usage.ts";

/** The program's version, as `chat --version` prints it. */
export const VERSION = "0.1.0";

/** `chat --help`. */
export const MAIN_HELP = `chat ${VERSION}: asynchronous chat over TCP and Unix domain sockets

Usage:
  chat server [options] [WHERE]                  run a server
  chat client interactive [options] [WHERE]      chat from a terminal
  chat client file <FILE|-> [options] [WHERE]    send the lines of a file (- for standard input)
  chat user add|passwd|remove|list [NAME] --users FILE   keep the accounts of --users
  chat --help | chat <subcommand> --help | chat help [<subcommand>] | chat --version

WHERE is HOST [PORT] or SOCKET_PATH, as the original Python framework took them: an
argument with a / in it is a Unix socket path (as --unix), otherwise a host (as --host),
then a port (as --port). Default: TCP ${PROTOCOL_DEFAULTS.host}:${PROTOCOL_DEFAULTS.port}.

Run 'chat help server', 'chat help client' or 'chat help user' for their options; docs/cli.md in the
source tree describes all of it.`;

/** `chat server --help`. */
export const SERVER_HELP = `Usage: chat server [options] [HOST [PORT] | SOCKET_PATH]

Listens on TCP (default ${PROTOCOL_DEFAULTS.host}:${PROTOCOL_DEFAULTS.port}), on a Unix socket (--unix), or on both
(--unix with --port or --host); sessions on either transport see each other.

Where to listen:
  --host HOST                   TCP host (default ${PROTOCOL_DEFAULTS.host})
  --port PORT                   TCP port, 0 for a free one (default ${PROTOCOL_DEFAULTS.port})
  --unix PATH                   Unix domain socket path
  --unix-mode MODE              octal permission bits of the socket file (default ${
  PROTOCOL_DEFAULTS.unixMode.toString(8)
})
  --http [HOST:]PORT            also serve HTTP there (a bare PORT binds localhost): the web
                                chat at /, WebSocket sessions at /ws, /healthz, /readyz and
                                /metrics (Prometheus text)
  --http-origin ORIGIN          a further browser origin (https://chat.example.com) allowed
                                to open /ws; repeatable (default: the page's own only)
  --tls-cert FILE               serve TLS on the TCP listener and --http (https://, wss://)
                                with this PEM certificate (chain); needs --tls-key (the Unix
                                socket stays plain)
  --tls-key FILE                the PEM private key of --tls-cert

Sessions:
  --handler chat|echo           message handler (default chat)
  --token TOKEN                 require this token in session_ack (also CHAT_TOKEN)
  --token-file FILE             read the token from FILE
  --max-frame BYTES             largest accepted frame (default ${PROTOCOL_DEFAULTS.maxFrame})
  --max-clients N               most sessions (handshake completed) at once (default ${PROTOCOL_DEFAULTS.maxClients})
  --max-handshakes N            most connections still in their handshake at once, N/8 of
                                them from one IP address (default ${PROTOCOL_DEFAULTS.maxHandshakes})
  --max-queue BYTES             most unsent output per session (default ${PROTOCOL_DEFAULTS.maxQueue})
  --max-queue-total BYTES       most unsent output of all sessions together; past it the
                                sessions holding the most are cut (default ${PROTOCOL_DEFAULTS.maxQueueTotal})
  --max-rooms N                 rooms one session may be in, at most ${MAX_ROOMS_LIMIT} (default ${PROTOCOL_DEFAULTS.maxRooms})
  --rate-limit N                frames a second one session may send: a bucket of N, refilled
                                at N a second; a faster sender is read more slowly, nothing
                                is lost; 0: no limit (default ${PROTOCOL_DEFAULTS.rateLimit})
  --handshake-timeout SECONDS   time allowed for session_ack (default ${PROTOCOL_DEFAULTS.handshakeTimeout})
  --heartbeat-interval SECONDS  interval announced to clients (default ${PROTOCOL_DEFAULTS.heartbeat.interval})
  --heartbeat-timeout SECONDS   liveness timeout (default ${PROTOCOL_DEFAULTS.heartbeat.timeout})
  --heartbeat-retries N         silence allowed is timeout x retries (default ${PROTOCOL_DEFAULTS.heartbeat.retries})

History and resume:
  --history N                   messages kept for history and resume; 0 turns history,
                                resume and seq off (default ${PROTOCOL_DEFAULTS.history})
  --store FILE                  keep history and resumable sessions in this SQLite file,
                                so they survive a restart, a SIGKILL too; not with --cluster,
                                whose history is in NATS JetStream; a new file is made
                                mode 600 (default: in memory)
  --resume-window SECONDS       how long a session that lost its connection can be resumed
                                (default ${PROTOCOL_DEFAULTS.resumeWindow})

Identity (who is who; without --users and --jwt-key, anyone chooses any free name):
  --users FILE                  accounts with passwords, kept with 'chat user'; read again
                                when it changes; a missing file at start: exit 1
  --jwt-key FILE                check login tokens with this HMAC secret (32 bytes or more)
                                or PEM public key (RSA 2048+, P-256, Ed25519); a bad key: exit 2
  --jwt-audience AUD            a login token's aud must contain AUD (needs --jwt-key)
  --allow-guests                with --users or --jwt-key: sessions without a login come in as
                                guests, under their guest names (default: refused)

Cluster:
  --cluster nats://HOST:PORT    join the other servers on that NATS as one chat (also
                                CHAT_CLUSTER); needs JetStream (nats-server -js), which keeps
                                the cluster's history: one seq order, history and resume on
                                any node. A server gone for --heartbeat-timeout leaves its
                                sessions away on the others (with --history 0: gone from who,
                                their names free)

Logs (standard error):
  --log-level debug|info|warn|error   least severe level written (default info)
  --log-format text|json              one line per event (default text)

Seconds may be fractional (0.5); --heartbeat-interval must be below --heartbeat-timeout x
--heartbeat-retries. SIGINT, SIGTERM or SIGHUP: clean shutdown, exit 0.
A --token-file, --tls-cert or --tls-key that cannot be read: exit 1 naming it; one that
holds no PEM of the right kind is a usage error (exit 2).`;

const CONNECT_FLAGS = `Where to connect:
  --host HOST            TCP host (default ${PROTOCOL_DEFAULTS.host}; every address it resolves to is tried)
  --port PORT            TCP port (default ${PROTOCOL_DEFAULTS.port})
  --unix PATH            Unix domain socket path (instead of TCP)
  --unix-owner USER      also trust a socket file owned by USER (a name or uid) with the
                         token and the login; by default only your own user and root are
                         trusted, and a socket of anyone else gets nothing: exit 1 naming
                         its owner
  --tls                  connect with TLS (TCP only); the server's certificate must be
                         valid for --host and signed by a trusted CA
  --tls-ca FILE          also trust this PEM CA certificate (implies --tls; without it
                         only Deno's root store is trusted); a certificate not trusted: exit 1

Login (a server with accounts calls the session by the account's name; a refused
login, or a session ended by another login of the account or a change of it, prints
'login refused: <reason>' and exits 1, without reconnecting):
  --user NAME            log in as this account; the password from CHAT_PASSWORD, else
                         --password-file, else (interactive, on a terminal) typed without echo
  --password-file FILE   read the password of --user from FILE (trailing newline ignored)
  --jwt-file FILE        log in with the login token in FILE (also CHAT_JWT)

Session:
  --name NAME            display name (default: the server's guest name)
  --token TOKEN          token the server requires (also CHAT_TOKEN)
  --token-file FILE      read the token from FILE (trailing newline ignored)`;

/** `chat client --help`. */
export const CLIENT_HELP = `Usage:
  chat client interactive [options] [HOST [PORT] | SOCKET_PATH]     chat from a terminal
  chat client file <FILE|-> [options] [HOST [PORT] | SOCKET_PATH]   send the lines of FILE

${CONNECT_FLAGS}

Interactive only:
  --no-reconnect         exit 1 when the server is lost, instead of reconnecting

File only:
  --reconnect            when the server is lost (also after its disconnect), reconnect
                         and resume for up to the resume window (${PROTOCOL_DEFAULTS.resumeWindow} s), sending again
                         each line that had no ack: every line delivered once`;

/** `chat client file --help`. */
export const CLIENT_FILE_HELP =
  `Usage: chat client file <FILE|-> [options] [HOST [PORT] | SOCKET_PATH]

Sends each line of FILE (- for standard input) as a message: lines are trimmed,
blank ones skipped, and a line that reads 'exit' stops (it is not sent). Prints
what it receives, one message a line: '<from>: <content>', '[<room>] <from>:
<content>' for a room, '(dm) <from>: <content>' for a direct message, echo
replies as their content; a backslash, line feed, carriage return and tab as
\\\\, \\n, \\r, \\t, other control or bidi characters as \\uXXXX. A line too long
for the server is not sent: said on stderr with its line number. Exits 0 once
every line was acknowledged; 1 if the server refuses, cannot be reached or is
lost (at once, even while waiting for input).

${CONNECT_FLAGS}
  --reconnect            when the server is lost (also after its disconnect), reconnect
                         and resume for up to the resume window (${PROTOCOL_DEFAULTS.resumeWindow} s), sending again
                         each line that had no ack: every line delivered once`;

/** `chat client interactive --help`. */
export const CLIENT_INTERACTIVE_HELP =
  `Usage: chat client interactive [options] [HOST [PORT] | SOCKET_PATH]

Shows a '> ' prompt and sends each line you type; incoming messages appear
above it. The ${INTERACTIVE_COMMANDS}

${CONNECT_FLAGS}
  --no-reconnect         exit 1 when the server is lost, instead of reconnecting`;

/** The help of `chat help [<subcommand>]`: the words after `help`, as `chat <words> --help` shows it. */
export function helpFor(words: string[]): string {
  const topic = words.join(" ");
  const text = HELP_TOPICS[topic];
  if (text === undefined) {
    const topics = Object.keys(HELP_TOPICS).filter((t) => t !== "").map((t) => `'chat help ${t}'`);
    throw new UsageError(`no help for '${topic}': there is ${topics.join(", ")}`, "chat help");
  }
  return text;
}

const HELP_TOPICS: Record<string, string> = {
  "": MAIN_HELP,
  server: SERVER_HELP,
  client: CLIENT_HELP,
  "client interactive": CLIENT_INTERACTIVE_HELP,
  "client file": CLIENT_FILE_HELP,
  user: USER_HELP,
};
