/**
 * A session as the registry sees it, for tests that drive the registry (and
 * the modules on it) directly: a plain object whose rooms are a `Set`.
 *
 * @module
 */

import type { Entry } from "../../src/server/registry.ts";
import type { TransportKind } from "../../src/transport/types.ts";

/** An entry with this id and name, over `transport`, in `rooms`. */
export function testEntry(
  id: string,
  name: string,
  transport: TransportKind = "tcp",
  rooms: Iterable<string> = [],
): Entry {
  const set = new Set(rooms);
  return {
    id,
    name,
    transport,
    rooms: set,
    enter: (room) => void set.add(room),
    exit: (room) => void set.delete(room),
  };
}
