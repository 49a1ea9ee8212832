/**
 * The web side of `chat server --http`: the HTTP(S) listener, its
 * endpoints, and the listener of the WebSocket sessions that it hands to
 * the chat server.
 *
 * @module
 */

import { PROTOCOL_DEFAULTS } from "../protocol/defaults.ts";
import { listen } from "../transport/listen.ts";
import { type Listener, type TlsServerOptions, TransportError } from "../transport/types.ts";
import { WebSocketListener } from "../transport/websocket_listener.ts";
import { HttpServer } from "./http_server.ts";
import { normalizeOrigin } from "./origin.ts";
import { type ChatStatus, webRoutes } from "./routes.ts";

/** Where and how the web server listens. */
export interface WebServerOptions {
  /** The host to bind (default `localhost`). */
  hostname?: string;
  /** The port; 0 for a free one. */
  port: number;
  /** Serve HTTPS (and WSS) with this certificate and key. */
  tls?: TlsServerOptions;
  /** Further origins allowed to open `/ws` (`--http-origin`). */
  origins?: readonly string[];
  /** Seconds a connection may take to send a request head, or stay idle (default 10). */
  requestTimeout?: number;
}

/**
 * A bound web server: {@linkcode WebServer.websockets} goes to the chat
 * server's `listeners`; {@linkcode WebServer.serve} answers requests for
 * it; {@linkcode WebServer.close} stops, once the chat server has stopped.
 *
 * @example
 * ```ts ignore
 * const web = await WebServer.bind({ hostname: "127.0.0.1", port: 0 });
 * const chat = new ChatServer({ listen: [], listeners: [web.websockets] });
 * await chat.start(); // [..., "http://127.0.0.1:PORT"]
 * web.serve(chat);
 * await chat.stop();
 * await web.close();
 * ```
 */
export class WebServer {
  /** Where it listens: `http://HOST:PORT`, or `https://` with TLS. */
  readonly url: string;
  /** The WebSocket sessions' listener, fed by `/ws` upgrades: one of the chat server's `listeners`. */
  get websockets(): Listener {
    return this.#websockets;
  }
  readonly #websockets: WebSocketListener;
  readonly #listener: Listener;
  readonly #options: WebServerOptions;
  #http: HttpServer | undefined;

  private constructor(listener: Listener, options: WebServerOptions) {
    this.#listener = listener;
    this.#options = options;
    this.url = listener.url.replace(/^tcp:/, options.tls ? "https:" : "http:");
    this.#websockets = new WebSocketListener(this.url);
  }

  /** Binds the listener (errors are `TransportError`s); nothing is answered before `serve`. */
  static async bind(options: WebServerOptions): Promise<WebServer> {
    for (const origin of options.origins ?? []) {
      if (normalizeOrigin(origin) === undefined) {
        throw new RangeError(`not an http(s) origin: ${origin}`);
      }
    }
    let listener: Listener;
    try {
      listener = await listen({
        transport: "tcp",
        hostname: options.hostname ?? PROTOCOL_DEFAULTS.host,
        port: options.port,
        tls: options.tls,
      });
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      // Named as the HTTP listener, so that the user knows which flag to change.
      const scheme = options.tls ? "https://" : "http://";
      throw new TransportError(error.message.replaceAll("tcp://", scheme), { cause: error });
    }
    return new WebServer(listener, options);
  }

  /** Starts answering requests about `chat` (once). */
  serve(chat: ChatStatus): void {
    if (this.#http) return;
    const secure = this.#options.tls !== undefined;
    const origins = new Set((this.#options.origins ?? []).map((o) => normalizeOrigin(o)!));
    this.#http = new HttpServer(this.#listener, {
      requestTimeoutMs: 1000 * (this.#options.requestTimeout ?? PROTOCOL_DEFAULTS.handshakeTimeout),
      handler: webRoutes({ chat, websockets: this.#websockets, origins, secure }),
    });
    this.#http.serve();
  }

  /**
   * Stops answering, closes the HTTP connections and the listener, and
   * waits until the socket of every WebSocket it handed over is closed
   * (their sessions are the chat server's to end first).
   */
  async close(): Promise<void> {
    await this.#websockets.close();
    if (this.#http) await this.#http.close();
    else await this.#listener.close();
    await this.#websockets.allClosed();
  }
}
