import { setTimeout as sleep } from "node:timers/promises";

/**
 * Keeps one connection's writers out of a transaction that stays open across
 * `await`s (a transactional handler's). better-sqlite3 has one connection, so
 * anything run on it while such a transaction is open would join it: every
 * writer waits at the gate before it begins its own transaction, which it then
 * runs synchronously to the end. Reads pass; they see the open transaction.
 */
export class SqliteTransactionGate {
  #open: Promise<void> | undefined;

  /** Settles when the transaction open now ends; `undefined` when none is open. */
  get whenClosed(): Promise<void> | undefined {
    return this.#open;
  }

  /** Waits until the open transaction ends or `timeoutMs` passes, whichever is first, leaving no timer behind. */
  async waitForClose(timeoutMs: number): Promise<void> {
    const open = this.#open;
    if (open === undefined) return;
    const timer = new AbortController();
    try {
      await Promise.race([open, sleep(Math.max(0, timeoutMs), undefined, { signal: timer.signal })]);
    } finally {
      timer.abort();
    }
  }

  /**
   * Runs `body` holding the gate: it may open a transaction, await, and end it.
   * Holders run one after another, in the order they arrived.
   */
  async hold<T>(body: () => Promise<T>): Promise<T> {
    while (this.#open !== undefined) await this.#open;
    let release = () => {};
    this.#open = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      return await body();
    } finally {
      this.#open = undefined;
      release();
    }
  }
}
