/**
 * Requests from one node of a cluster to another, on the other node's own
 * subject: a JSON body, answered with `{}` once the asked node did what it
 * was asked. What displacement (`displacement.ts`) and takeovers
 * (`takeover.ts`) ask rides on this.
 *
 * Whoever can publish on the cluster's NATS can ask these: let only the
 * nodes in.
 *
 * @module
 */

import type { NatsLink } from "./link.ts";
import type { PresenceBucket } from "./presence_bucket.ts";

const encoder = new TextEncoder();

/** This node's side of requests between nodes: answering, and asking. */
export class NodeRequests {
  /** The link to NATS. */
  readonly link: NatsLink;
  /** This node's id. */
  readonly node: string;
  #presence: PresenceBucket;

  /** Requests of `node` over `link`; `presence` tells which nodes are alive. */
  constructor(link: NatsLink, node: string, presence: PresenceBucket) {
    this.link = link;
    this.node = node;
    this.#presence = presence;
  }

  /**
   * Answers each request on `subject` with `{}` once `handle` resolved; a
   * body that is not a JSON object is ignored (no answer).
   */
  serve(subject: string, handle: (body: Record<string, unknown>) => Promise<void>): void {
    this.link.nc.subscribe(subject, {
      callback: (error, msg) => {
        if (error) return;
        let body: unknown;
        try {
          body = msg.json<unknown>();
        } catch {
          return;
        }
        if (typeof body !== "object" || body === null) return;
        this.link.task((async () => {
          await handle(body as Record<string, unknown>);
          msg.respond(encoder.encode("{}"));
        })());
      },
    });
  }

  /**
   * Sends `body` to `node` on `subject` and waits (at most `timeoutMs`) for
   * its answer; at once when `node` is this one or dead. Resolves to the
   * error when it failed (no answer in time, say), else `undefined`.
   */
  async ask(
    node: string,
    subject: string,
    body: Record<string, unknown>,
    timeoutMs: number,
  ): Promise<Error | undefined> {
    if (node === this.node || !await this.#presence.alive(node)) return undefined;
    try {
      await this.link.nc.request(subject, encoder.encode(JSON.stringify(body)), {
        timeout: timeoutMs,
      });
      return undefined;
    } catch (error) {
      return error as Error;
    }
  }
}
