/**
 * `--max-queue-total`: when the unsent output of all sessions together
 * passes the limit, the sessions holding the most are cut with
 * `slow_consumer`, biggest first, until it is back under. Counting is the
 * queues' (O(1) a push, {@linkcode OutputBudget}); this sweep over the
 * sessions runs only when the total is over.
 *
 * @module
 */

import type { OutputBudget } from "../transport/output_budget.ts";

/** A session as the sweep sees it. */
export interface Holder {
  /** Its unsent output, in bytes. */
  readonly queued: number;
  /** Whether it is closing or closed already. */
  readonly gone: boolean;
  /** Cuts it: its unsent output is dropped for a `slow_consumer` error. */
  cutForTotal(): void;
}

/**
 * Cuts the biggest holders among `sessions` until `budget` is back under
 * its limit; returns how many were cut.
 */
export function cutBiggestHolders(sessions: Iterable<Holder>, budget: OutputBudget): number {
  const holders: Holder[] = [];
  for (const session of sessions) if (!session.gone && session.queued > 0) holders.push(session);
  holders.sort((a, b) => b.queued - a.queued);
  let cut = 0;
  for (const holder of holders) {
    if (budget.live <= budget.limit) break;
    holder.cutForTotal();
    cut++;
  }
  return cut;
}
