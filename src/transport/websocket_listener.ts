/**
 * The WebSocket sessions' listener: fed by an HTTP server's upgrades (the
 * `/ws` of `chat server --http`), accepted by the chat server like those
 * of any other transport.
 *
 * @module
 */

import { AcceptQueue } from "./accept_queue.ts";
import type { Incoming, Listener, TransportKind } from "./types.ts";
import { WebSocketConnection } from "./websocket_connection.ts";

/**
 * A {@linkcode Listener} of WebSocket connections that an HTTP server hands
 * over with {@linkcode WebSocketListener.offer}.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { WebSocketListener } from "./websocket_listener.ts";
 * const listener = new WebSocketListener("http://127.0.0.1:8080");
 * strictEqual(listener.transport, "ws");
 * await listener.close();
 * strictEqual(await listener.accept(), null);
 * ```
 */
export class WebSocketListener implements Listener {
  readonly transport: TransportKind = "ws";
  /** The HTTP server's URL (`http://HOST:PORT`, `https://` with TLS), as printed. */
  readonly url: string;
  #queue = new AcceptQueue();
  #open = new Set<Promise<void>>();

  /** A listener whose upgrades come from the HTTP server at `url`. */
  constructor(url: string) {
    this.url = url;
  }

  /** Whether it still takes connections (false once closed). */
  get accepting(): boolean {
    return !this.#queue.closed;
  }

  /**
   * Takes the stream of an accepted upgrade (`head`: the bytes read past
   * the request) as a WebSocket connection; false once closed (the stream
   * is closed then).
   */
  offer(socket: Incoming, head?: Uint8Array): boolean {
    const conn = new WebSocketConnection(socket, head);
    this.#open.add(conn.done);
    conn.done.then(() => this.#open.delete(conn.done));
    return this.#queue.offer(conn);
  }

  accept(): Promise<Incoming | null> {
    return this.#queue.accept();
  }

  /** Stops taking connections; those accepted are the server's to close. */
  close(): Promise<void> {
    this.#queue.close();
    return Promise.resolve();
  }

  /** Resolves once the socket of every connection it took is closed. */
  async allClosed(): Promise<void> {
    while (this.#open.size > 0) await Promise.all(this.#open);
  }
}
