/**
 * Connecting to a server over TCP (every address the host resolves to) or
 * a Unix socket, promptly or not at all.
 *
 * @module
 */

import { lookup } from "node:dns/promises";
import { describe, tcpUrl } from "./listen.ts";
import { type ConnectOptions, TransportError } from "./types.ts";

/** How long a connection attempt may take, in milliseconds. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** The URL of a connect target, as a user would read it. */
export function connectUrl(to: ConnectOptions): string {
  return to.transport === "unix"
    ? `unix://${to.path}`
    : tcpUrl(to.hostname ?? "localhost", to.port ?? 9999);
}

/**
 * Connects to a server. For TCP it tries every address the host name
 * resolves to, in order, so `localhost` reaches a server on `127.0.0.1` or
 * `::1` alike. Errors are {@linkcode TransportError}s with a one-line message.
 */
export async function connect(
  to: ConnectOptions,
  timeoutMs = CONNECT_TIMEOUT_MS,
): Promise<Deno.Conn> {
  const url = connectUrl(to);
  if (to.transport === "unix" && Deno.build.os === "windows") {
    throw new TransportError(`cannot connect to ${url}: Unix sockets are not supported on Windows`);
  }
  const attempt = async (): Promise<Deno.Conn> => {
    if (to.transport === "unix") return await Deno.connect({ transport: "unix", path: to.path });
    const hostname = to.hostname ?? "localhost";
    const port = to.port ?? 9999;
    let addresses: string[];
    try {
      addresses = (await lookup(hostname, { all: true })).map((a) => a.address);
    } catch {
      throw new TransportError(`cannot connect to ${url}: cannot resolve ${hostname}`);
    }
    let lastError: unknown;
    for (const address of addresses) {
      try {
        const conn = await Deno.connect({ transport: "tcp", hostname: address, port });
        conn.setNoDelay(true);
        return conn;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pending = attempt();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TransportError(`cannot connect to ${url}: timed out`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([pending, timeout]);
  } catch (error) {
    // A connection that completes after the timeout is closed at once.
    pending.then((conn) => conn.close(), () => {});
    if (error instanceof TransportError) throw error;
    throw new TransportError(`cannot connect to ${url}: ${describe(error)}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
