/**
 * The connections still in their handshake (`--max-handshakes`): at most
 * `limit` at once, and from one address (an IP address, any port; every
 * Unix socket peer counts as one) at most an eighth of that, so that one
 * address cannot hold every slot with silent connections. A connection
 * stops counting once it is refused or admitted.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { HandshakeSlots } from "./handshake_slots.ts";
 * const slots = new HandshakeSlots(16); // 2 per address
 * strictEqual(slots.take("10.0.0.1") && slots.take("10.0.0.1"), true);
 * strictEqual(slots.take("10.0.0.1"), false);
 * strictEqual(slots.take("10.0.0.2"), true);
 * slots.release("10.0.0.1");
 * strictEqual(slots.take("10.0.0.1"), true);
 * ```
 *
 * @module
 */

/** Handshake slots, in all and per address. */
export class HandshakeSlots {
  /** Most connections in their handshake at once. */
  readonly limit: number;
  /** Most of them from one address: an eighth of `limit`, rounded down (at least 1). */
  readonly perAddress: number;
  #taken = 0;
  #byAddress = new Map<string, number>();

  /** Slots for `limit` connections at once. */
  constructor(limit: number) {
    this.limit = limit;
    this.perAddress = Math.max(1, Math.floor(limit / 8));
  }

  /** How many slots are taken. */
  get size(): number {
    return this.#taken;
  }

  /** Takes a slot for a connection from `address`; false when none is left for it. */
  take(address: string): boolean {
    if (this.#taken >= this.limit) return false;
    const held = this.#byAddress.get(address) ?? 0;
    if (held >= this.perAddress) return false;
    this.#byAddress.set(address, held + 1);
    this.#taken++;
    return true;
  }

  /** Gives back a slot taken for `address`. */
  release(address: string): void {
    const held = this.#byAddress.get(address);
    if (held === undefined) return;
    if (held <= 1) this.#byAddress.delete(address);
    else this.#byAddress.set(address, held - 1);
    this.#taken--;
  }
}
