/**
 * Connecting to a server over TCP (every address the host resolves to),
 * TLS over TCP, or a Unix socket, promptly or not at all.
 *
 * @module
 */

import { lookup } from "node:dns/promises";
import { firstLine } from "../errors/first_line.ts";
import { within } from "../async/deadline.ts";
import { PROTOCOL_DEFAULTS } from "../protocol/defaults.ts";
import { cannotResolve, tcpUrl } from "./address.ts";
import { describe } from "./listen.ts";
import { requireNetAccess } from "./net_permission.ts";
import { type ConnectOptions, type TlsClientOptions, TransportError } from "./types.ts";

/** The URL of a connect target, as a user would read it. */
export function connectUrl(to: ConnectOptions): string {
  return to.transport === "unix"
    ? `unix://${to.path}`
    : tcpUrl(to.hostname ?? PROTOCOL_DEFAULTS.host, to.port ?? PROTOCOL_DEFAULTS.port);
}

/**
 * Connects to a server. For TCP it tries every address the host name
 * resolves to, in order, so `localhost` reaches a server on `127.0.0.1` or
 * `::1` alike. Errors are {@linkcode TransportError}s with a one-line message.
 *
 * With `tls`, the TLS handshake completes before it resolves: the server's
 * certificate must chain to Deno's root store or to one of `tls.caCerts`,
 * and be valid for the host name given (not for the address it resolved
 * to); else it rejects, saying why.
 */
export async function connect(
  to: ConnectOptions,
  timeoutMs: number = 1000 * PROTOCOL_DEFAULTS.connectTimeout,
): Promise<Deno.Conn> {
  const url = connectUrl(to);
  if (to.transport === "unix" && Deno.build.os === "windows") {
    throw new TransportError(`cannot connect to ${url}: Unix sockets are not supported on Windows`);
  }
  const attempt = async (): Promise<Deno.Conn> => {
    if (to.transport === "unix") return await Deno.connect({ transport: "unix", path: to.path });
    const hostname = to.hostname ?? PROTOCOL_DEFAULTS.host;
    const port = to.port ?? PROTOCOL_DEFAULTS.port;
    requireNetAccess(hostname, port, `cannot connect to ${url}`);
    let addresses: string[];
    try {
      addresses = (await lookup(hostname, { all: true })).map((a) => a.address);
      // CLI.md: `localhost` reaches a server on 127.0.0.1 or ::1 alike, even where the
      // hosts file names only one of them.
      if (hostname.toLowerCase() === "localhost") {
        addresses = [...new Set([...addresses, "127.0.0.1", "::1"])];
      }
    } catch {
      throw new TransportError(`cannot connect to ${url}: ${cannotResolve(hostname)}`);
    }
    let lastError: unknown;
    for (const address of addresses) {
      let conn: Deno.TcpConn;
      try {
        conn = await Deno.connect({ transport: "tcp", hostname: address, port });
        conn.setNoDelay(true);
      } catch (error) {
        lastError = error;
        continue;
      }
      // A certificate refused is the server's answer, not a reason to try the next address.
      return to.tls ? await startTls(conn, hostname, to.tls, url) : conn;
    }
    throw lastError;
  };
  const pending = attempt();
  try {
    return await within(
      pending,
      timeoutMs,
      () => new TransportError(`cannot connect to ${url}: timed out`),
    );
  } catch (error) {
    // A connection that completes after the timeout is closed at once.
    pending.then((conn) => conn.close(), () => {});
    if (error instanceof TransportError) throw error;
    throw new TransportError(`cannot connect to ${url}: ${describe(error)}`, { cause: error });
  }
}

/** Runs the TLS handshake over `conn`, checking the certificate against `hostname`. */
async function startTls(
  conn: Deno.TcpConn,
  hostname: string,
  tls: TlsClientOptions,
  url: string,
): Promise<Deno.TlsConn> {
  let secure: Deno.TlsConn | undefined;
  try {
    secure = await Deno.startTls(conn, { hostname, caCerts: tls.caCerts });
    await secure.handshake();
    return secure;
  } catch (error) {
    try {
      (secure ?? conn).close();
    } catch {
      // Already closed.
    }
    throw new TransportError(`cannot connect to ${url}: ${describeTlsFailure(error, hostname)}`, {
      cause: error,
    });
  }
}

/** A one-line reason for a failed TLS handshake, from rustls's wording. */
function describeTlsFailure(error: unknown, hostname: string): string {
  const message = firstLine(error);
  if (/UnknownIssuer/i.test(message)) {
    return "TLS: the server's certificate is not signed by a trusted CA (unknown issuer)";
  }
  if (/not valid for name/i.test(message)) {
    return `TLS: the server's certificate is not valid for ${hostname}`;
  }
  if (/CaUsedAsEndEntity/i.test(message)) {
    return "TLS: the server's certificate is a CA certificate, not a server certificate";
  }
  if (/Expired/i.test(message)) return "TLS: the server's certificate has expired";
  if (/NotValidYet/i.test(message)) return "TLS: the server's certificate is not valid yet";
  if (/corrupt message|InvalidContentType|not a TLS|wrong version/i.test(message)) {
    return "TLS: the server did not answer in TLS (is it serving plain TCP?)";
  }
  if (error instanceof Deno.errors.UnexpectedEof || /eof|closed|reset/i.test(message)) {
    return "TLS: the server closed the connection during the handshake";
  }
  return `TLS handshake failed: ${message}`;
}
