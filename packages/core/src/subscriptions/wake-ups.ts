/**
 * Wakes the live subscriptions of one `EventStore` after each of its publishes,
 * so events published in the same process reach handlers without a poll.
 */
export class ProcessWakeUps {
  readonly #listeners = new Set<() => void>();

  /** Calls `listener` after every publish until the returned function is called. */
  listen(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Wakes every listener; one that throws does not stop the others. */
  notify(): void {
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch {
        // A wake-up is a hint; a listener's failure is its own business.
      }
    }
  }
}

/** Resolves after `ms`, or early (without rejecting) when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** The delay before retry number `attempt` (1-based): `min * 2^(attempt-1)`, at most `max`. */
export function backoffDelay(attempt: number, minDelayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, minDelayMs * 2 ** Math.min(attempt - 1, 30));
}
