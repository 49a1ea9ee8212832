/**
 * Which browser pages may open `/ws` (PROTOCOL.md section 10): a request
 * without `Origin` (not a browser), the page's own origin (the `Origin`'s
 * host and port are the request's `Host`), or an origin given with
 * `--http-origin`.
 *
 * @module
 */

const DEFAULT_PORTS: Record<string, string> = { "http:": "80", "https:": "443" };

/**
 * The serialized origin of `value` (`https://chat.example:8443`), or
 * `undefined` when it is not an http(s) origin: a scheme, a host and maybe
 * a port, with no path, query, fragment or credentials.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { normalizeOrigin } from "./origin.ts";
 * strictEqual(normalizeOrigin("HTTPS://Chat.Example:443/"), "https://chat.example");
 * strictEqual(normalizeOrigin("https://chat.example/app"), undefined);
 * ```
 */
export function normalizeOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const bare = url.pathname === "/" && url.search === "" && url.hash === "" &&
    url.username === "" && url.password === "" && !/[?#]/.test(value);
  return url.protocol in DEFAULT_PORTS && url.hostname !== "" && bare ? url.origin : undefined;
}

/** A `Host` field or an origin's host and port, compared as `hostname:port`. */
function hostAndPort(url: URL): string {
  return `${url.hostname}:${url.port || DEFAULT_PORTS[url.protocol]}`;
}

/**
 * Whether an upgrade with this `Origin` (`null`: the field is absent) may
 * open a session, on a server reached at `host` (the request's `Host`) over
 * `http:` or `https:` (`scheme`), that also allows the origins `allowed`
 * (each normalized by {@linkcode normalizeOrigin}).
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { originAllowed } from "./origin.ts";
 * const none = new Set<string>();
 * strictEqual(originAllowed(null, "127.0.0.1:8080", "http:", none), true);
 * strictEqual(originAllowed("http://127.0.0.1:8080", "127.0.0.1:8080", "http:", none), true);
 * strictEqual(originAllowed("http://evil.example", "127.0.0.1:8080", "http:", none), false);
 * ```
 */
export function originAllowed(
  origin: string | null,
  host: string | null,
  scheme: "http:" | "https:",
  allowed: ReadonlySet<string>,
): boolean {
  if (origin === null) return true;
  const normalized = normalizeOrigin(origin);
  if (normalized === undefined) return false;
  if (allowed.has(normalized)) return true;
  // A Host is a host and maybe a port: nothing that would make a URL of it mean more.
  if (host === null || /[/?#@\\\s]/.test(host)) return false;
  let own: URL;
  try {
    own = new URL(`${scheme}//${host}`);
  } catch {
    return false;
  }
  return hostAndPort(new URL(normalized)) === hostAndPort(own);
}
