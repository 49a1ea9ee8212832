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

  /** Resolves at the next {@linkcode Wakeup.wake}, or once `ms` milliseconds have passed. */
  async changed(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      this.#waiters.push(resolve);
      timer = setTimeout(resolve, Math.max(0, ms));
    });
    clearTimeout(timer);
  }

  /**
   * Resolves with the first value other than undefined that `ready()` gives,
   * checked now and at every wake; once `ms` milliseconds have passed, rejects
   * with what `describeTimeout()` gives (an error, or the message of one). An
   * error `ready()` throws rejects at once.
   */
  async until<T>(
    ready: () => T | undefined,
    ms: number,
    describeTimeout: () => string | Error,
  ): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = ready();
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0) {
        const failure = describeTimeout();
        throw failure instanceof Error ? failure : new Error(failure);
      }
      await this.changed(left);
    }
  }
}
