/**
 * Listening on TCP and on Unix sockets.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { firstLine } from "../errors/first_line.ts";
import { PROTOCOL_DEFAULTS } from "../protocol/defaults.ts";
import { cannotResolve, tcpUrl } from "./address.ts";
import { listenTls } from "./tls_listener.ts";
import { SocketConnection } from "./peer.ts";
import type { Incoming, Listener, ListenOptions, TransportKind } from "./types.ts";
import { TransportError } from "./types.ts";

/**
 * Binds a listener. Errors are {@linkcode TransportError}s with a one-line
 * message (`address in use`, a path that is not a socket, a TLS key that
 * does not match its certificate, ...). A TCP listener with `tls` serves TLS:
 * the handshake happens on each connection's first read or write, so a slow
 * or foreign client never holds up `accept`.
 *
 * @example
 * ```ts
 * import { match, strictEqual } from "node:assert/strict";
 * import { listen } from "./listen.ts";
 *
 * const listener = await listen({ transport: "tcp", hostname: "127.0.0.1", port: 0 });
 * match(listener.url, /^tcp:\/\/127\.0\.0\.1:\d+$/); // port 0: a free port
 * const port = Number(new URL(listener.url).port);
 * const [client, server] = await Promise.all([
 *   Deno.connect({ hostname: "127.0.0.1", port }),
 *   listener.accept(),
 * ]);
 * await client.write(new TextEncoder().encode("hi"));
 * const buffer = new Uint8Array(2);
 * strictEqual(await server!.read(buffer), 2);
 * client.close();
 * server!.close();
 * await listener.close();
 * ```
 */
export async function listen(options: ListenOptions): Promise<Listener> {
  if (options.transport === "unix") {
    return await listenUnix(options.path, options.mode ?? PROTOCOL_DEFAULTS.unixMode);
  }
  const hostname = options.hostname ?? PROTOCOL_DEFAULTS.host;
  const port = options.port ?? PROTOCOL_DEFAULTS.port;
  return options.tls ? await listenTls(hostname, port, options.tls) : listenTcp(hostname, port);
}

function listenTcp(hostname: string, port: number): Listener {
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ transport: "tcp", hostname, port });
  } catch (error) {
    const why = /lookup address/.test(String(error)) ? cannotResolve(hostname) : describe(error);
    throw new TransportError(`cannot listen on ${tcpUrl(hostname, port)}: ${why}`, {
      cause: error,
    });
  }
  const addr = listener.addr;
  return new DenoListener("tcp", tcpUrl(addr.hostname, addr.port), listener, async () => {});
}

async function listenUnix(path: string, mode: number): Promise<Listener> {
  if (Deno.build.os === "windows") {
    throw new TransportError(
      `cannot listen on unix://${path}: Unix sockets are not supported on Windows`,
    );
  }
  await clearStaleSocket(path);
  const { listener, ino } = await bindWithMode(path, mode);
  const removeFile = async () => {
    // Remove the file only while it is still the one this listener created.
    const info = await Deno.lstat(path).catch(() => null);
    if (info?.ino === ino) await Deno.remove(path).catch(() => {});
  };
  return new DenoListener("unix", `unix://${path}`, listener, removeFile);
}

/** Refuses a live socket or a non-socket at `path`; removes a dead socket. */
async function clearStaleSocket(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw new TransportError(`cannot listen on unix://${path}: ${describe(error)}`, {
      cause: error,
    });
  }
  if (!info.isSocket) {
    const what = info.isDirectory ? "a directory" : info.isFile ? "a regular file" : "not a socket";
    throw new TransportError(
      `cannot listen on unix://${path}: ${path} is ${what}; not removing it`,
    );
  }
  try {
    const probe = await Deno.connect({ transport: "unix", path });
    probe.close();
  } catch (error) {
    if (!(error instanceof Deno.errors.ConnectionRefused)) {
      throw new TransportError(`cannot listen on unix://${path}: ${describe(error)}`, {
        cause: error,
      });
    }
    await Deno.remove(path);
    return;
  }
  throw new TransportError(`cannot listen on unix://${path}: address in use`);
}

/**
 * Binds the socket in a private directory beside `path`, sets its mode, then
 * links it into place: no client can connect before the mode is in force.
 */
async function bindWithMode(
  path: string,
  mode: number,
): Promise<{ listener: Deno.UnixListener; ino: number | null }> {
  let dir: string | undefined;
  try {
    dir = await Deno.makeTempDir({ dir: dirname(path), prefix: ".chat-" });
    const staging = join(dir, "s");
    if (new TextEncoder().encode(staging).length >= SUN_PATH_SIZE) {
      return await bindInPlace(path, mode);
    }
    const listener = Deno.listen({ transport: "unix", path: staging });
    try {
      await Deno.chmod(staging, mode);
      await Deno.link(staging, path);
      const info = await Deno.lstat(path);
      return { listener, ino: info.ino };
    } catch (error) {
      listener.close();
      throw error;
    }
  } catch (error) {
    const reason = error instanceof Deno.errors.AlreadyExists ? "address in use" : describe(error);
    throw new TransportError(`cannot listen on unix://${path}: ${reason}`, { cause: error });
  } finally {
    if (dir) await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** The size of `sun_path`: a socket path must be shorter. */
const SUN_PATH_SIZE = Deno.build.os === "linux" ? 108 : 104;

/**
 * Binds at `path` itself, then sets its mode: for a path that fits a socket
 * address when the staging path beside it would not. Until the chmod, the
 * socket has the mode the umask gives it.
 */
async function bindInPlace(
  path: string,
  mode: number,
): Promise<{ listener: Deno.UnixListener; ino: number | null }> {
  const listener = Deno.listen({ transport: "unix", path });
  try {
    await Deno.chmod(path, mode);
    return { listener, ino: (await Deno.lstat(path)).ino };
  } catch (error) {
    listener.close();
    throw error;
  }
}

class DenoListener implements Listener {
  readonly transport: TransportKind;
  readonly url: string;
  #listener: Deno.Listener;
  #cleanup: () => Promise<void>;
  #closed = false;

  constructor(
    transport: TransportKind,
    url: string,
    listener: Deno.Listener,
    cleanup: () => Promise<void>,
  ) {
    this.transport = transport;
    this.url = url;
    this.#listener = listener;
    this.#cleanup = cleanup;
  }

  async accept(): Promise<Incoming | null> {
    while (!this.#closed) {
      try {
        const conn = await this.#listener.accept();
        if (this.transport === "tcp") (conn as Deno.TcpConn).setNoDelay(true);
        return new SocketConnection(conn);
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) return null;
        // A connection that failed before it was accepted: keep accepting.
      }
    }
    return null;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    await this.#cleanup();
  }
}

/** A short reason for a system error: `address in use` rather than a stack. */
export function describe(error: unknown): string {
  if (error instanceof Deno.errors.AddrInUse) return "address in use";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.NotFound) return "no such file or directory";
  if (error instanceof Deno.errors.ConnectionRefused) return "connection refused";
  if (error instanceof Deno.errors.AddrNotAvailable) return "address not available";
  return firstLine(error);
}
