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
