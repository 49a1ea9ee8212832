/**
 * A TLS listener on TCP, built on `node:net` and `node:tls` rather than
 * `Deno.listenTls`, for two reasons found in Deno 2.9:
 *
 * - a `Deno.listenTls` connection cannot set `TCP_NODELAY` (it has no
 *   `setNoDelay`), so Nagle's algorithm meets delayed acknowledgements and a
 *   reply that follows another write waits about 40 ms;
 * - `close()` on a `Deno.listenTls` connection whose handshake has not
 *   completed leaves the socket open: a peer that connects and stays silent
 *   would keep its socket after the handshake timeout, forever.
 *
 * Here every accepted socket gets `TCP_NODELAY`, and closing a connection
 * destroys its socket at once, handshake or not. The TLS handshake runs on
 * the connection's first read or write, as with `Deno.listenTls`, so a slow
 * or foreign peer never holds up `accept`, and the server's handshake
 * timeout covers it.
 *
 * @module
 */

import { createPrivateKey, X509Certificate } from "node:crypto";
import net from "node:net";
import tls from "node:tls";
import { firstLine } from "../errors/first_line.ts";
import { AcceptQueue } from "./accept_queue.ts";
import { cannotResolve, tcpUrl } from "./address.ts";
import { requireNetAccess } from "./net_permission.ts";
import { peerAddress } from "./peer.ts";
import type { Incoming, Listener, PeerAddress, TlsServerOptions, TransportKind } from "./types.ts";
import { TransportError } from "./types.ts";

/** Incoming bytes held for a connection before its socket is paused. */
const READ_HIGH_WATER = 256 * 1024;

/**
 * Binds a TLS listener on `hostname`:`port`. The certificate and key are
 * checked first (PEM, and the key belongs to the certificate); errors are
 * {@linkcode TransportError}s with a one-line message.
 */
export async function listenTls(
  hostname: string,
  port: number,
  options: TlsServerOptions,
): Promise<Listener> {
  const where = tcpUrl(hostname, port);
  requireNetAccess(hostname, port, `cannot listen on ${where}`);
  const problem = checkKeyPair(options);
  if (problem !== undefined) throw new TransportError(`cannot listen on ${where}: TLS: ${problem}`);
  let context: tls.SecureContext;
  try {
    context = tls.createSecureContext({ cert: options.cert, key: options.key });
  } catch (error) {
    throw new TransportError(`cannot listen on ${where}: TLS: ${firstLine(error)}`, {
      cause: error,
    });
  }
  const server = net.createServer({ noDelay: true });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: hostname, port }, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    server.close();
    throw new TransportError(`cannot listen on ${where}: ${describeNodeError(error, hostname)}`, {
      cause: error,
    });
  }
  const address = server.address() as net.AddressInfo;
  return new TlsListener(tcpUrl(address.address, address.port), server, context);
}

/** What is wrong with a certificate and key, or `undefined` when they make a pair. */
function checkKeyPair(options: TlsServerOptions): string | undefined {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(options.cert);
  } catch {
    return "no PEM certificate in the certificate";
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(options.key);
  } catch {
    return "no PEM private key in the key";
  }
  try {
    if (!certificate.checkPrivateKey(key)) {
      return "the private key does not match the certificate";
    }
  } catch (error) {
    return firstLine(error);
  }
  return undefined;
}

/** A short reason for a `node:net` listen error, in the words of `describe()`. */
function describeNodeError(error: unknown, hostname: string): string {
  if (error instanceof Deno.errors.NotCapable) return firstLine(error);
  switch ((error as { code?: string }).code) {
    case "EADDRINUSE":
      return "address in use";
    case "EACCES":
      return "permission denied";
    case "EADDRNOTAVAIL":
      return "address not available";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return cannotResolve(hostname);
  }
  return firstLine(error);
}

class TlsListener implements Listener {
  readonly transport: TransportKind = "tcp";
  readonly url: string;
  #server: net.Server;
  #queue = new AcceptQueue();

  constructor(url: string, server: net.Server, context: tls.SecureContext) {
    this.url = url;
    this.#server = server;
    server.on("connection", (raw: net.Socket) => {
      // The TLS socket takes over the raw one; a raw error must not go unhandled.
      raw.on("error", () => {});
      raw.setNoDelay(true);
      const socket = new tls.TLSSocket(raw, { isServer: true, secureContext: context });
      this.#queue.offer(
        new TlsConnection(socket, peerAddress("tcp", raw.remoteAddress, raw.remotePort)),
      );
    });
    // After a successful listen, errors concern single connections (which have their own handlers).
    server.on("error", () => {});
  }

  accept(): Promise<Incoming | null> {
    return this.#queue.accept();
  }

  close(): Promise<void> {
    if (this.#queue.closed) return Promise.resolve();
    this.#queue.close();
    // Stops listening now; connections already accepted are the server's to close.
    this.#server.close();
    return Promise.resolve();
  }
}

/** A `node:tls` socket as a {@linkcode Connection}: reads into buffers, writes with backpressure. */
class TlsConnection implements Incoming {
  readonly peer: PeerAddress;
  #socket: tls.TLSSocket;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #ended = false;
  #error: Error | undefined;
  #wakeReader: (() => void) | undefined;
  #wakeWriter: (() => void) | undefined;

  constructor(socket: tls.TLSSocket, peer: PeerAddress) {
    this.peer = peer;
    this.#socket = socket;
    socket.on("data", (chunk: Uint8Array) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      if (this.#buffered >= READ_HIGH_WATER) socket.pause();
      this.#wake();
    });
    socket.on("end", () => this.#finish());
    socket.on("close", () => this.#finish());
    socket.on("drain", () => this.#wake());
    socket.on("error", (error: Error) => {
      this.#error ??= error;
      this.#finish();
    });
  }

  #finish(): void {
    this.#ended = true;
    this.#wake();
  }

  #wake(): void {
    const reader = this.#wakeReader;
    const writer = this.#wakeWriter;
    this.#wakeReader = this.#wakeWriter = undefined;
    reader?.();
    writer?.();
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#error) throw this.#error;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#wakeReader = resolve);
    }
    let n = 0;
    while (n < buffer.length && this.#chunks.length > 0) {
      const chunk = this.#chunks[0];
      const take = Math.min(chunk.length, buffer.length - n);
      buffer.set(chunk.subarray(0, take), n);
      n += take;
      if (take === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(take);
    }
    this.#buffered -= n;
    if (this.#buffered < READ_HIGH_WATER / 2 && this.#socket.isPaused()) this.#socket.resume();
    return n;
  }

  async write(data: Uint8Array): Promise<number> {
    if (this.#error) throw this.#error;
    if (this.#ended || this.#socket.destroyed) {
      throw new Deno.errors.BrokenPipe("the connection is closed");
    }
    // A copy: the caller may reuse `data` as soon as this resolves.
    if (!this.#socket.write(data.slice())) {
      // Over the socket's high-water mark: wait until it drains (or ends).
      while (this.#socket.writableNeedDrain && !this.#ended && !this.#error) {
        await new Promise<void>((resolve) => this.#wakeWriter = resolve);
      }
      if (this.#error) throw this.#error;
      if (this.#ended) throw new Deno.errors.BrokenPipe("the connection is closed");
    }
    return data.length;
  }

  close(): void {
    this.#socket.destroy();
    this.#finish();
  }
}
