/**
 * The net permission, checked before `node:dns` or `node:net` is asked:
 * without it they fail as `EPERM`, or throw where no one can catch it.
 *
 * @module
 */

import { hostPort } from "./address.ts";
import { TransportError } from "./types.ts";

/**
 * Throws a {@linkcode TransportError} saying which permission is missing
 * (`FAILURE: Requires net access to "HOST:PORT", run again with the
 * --allow-net flag`) unless net access to `hostname`:`port` is granted.
 */
export function requireNetAccess(hostname: string, port: number, failure: string): void {
  const host = hostPort(hostname, port);
  if (Deno.permissions.querySync({ name: "net", host }).state !== "granted") {
    throw new TransportError(
      `${failure}: Requires net access to "${host}", run again with the --allow-net flag`,
    );
  }
}
