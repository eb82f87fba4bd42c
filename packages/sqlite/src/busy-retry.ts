import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { isBusy } from "./sqlite-errors.js";

/**
 * How long the driver itself waits for a lock before it reports SQLITE_BUSY.
 * better-sqlite3 is synchronous, so this wait blocks the event loop: it stays
 * short, and longer waits happen in `retryWhileBusy` between event-loop turns.
 */
export const DRIVER_BUSY_TIMEOUT_MS = 5;

const FIRST_BACKOFF_MS = 1;
const LONGEST_BACKOFF_MS = 25;

/** The wait before the next attempt, growing from 1 ms so a short lock costs little and a long one is not polled hard. */
export function nextBackoff(previousMs: number): number {
  return Math.min(LONGEST_BACKOFF_MS, previousMs === 0 ? FIRST_BACKOFF_MS : previousMs * 2);
}

/**
 * Runs `operation` until it does not fail with SQLITE_BUSY / SQLITE_LOCKED,
 * sleeping between attempts without blocking the event loop. Once `deadline`
 * (a `performance.now()` time) has really passed, the last busy error is thrown.
 */
export async function retryWhileBusy<T>(operation: () => T, deadline: number): Promise<T> {
  let backoff = 0;
  for (;;) {
    try {
      return operation();
    } catch (error) {
      const now = performance.now();
      if (!isBusy(error) || now >= deadline) throw error;
      backoff = nextBackoff(backoff);
      await sleep(Math.max(0, Math.min(backoff, deadline - now)));
    }
  }
}
