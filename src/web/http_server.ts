/**
 * A small HTTP/1.1 server over a {@linkcode Listener} of the transport
 * layer (TCP, or TLS for `https://`): GET and HEAD requests without
 * bodies, answered in order on kept-alive connections, and upgrades that
 * hand the connection over. It runs on the project's own sockets rather
 * than `Deno.serve` so that an upgraded WebSocket is a socket the chat
 * server can cut (see `transport/websocket_connection.ts`).
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { concat } from "../io/concat.ts";
import { writeAll } from "../io/write_all.ts";
import type { Incoming, Listener } from "../transport/types.ts";
import { BadRequest, headEnd, type HttpRequest, parseRequestHead } from "./http_request.ts";

const log = getLogger(["chat", "http"]);

/** An answer to a request. */
export interface HttpResponse {
  /** The status code. */
  status: number;
  /** Header fields; `Content-Length` and `Connection` are added. */
  headers?: Record<string, string>;
  /** The body (none for a `HEAD` request, whose `Content-Length` is still the body's). */
  body?: string | Uint8Array;
  /**
   * With status 101: takes the connection once the response head is
   * written, with the bytes read past the request.
   */
  upgrade?: (socket: Incoming, head: Uint8Array) => void;
}

/** Answers one request. */
export type HttpHandler = (request: HttpRequest) => HttpResponse;

/** Settings of an {@linkcode HttpServer}. */
export interface HttpServerOptions {
  /** Answers each request. */
  handler: HttpHandler;
  /** Milliseconds a connection may take to send a request head, or stay idle between two. */
  requestTimeoutMs: number;
}

/** The largest request head read, in bytes. */
const MAX_HEAD = 16 * 1024;
const READ_SIZE = 4096;

const REASONS: Record<number, string> = {
  101: "Switching Protocols",
  200: "OK",
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Content Too Large",
  426: "Upgrade Required",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

const encoder = new TextEncoder();

/**
 * An HTTP/1.1 server on a bound listener: {@linkcode HttpServer.serve}
 * starts it, {@linkcode HttpServer.close} stops it.
 */
export class HttpServer {
  readonly #listener: Listener;
  readonly #options: HttpServerOptions;
  /** Connections between requests or in one (not those handed over by an upgrade). */
  readonly #open = new Set<Incoming>();
  readonly #tasks = new Set<Promise<void>>();
  #serving: Promise<void> | undefined;
  #closed = false;

  /** A server for the bound `listener` (TCP, or TLS for HTTPS). */
  constructor(listener: Listener, options: HttpServerOptions) {
    this.#listener = listener;
    this.#options = options;
  }

  /** Starts accepting (once). */
  serve(): void {
    this.#serving ??= this.#acceptLoop();
  }

  /**
   * Stops accepting, closes every connection that is not handed over, and
   * resolves once nothing of it runs.
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      await this.#listener.close();
      for (const conn of this.#open) closeQuietly(conn);
    }
    await this.#serving;
    while (this.#tasks.size > 0) await Promise.all(this.#tasks);
  }

  async #acceptLoop(): Promise<void> {
    for (;;) {
      const conn = await this.#listener.accept();
      if (conn === null) return;
      if (this.#closed) {
        closeQuietly(conn);
        continue;
      }
      const task = this.#serveConnection(conn);
      this.#tasks.add(task);
      task.finally(() => this.#tasks.delete(task));
    }
  }

  /** Answers the requests of one connection in order, until it closes or is handed over. */
  async #serveConnection(conn: Incoming): Promise<void> {
    this.#open.add(conn);
    let buffered: Uint8Array = new Uint8Array(0);
    let handedOver = false;
    try {
      while (!this.#closed) {
        const read = await this.#readHead(conn, buffered);
        if (read === null) return;
        const { head, rest } = read;
        buffered = rest;
        const { response, request } = this.#respond(head);
        const keepAlive = response.status < 400 && wantsKeepAlive(request);
        const upgrade = response.status === 101 ? response.upgrade : undefined;
        await writeAll(conn, serialize(response, request, keepAlive));
        if (upgrade) {
          this.#open.delete(conn);
          handedOver = true;
          upgrade(conn, rest);
          return;
        }
        if (!keepAlive) return;
      }
    } catch {
      // The peer went away mid-request or mid-answer.
    } finally {
      if (!handedOver) {
        this.#open.delete(conn);
        closeQuietly(conn);
      }
    }
  }

  /** Answers a head that may not parse: a refusal, or the handler's answer. */
  #respond(head: Uint8Array | BadRequest): { response: HttpResponse; request?: HttpRequest } {
    if (head instanceof BadRequest) return { response: refusal(head) };
    let request: HttpRequest;
    try {
      request = parseRequestHead(head);
    } catch (error) {
      if (error instanceof BadRequest) return { response: refusal(error) };
      throw error;
    }
    try {
      return { response: this.#options.handler(request), request };
    } catch (error) {
      log.error("HTTP handler failed on {method} {path}: {error}", {
        method: request.method,
        path: request.path,
        error,
      });
      return { response: { status: 500, body: "internal error\n" }, request };
    }
  }

  /**
   * Reads until a whole request head is buffered (starting with `buffered`),
   * within the request timeout. `null` when the connection ends or times
   * out first; a {@linkcode BadRequest} (431) for a head over 16 KiB.
   */
  async #readHead(
    conn: Incoming,
    buffered: Uint8Array,
  ): Promise<{ head: Uint8Array | BadRequest; rest: Uint8Array } | null> {
    let data: Uint8Array = buffered;
    let searched = 0;
    const timer = setTimeout(() => closeQuietly(conn), this.#options.requestTimeoutMs);
    try {
      for (;;) {
        const end = headEnd(data, searched);
        if (end >= 0 && end <= MAX_HEAD) {
          return { head: data.subarray(0, end), rest: data.slice(end) };
        }
        if (end > MAX_HEAD || data.length > MAX_HEAD) {
          return { head: new BadRequest(431, "request head over 16 KiB"), rest: new Uint8Array(0) };
        }
        searched = data.length;
        const chunk = new Uint8Array(READ_SIZE);
        const n = await conn.read(chunk).catch(() => null);
        if (n === null) return null;
        data = concat([data, chunk.subarray(0, n)]);
      }
    } finally {
      clearTimeout(timer);
    }
  }
}

function refusal(error: BadRequest): HttpResponse {
  return { status: error.status, body: `${error.message}\n` };
}

/** Whether the connection stays open after the answer to `request`. */
function wantsKeepAlive(request: HttpRequest | undefined): boolean {
  return request?.version === "1.1" && !/\bclose\b/i.test(request.headers.get("connection") ?? "");
}

/** The bytes of `response` (to `request`, when it parsed). */
function serialize(
  response: HttpResponse,
  request: HttpRequest | undefined,
  keepAlive: boolean,
): Uint8Array {
  const body = typeof response.body === "string"
    ? encoder.encode(response.body)
    : response.body ?? new Uint8Array(0);
  const lines = [`HTTP/1.1 ${response.status} ${REASONS[response.status] ?? "Unknown"}`];
  const fields: Record<string, string> = { ...response.headers };
  if (response.status !== 101) {
    fields["Content-Length"] = String(body.length);
    fields["Connection"] = keepAlive ? "keep-alive" : "close";
    fields["Content-Type"] ??= "text/plain; charset=utf-8";
  }
  for (const [name, value] of Object.entries(fields)) lines.push(`${name}: ${value}`);
  const text = encoder.encode(lines.join("\r\n") + "\r\n\r\n");
  if (response.status === 101 || request?.method === "HEAD" || body.length === 0) return text;
  const out = new Uint8Array(text.length + body.length);
  out.set(text);
  out.set(body, text.length);
  return out;
}

function closeQuietly(conn: Incoming): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}
