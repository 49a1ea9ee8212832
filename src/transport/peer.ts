/**
 * The peer of an accepted connection: its address as logs show it and as
 * limits per address count it, and a Deno socket that knows it.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { peerAddress } from "./peer.ts";
 * deepStrictEqual(peerAddress("tcp", "::ffff:10.0.0.7", 5000), {
 *   url: "tcp://10.0.0.7:5000",
 *   address: "10.0.0.7",
 * });
 * deepStrictEqual(peerAddress("unix"), { url: "unix", address: "unix" });
 * ```
 *
 * @module
 */

import { tcpUrl } from "./address.ts";
import type { Incoming, PeerAddress } from "./types.ts";

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/**
 * The {@linkcode PeerAddress} of a peer: `scheme` `tcp` or `ws` with its IP
 * and port (an IPv4-mapped IPv6 address written as IPv4), or `unix`.
 */
export function peerAddress(scheme: "tcp" | "ws" | "unix", ip = "", port = 0): PeerAddress {
  if (scheme === "unix") return UNIX_PEER;
  const address = ip.match(MAPPED_V4)?.[1] ?? ip;
  const url = tcpUrl(address, port);
  return { url: scheme === "tcp" ? url : `ws${url.slice(3)}`, address };
}

const UNIX_PEER: PeerAddress = Object.freeze({ url: "unix", address: "unix" });

/** A Deno socket accepted by a listener; its peer is worked out when asked for. */
export class SocketConnection implements Incoming {
  readonly #conn: Deno.Conn;

  /** Wraps an accepted `conn`. */
  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /** Where it comes from (made anew at each call: an idle connection keeps no copy). */
  get peer(): PeerAddress {
    const addr = this.#conn.remoteAddr;
    return addr.transport === "tcp" ? peerAddress("tcp", addr.hostname, addr.port) : UNIX_PEER;
  }

  /** Reads into `buffer`. */
  read(buffer: Uint8Array): Promise<number | null> {
    return this.#conn.read(buffer);
  }

  /** Writes some of `data`. */
  write(data: Uint8Array): Promise<number> {
    return this.#conn.write(data);
  }

  /** Closes both directions. */
  close(): void {
    this.#conn.close();
  }
}
