/**
 * TCP addresses as people and permissions read them.
 *
 * @module
 */

/** `HOST:PORT`, with brackets around an IPv6 host, as URLs and `--allow-net` write it. */
export function hostPort(hostname: string, port: number): string {
  return `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
}

/** Formats a TCP address as a URL, with brackets around an IPv6 host. */
export function tcpUrl(hostname: string, port: number): string {
  return `tcp://${hostPort(hostname, port)}`;
}

/**
 * Why `hostname` could not be used: `cannot resolve HOST`, with a hint
 * when it looks like a socket file's name (`chat.sock`: a positional
 * argument without a `/` is a host, CLI.md).
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { cannotResolve } from "./address.ts";
 *
 * strictEqual(cannotResolve("chat.example"), "cannot resolve chat.example");
 * strictEqual(
 *   cannotResolve("chat.sock"),
 *   "cannot resolve chat.sock (for a Unix socket in this directory, write ./chat.sock)",
 * );
 * ```
 */
export function cannotResolve(hostname: string): string {
  const hint = /\.sock(et)?$/i.test(hostname)
    ? ` (for a Unix socket in this directory, write ./${hostname})`
    : "";
  return `cannot resolve ${hostname}${hint}`;
}
