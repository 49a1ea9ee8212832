/**
 * The address a login is counted under by the guessing throttle
 * (PROTOCOL.md section 11): an IPv4 address; an IPv6 address's /64 (one
 * customer's network, who can pick any address in it); all Unix socket
 * peers as one.
 *
 * @module
 */

/** The bucket of every Unix socket peer. */
export const UNIX_BUCKET = "unix";

/** The 8 groups of an IPv6 address (without a zone), or `undefined` when it is not one. */
function ipv6Groups(text: string): number[] | undefined {
  let address = text.toLowerCase();
  const tail: number[] = [];
  const v4 = address.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    const octets = ipv4Octets(v4[2]);
    if (!octets) return undefined;
    tail.push((octets[0] << 8) | octets[1], (octets[2] << 8) | octets[3]);
    address = v4[1].endsWith("::") ? v4[1] : v4[1].slice(0, -1);
  }
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string) => part === "" ? [] : part.split(":");
  const [head, rest = undefined] = halves.map(parse);
  const words = [...head, ...(rest ?? [])];
  if (!words.every((word) => /^[0-9a-f]{1,4}$/.test(word))) return undefined;
  const missing = 8 - words.length - tail.length;
  if (rest === undefined ? missing !== 0 : missing < 1) return undefined;
  const fill = rest === undefined ? [] : new Array(missing).fill("0");
  return [...head, ...fill, ...(rest ?? [])].map((word) => parseInt(word, 16)).concat(tail);
}

/** The 4 octets of a dotted IPv4 address, or `undefined`. */
function ipv4Octets(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part))) return undefined;
  const octets = parts.map(Number);
  return octets.every((octet) => octet <= 255) ? octets : undefined;
}

/**
 * The throttle's bucket for a peer address as the logs write it
 * (`tcp://IP:PORT`, `ws://[IPv6]:PORT`, `unix`). An IPv4-mapped IPv6
 * address counts as its IPv4 address. Anything else is its own bucket.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { peerBucket } from "./peer_bucket.ts";
 * strictEqual(peerBucket("tcp://192.0.2.7:5123"), "192.0.2.7");
 * strictEqual(peerBucket("ws://[2001:db8:1:2:aaaa::1]:443"), "2001:db8:1:2::/64");
 * strictEqual(peerBucket("tcp://[2001:db8:1:2:ffff::9]:80"), "2001:db8:1:2::/64"); // same /64
 * strictEqual(peerBucket("tcp://[::ffff:192.0.2.7]:5123"), "192.0.2.7");
 * strictEqual(peerBucket("unix"), "unix");
 * ```
 */
export function peerBucket(peer: string): string {
  if (peer === UNIX_BUCKET || peer.startsWith("unix:")) return UNIX_BUCKET;
  const host = peer.match(/^[a-z][a-z0-9+.-]*:\/\/(?:\[([^\]]+)\]|([^:/]+))/i);
  if (!host) return peer;
  if (host[2] !== undefined) return ipv4Octets(host[2])?.join(".") ?? host[2].toLowerCase();
  const groups = ipv6Groups(host[1].replace(/%.*$/, ""));
  if (!groups) return host[1].toLowerCase();
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join(".");
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(":")}::/64`;
}
