/**
 * The narrow interfaces between the chat core and its transports.
 *
 * @module
 */

import type { ChatError } from "../protocol/errors.ts";

/** The transports a session can arrive on (`ws`: a WebSocket, PROTOCOL.md section 10). */
export type TransportKind = "tcp" | "unix" | "ws";

/**
 * Splits what a connection reads into frames: the stream decoder of
 * PROTOCOL.md section 1 for a socket (`FrameDecoder`), one frame per
 * message for a WebSocket (section 10).
 */
export interface Framer {
  /**
   * Takes the next bytes read; returns the frames they complete, in order,
   * each valid until the next push. A message that can be no frame (a
   * WebSocket binary message) comes as the error it gets.
   */
  push(chunk: Uint8Array): (Uint8Array | ChatError)[];
  /** True once a frame over the limit was seen: the connection should be closed. */
  readonly tooLarge: boolean;
  /** The limit of the frame being read now, in bytes (the first frame's, until it ends). */
  readonly limit: number;
}

/** A byte stream: what the server and client need of a socket (a `Deno.Conn` is one). */
export interface Connection {
  /** Reads into `buffer`; resolves to the bytes read, or `null` at end of stream. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Writes some of `data`; resolves to how many bytes were written. */
  write(data: Uint8Array): Promise<number>;
  /** Closes both directions at once. */
  close(): void;
  /**
   * The framer of what this connection reads, refusing frames over
   * `maxFrame` bytes; without one, the stream `FrameDecoder` splits it.
   */
  framer?(maxFrame: number, firstFrameMax?: number): Framer;
}

/** Where an accepted connection comes from, as a server's logs and limits see it. */
export interface PeerAddress {
  /** As logs show it: `tcp://IP:PORT`, `unix` (a WebSocket transport: `ws://IP:PORT`). */
  readonly url: string;
  /**
   * The address that limits per address count: the IP address (an
   * IPv4-mapped IPv6 address written as IPv4), or `unix` for every Unix
   * socket peer.
   */
  readonly address: string;
}

/** A connection a listener accepted: a {@linkcode Connection} that knows its peer. */
export interface Incoming extends Connection {
  /** Where it comes from. */
  readonly peer: PeerAddress;
}

/** A bound listener of one transport. */
export interface Listener {
  /** The transport its connections use. */
  readonly transport: TransportKind;
  /** Where it listens, as printed: `tcp://127.0.0.1:9999` or `unix:///tmp/chat.sock`. */
  readonly url: string;
  /** The next connection, or `null` once the listener is closed. */
  accept(): Promise<Incoming | null>;
  /** Stops listening and releases what it holds (a Unix socket file is removed). */
  close(): Promise<void>;
}

/** A server's TLS certificate chain and private key, both PEM text. */
export interface TlsServerOptions {
  /** The certificate chain, PEM (the server's certificate first). */
  cert: string;
  /** The private key of the certificate, PEM. */
  key: string;
}

/** How a client checks a TLS server. */
export interface TlsClientOptions {
  /**
   * CA certificates (PEM) to trust besides Deno's root store. The server's
   * certificate must also be valid for the host name connected to.
   */
  caCerts?: string[];
}

/**
 * Where a server listens: TCP on a host and port (with `tls`: TLS over
 * it), or a Unix socket path.
 */
export type ListenOptions =
  | { transport: "tcp"; hostname?: string; port?: number; tls?: TlsServerOptions }
  | { transport: "unix"; path: string; mode?: number };

/**
 * Where a client connects: TCP on a host and port (with `tls`: TLS over
 * it), or a Unix socket path.
 */
export type ConnectOptions =
  | { transport: "tcp"; hostname?: string; port?: number; tls?: TlsClientOptions }
  | { transport: "unix"; path: string };

/** A failure to listen or connect, with a one-line message for the user. */
export class TransportError extends Error {
  /** Creates a transport error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TransportError";
  }
}
