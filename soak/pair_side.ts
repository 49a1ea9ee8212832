/**
 * What the two kinds of soak pairs (soak/pairs.ts, soak/resuming_pairs.ts)
 * share of a side: its name, its partner, the messages it sent and had
 * acknowledged, and its partner's numbered messages as they arrived.
 *
 * @module
 */

import { type DeliveryCounts, SequenceCheck } from "./sequence_check.ts";

/** One side of a pair: what it sent to `partner`, and what it got of the partner's. */
export abstract class PairSide<P extends PairSide<P>> {
  readonly name: string;
  /** The other side (set once both exist). */
  partner!: P;
  /** Messages sent to the partner. */
  sent = 0;
  /** Of those, acknowledged as the kind of pair expects. */
  acked = 0;
  /** The partner's numbered messages as they arrived. */
  readonly sequence: SequenceCheck = new SequenceCheck();

  constructor(name: string) {
    this.name = name;
  }

  /** Its counts, those it never received of what its partner sent counted as lost. */
  counts(): DeliveryCounts {
    return {
      sent: this.sent,
      acked: this.acked,
      received: this.sequence.received,
      duplicates: this.sequence.duplicates,
      reordered: this.sequence.reordered,
      lost: this.partner.sent - this.sequence.received,
    };
  }
}
