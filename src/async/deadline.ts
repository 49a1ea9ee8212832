/**
 * Waiting for a promise, but not for ever.
 *
 * @module
 */

import type { Clock } from "./clock.ts";

/**
 * Resolves when `promise` settles or after `ms`, whichever is first; never
 * rejects. The time is the runtime's timers', or `clock`'s when given.
 */
export async function settleWithin(
  promise: Promise<unknown>,
  ms: number,
  clock?: Clock,
): Promise<void> {
  let cancel: (() => void) | undefined;
  const timeout = new Promise<void>((resolve) => cancel = after(ms, resolve, clock));
  try {
    await Promise.race([promise.then(() => {}, () => {}), timeout]);
  } finally {
    cancel?.();
  }
}

/**
 * Resolves as `promise` does; rejects when it has not resolved within `ms`:
 * with `what()` when `what` is a function, else with an `Error` naming `what`.
 */
export async function within<T>(
  promise: Promise<T>,
  ms: number,
  what: string | (() => Error),
): Promise<T> {
  let cancel: (() => void) | undefined;
  const timeout = new Promise<never>((_, reject) => {
    cancel = after(ms, () => {
      reject(typeof what === "function" ? what() : new Error(`${what}: not within ${ms} ms`));
    }, undefined);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    cancel?.();
  }
}

/** Resolves after `ms` (by `clock` when given). */
export function sleep(ms: number, clock?: Clock): Promise<void> {
  return new Promise((resolve) => after(ms, resolve, clock));
}

/** Calls `fn` once after `ms` (by `clock` when given); returns what cancels it. */
function after(ms: number, fn: () => void, clock: Clock | undefined): () => void {
  if (clock === undefined) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  }
  const stop = clock.every(ms, () => {
    stop();
    fn();
  });
  return stop;
}
