/**
 * The client side of a WebSocket for the raw peer of tests and the bench:
 * the HTTP upgrade on a real socket (TCP, or TLS for `wss://`), raw HTTP
 * exchanges for the refusals, and masked text messages one per line.
 *
 * @module
 */

import { concat } from "../../src/io/concat.ts";
import { writeAll } from "../../src/io/write_all.ts";
import { headEnd } from "../../src/web/http_request.ts";
import {
  encodeWebSocketFrame,
  OPCODE,
  websocketAccept,
} from "../../src/transport/websocket_codec.ts";

/** Where a WebSocket peer connects: the `/ws` URL, and how the upgrade is asked. */
export interface WebSocketTarget {
  /** Always `ws`. */
  transport: "ws";
  /** `ws://HOST:PORT/ws` or `wss://...`. */
  url: string;
  /** The `Origin` field, if any (a browser always sends one). */
  origin?: string;
  /** CA certificates to trust for `wss://`. */
  caCerts?: string[];
}

/** An answer to a raw HTTP request. */
export interface HttpAnswer {
  /** The status code. */
  status: number;
  /** The header fields. */
  headers: Headers;
  /** The body, as its `Content-Length` says. */
  body: string;
  /** Bytes read past the answer. */
  rest: Uint8Array;
}

/** An upgrade the server answered with something other than 101. */
export class UpgradeRefused extends Error {
  /** The error's name, as printed. */
  override name = "UpgradeRefused";
  /** The answer. */
  readonly answer: HttpAnswer;

  /** Creates the error of a refused upgrade. */
  constructor(answer: HttpAnswer) {
    super(`upgrade refused: ${answer.status} ${answer.body.trim()}`);
    this.answer = answer;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** GETs `url` with `fetch` (through `client` when given); returns its status and body, read whole. */
export async function fetchText(
  url: string,
  client?: Deno.HttpClient,
): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(url, { client });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

/** Opens a socket to `url`'s host and port: TLS for `https:`/`wss:` (trusting `caCerts`). */
export async function dialUrl(url: URL, caCerts?: string[]): Promise<Deno.Conn> {
  const secure = url.protocol === "wss:" || url.protocol === "https:";
  const port = Number(url.port) || (secure ? 443 : 80);
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (secure) return await Deno.connectTls({ hostname, port, caCerts });
  const conn = await Deno.connect({ hostname, port });
  conn.setNoDelay(true);
  return conn;
}

/**
 * Writes `request` (a whole HTTP/1.1 request) on `conn` and reads the
 * answer's head and its `Content-Length` body (none for a `head` request).
 */
export async function httpExchange(
  conn: Deno.Conn,
  request: string,
  options: { head?: boolean } = {},
): Promise<HttpAnswer> {
  await writeAll(conn, request);
  let data: Uint8Array = new Uint8Array(0);
  let end = -1;
  const chunk = new Uint8Array(4096);
  const more = async () => {
    const n = await conn.read(chunk);
    if (n === null) {
      throw new Error(`connection closed after ${JSON.stringify(decoder.decode(data))}`);
    }
    data = concat([data, chunk.subarray(0, n)]);
  };
  while ((end = headEnd(data)) < 0) await more();
  const [statusLine, ...fields] = decoder.decode(data.subarray(0, end - 4)).split("\r\n");
  const headers = new Headers(fields.map((line) => {
    const colon = line.indexOf(":");
    return [line.slice(0, colon), line.slice(colon + 1).trim()] as [string, string];
  }));
  const status = Number(statusLine.split(" ")[1]);
  const length = status === 101 || options.head ? 0 : Number(headers.get("content-length") ?? 0);
  while (data.length < end + length) await more();
  return {
    status,
    headers,
    body: decoder.decode(data.subarray(end, end + length)),
    rest: data.slice(end + length),
  };
}

/** The upgrade request of `target`, with a fresh key; `extra` adds header lines. */
export function upgradeRequest(target: WebSocketTarget, key: string, extra = ""): string {
  const url = new URL(target.url);
  return `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\n` +
    `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
    (target.origin === undefined ? "" : `Origin: ${target.origin}\r\n`) + extra + "\r\n";
}

/**
 * Connects and upgrades to a WebSocket; returns the socket and the bytes
 * read past the answer. Throws {@linkcode UpgradeRefused} for another
 * status, and fails on a wrong `Sec-WebSocket-Accept`.
 */
export async function dialWebSocket(
  target: WebSocketTarget,
): Promise<{ conn: Deno.Conn; head: Uint8Array }> {
  const conn = await dialUrl(new URL(target.url), target.caCerts);
  try {
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
    const answer = await httpExchange(conn, upgradeRequest(target, key));
    if (answer.status !== 101) throw new UpgradeRefused(answer);
    if (answer.headers.get("sec-websocket-accept") !== websocketAccept(key)) {
      throw new Error(`wrong Sec-WebSocket-Accept: ${answer.headers.get("sec-websocket-accept")}`);
    }
    return { conn, head: answer.rest };
  } catch (error) {
    conn.close();
    throw error;
  }
}

/** `data` as masked text messages, one per line (a last line without a line feed too). */
export function clientLines(data: string | Uint8Array): Uint8Array {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  const parts: Uint8Array[] = [];
  let start = 0;
  while (start < bytes.length) {
    const lf = bytes.indexOf(0x0a, start);
    const end = lf < 0 ? bytes.length : lf + 1;
    parts.push(encodeWebSocketFrame(OPCODE.text, bytes.subarray(start, end), true));
    start = end;
  }
  return concat(parts);
}
