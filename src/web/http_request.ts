/**
 * An HTTP/1.x request head (RFC 9112): found in the bytes read, parsed
 * strictly. Pure: no I/O.
 *
 * @module
 */

/** A request's head, as the handler sees it. */
export interface HttpRequest {
  /** `GET`, `HEAD`, ... */
  readonly method: string;
  /** The request target's path, without its query. */
  readonly path: string;
  /** `1.0` or `1.1`. */
  readonly version: string;
  /** The header fields (repeated ones joined with `, `). */
  readonly headers: Headers;
  /** How many times each header field name occurred (lower case), for fields that must be single. */
  readonly counts: ReadonlyMap<string, number>;
}

/** A request that cannot be served: the status to answer with, and why. */
export class BadRequest extends Error {
  /** The HTTP status of the answer. */
  readonly status: number;

  /** Creates a refusal with `status`. */
  constructor(status: number, message: string) {
    super(message);
    this.name = "BadRequest";
    this.status = status;
  }
}

const CRLFCRLF = [0x0d, 0x0a, 0x0d, 0x0a];
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/1\.([01])$/;
const FIELD = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;

/**
 * Where the head in `bytes` ends (just past its blank line), searching from
 * `from`; -1 when it is not complete yet.
 */
export function headEnd(bytes: Uint8Array, from = 0): number {
  for (let i = Math.max(0, from - 3); i + 3 < bytes.length; i++) {
    if (
      bytes[i] === CRLFCRLF[0] && bytes[i + 1] === CRLFCRLF[1] && bytes[i + 2] === CRLFCRLF[2] &&
      bytes[i + 3] === CRLFCRLF[3]
    ) return i + 4;
  }
  return -1;
}

/**
 * Parses a request head (the bytes up to and including its blank line).
 * Throws a {@linkcode BadRequest}: 400 for a malformed head, 505 for
 * another HTTP version, 413 for a request with a body (nothing here takes
 * one).
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { parseRequestHead } from "./http_request.ts";
 * const head = new TextEncoder().encode("GET /readyz?x=1 HTTP/1.1\r\nHost: a:8080\r\n\r\n");
 * const request = parseRequestHead(head);
 * strictEqual(request.path, "/readyz");
 * strictEqual(request.headers.get("host"), "a:8080");
 * ```
 */
export function parseRequestHead(head: Uint8Array): HttpRequest {
  const lines = new TextDecoder().decode(head).split("\r\n");
  const first = lines[0].match(REQUEST_LINE);
  if (!first) {
    throw /^\S+ \S+ HTTP\/\d/.test(lines[0])
      ? new BadRequest(505, "only HTTP/1.0 and HTTP/1.1 are spoken here")
      : new BadRequest(400, "malformed request line");
  }
  const [, method, target, minor] = first;
  const headers = new Headers();
  const counts = new Map<string, number>();
  for (const line of lines.slice(1, -2)) {
    const field = line.match(FIELD);
    if (!field) throw new BadRequest(400, "malformed header field");
    const name = field[1].toLowerCase();
    try {
      headers.append(name, field[2]);
    } catch {
      throw new BadRequest(400, `malformed value of ${name}`);
    }
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  if (minor === "1" && counts.get("host") !== 1) {
    throw new BadRequest(400, "an HTTP/1.1 request needs one Host field");
  }
  if (headers.has("transfer-encoding") || Number(headers.get("content-length") ?? 0) !== 0) {
    throw new BadRequest(413, "no request here takes a body");
  }
  const query = target.indexOf("?");
  return {
    method,
    path: query < 0 ? target : target.slice(0, query),
    version: `1.${minor}`,
    headers,
    counts,
  };
}
