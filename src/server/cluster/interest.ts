/**
 * A node's interest in NATS subjects: a subject is subscribed while at
 * least one local reason to hear it holds (a session in the room, any
 * session at all), and unsubscribed with the last.
 *
 * @module
 */

import type { Subscription } from "@nats-io/transport-node";
import { settleWithin } from "../../async/deadline.ts";
import { type NatsLink, REQUEST_MS } from "./link.ts";

interface Interest {
  sub: Subscription;
  count: number;
  /** Resolves once NATS has the subscription (set while a first join waits for it). */
  confirming: Promise<void> | undefined;
}

/** Subscriptions counted by the local reasons to hold them. */
export class Interests {
  #link: NatsLink;
  #interest = new Map<string, Interest>();

  /** Subscriptions over `link`. */
  constructor(link: NatsLink) {
    this.#link = link;
  }

  /**
   * Counts one more local reason to hear `subject`, subscribing on the
   * first; with `confirm`, returns a promise that resolves once NATS has the
   * subscription (a round trip), so that relays sent after it arrive.
   */
  want(
    subject: string,
    onData: (data: Uint8Array) => void,
    confirm: boolean,
  ): void | Promise<void> {
    const held = this.#interest.get(subject);
    if (held) {
      held.count++;
      return held.confirming;
    }
    const nc = this.#link.nc;
    const sub = nc.subscribe(subject, {
      callback: (error, msg) => {
        if (!error) onData(msg.data);
      },
    });
    const interest: Interest = { sub, count: 1, confirming: undefined };
    this.#interest.set(subject, interest);
    if (confirm && this.#link.connected) {
      interest.confirming = settleWithin(nc.flush(), REQUEST_MS).then(() => {
        interest.confirming = undefined;
      });
    }
    return interest.confirming;
  }

  /** Counts one local reason fewer to hear `subject`, unsubscribing with the last. */
  unwant(subject: string): void {
    const interest = this.#interest.get(subject);
    if (!interest || --interest.count > 0) return;
    this.#interest.delete(subject);
    try {
      interest.sub.unsubscribe();
    } catch {
      // The connection is closed: nothing to undo.
    }
  }
}
