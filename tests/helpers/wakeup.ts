/**
 * Waiting on a condition for a test: checked again whenever something
 * arrives (the owner calls {@linkcode Wakeup.wake}), failing at a deadline,
 * never a fixed sleep or a poll.
 *
 * @module
 */

/** Waits that re-check their condition on every {@linkcode Wakeup.wake}, each with a deadline. */
export class Wakeup {
  #waiters: (() => void)[] = [];

  /** Has every pending wait check its condition again: call it when something arrives. */
  wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /**
   * Resolves with the first value other than undefined that `ready()` gives,
   * checked now and at every wake; rejects with `describeTimeout()` as the
   * message once `ms` milliseconds have passed. An error `ready()` throws
   * rejects at once.
   */
  async until<T>(
    ready: () => T | undefined,
    ms: number,
    describeTimeout: () => string,
  ): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = ready();
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(describeTimeout());
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }
}
