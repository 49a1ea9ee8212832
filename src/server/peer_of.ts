/**
 * The peer address of a connection as logs and the guessing throttle write
 * it (`tcp://IP:PORT`, `ws://IP:PORT`, `unix`): the connection's own `peer`
 * where it knows it, else a Deno socket's remote address.
 *
 * @module
 */

import { tcpUrl } from "../transport/address.ts";
import type { Connection, TransportKind } from "../transport/types.ts";

/** What a connection may know of its peer. */
interface Knows {
  /** Where it comes from, as logs write it. */
  readonly peer?: { readonly url: string };
  /** A Deno socket's remote address. */
  readonly remoteAddr?: Deno.Addr;
}

/**
 * The peer of `conn` (of `transport`): its `peer.url`, else a Deno
 * socket's remote address; a peer it cannot tell is `<transport>://?`.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { peerOf } from "./peer_of.ts";
 * const conn = { remoteAddr: { transport: "tcp", hostname: "::1", port: 4000 } };
 * strictEqual(peerOf(conn as unknown as Deno.Conn, "tcp"), "tcp://[::1]:4000");
 * ```
 */
export function peerOf(conn: Connection, transport: TransportKind): string {
  const { peer, remoteAddr } = conn as Connection & Knows;
  if (peer !== undefined) return peer.url;
  if (transport === "unix") return "unix";
  if (remoteAddr?.transport === "tcp") return tcpUrl(remoteAddr.hostname, remoteAddr.port);
  return `${transport}://?`;
}
