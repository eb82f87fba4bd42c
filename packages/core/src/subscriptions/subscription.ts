import type { EventStorageAdapter } from "../adapter.js";
import { ClosedError, InvalidInputError, isChronicleError } from "../errors.js";
import type { StoredEvent } from "../events.js";
import type { PreparedSubscription } from "./prepare-subscription.js";
import type { SubscriptionStatus } from "./subscribe-options.js";
import type { ParkedError, ParkedEvent, StopListening } from "./subscription-support.js";
import { backoffDelay, type ProcessWakeUps, pause } from "./wake-ups.js";

/** Thrown inside the engine to unwind when the subscription is closing. */
class Stopping extends Error {}

/** Names of the live subscriptions of each storage, so one process never runs two of the same name. */
const liveNames = new WeakMap<object, Set<string>>();

/** What `retryParked` resolves with. */
export interface RetryParkedResult {
  /** Parked events the handler now handled; they are no longer parked. */
  handled: number;
  /** Parked events the handler failed on again; they stay parked with their attempts added up. */
  parked: number;
}

interface RetryRequest {
  readonly ids: ReadonlySet<string> | undefined;
  readonly resolve: (result: RetryParkedResult) => void;
  readonly reject: (error: unknown) => void;
}

interface CaughtUpWaiter {
  readonly pass: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A running subscription: `store.subscribe(…)`. It hands the source's events
 * to the handler one at a time in sequence-number order, keeps its checkpoint
 * in the adapter's storage, and runs until closed.
 */
export class Subscription implements AsyncDisposable {
  /** The subscription's name, under which its checkpoint is kept. */
  readonly name: string;
  readonly #adapter: EventStorageAdapter;
  readonly #options: PreparedSubscription;
  readonly #closing = new AbortController();
  readonly #done: Promise<void>;
  #state: SubscriptionStatus["state"] = "catching-up";
  #error: unknown;
  #position: bigint | undefined;
  /** The position stored as the checkpoint, as far as this instance knows. */
  #stored: bigint | undefined;
  #sinceCheckpoint = 0;
  #handled = 0;
  #parked = 0;
  #lag = 0n;
  #repositioned = false;
  /** Scans in a row that failed with `UNAVAILABLE`, for the backoff. */
  #scanOutages = 0;
  #wakePending = false;
  #wake: (() => void) | undefined;
  #passesStarted = 0;
  #waiters: CaughtUpWaiter[] = [];
  #retries: RetryRequest[] = [];

  /** @internal Use `store.subscribe(…)`. */
  constructor(adapter: EventStorageAdapter, options: PreparedSubscription, wakeUps: ProcessWakeUps) {
    this.name = options.name;
    this.#adapter = adapter;
    this.#options = options;
    let names = liveNames.get(options.support);
    if (names === undefined) {
      names = new Set();
      liveNames.set(options.support, names);
    }
    if (names.has(options.name)) {
      throw new InvalidInputError(
        `A subscription named ${JSON.stringify(options.name)} is already running in this process; close it first, or give each a group`,
      );
    }
    names.add(options.name);
    const { signal } = options;
    if (signal !== undefined) {
      if (signal.aborted) this.#closing.abort();
      else signal.addEventListener("abort", () => void this.close(), { once: true, signal: this.#closing.signal });
    }
    this.#done = this.#run(wakeUps).finally(() => names.delete(options.name));
  }

  /** Where the subscription is: its state, position, counts and lag. */
  status(): SubscriptionStatus {
    const status: SubscriptionStatus = {
      state: this.#state,
      position: this.#position,
      handled: this.#handled,
      parked: this.#parked,
      lag: this.#state === "live" ? 0n : this.#lag,
    };
    if (this.#state === "failed") status.error = this.#error;
    return status;
  }

  /**
   * Resolves once every event of the source committed before this call has been
   * handled or parked. Rejects with `CLOSED` if the subscription closes first, or
   * with its error if it fails.
   */
  caughtUp(): Promise<void> {
    if (this.#state === "failed") return Promise.reject(this.#error);
    if (this.#state === "closed" || this.#closing.signal.aborted) return Promise.reject(new ClosedError(this.#what()));
    // Only a scan that starts after this call is sure to see everything committed before it.
    const pass = this.#passesStarted + 1;
    const promise = new Promise<void>((resolve, reject) => this.#waiters.push({ pass, resolve, reject }));
    this.#wakeUp();
    return promise;
  }

  /** The events of this subscription name that are parked, in sequence-number order. */
  async parked(): Promise<ParkedEvent[]> {
    return await this.#options.support.listParked({ subscription: this.name });
  }

  /**
   * Hands parked events (all, or those with the given event ids) to the handler
   * again, one at a time between the subscription's own events, with the same
   * retries. Handled ones are removed; failing ones stay parked.
   */
  retryParked(ids?: readonly string[]): Promise<RetryParkedResult> {
    if (ids !== undefined && !Array.isArray(ids)) {
      return Promise.reject(new InvalidInputError("retryParked takes an array of event ids, or nothing for all"));
    }
    if (this.#state === "failed") return Promise.reject(this.#error);
    if (this.#state === "closed" || this.#closing.signal.aborted) return Promise.reject(new ClosedError(this.#what()));
    const promise = new Promise<RetryParkedResult>((resolve, reject) =>
      this.#retries.push({ ids: ids === undefined ? undefined : new Set(ids), resolve, reject }),
    );
    this.#wakeUp();
    return promise;
  }

  /**
   * Stops the subscription after the handler in flight (whose context signal is
   * aborted) and writes the checkpoint. Idempotent: every call resolves once it has stopped.
   */
  async close(): Promise<void> {
    this.#closing.abort();
    this.#wake?.();
    await this.#done;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #what(): string {
    return `The subscription ${JSON.stringify(this.name)}`;
  }

  #wakeUp(): void {
    this.#wakePending = true;
    this.#wake?.();
  }

  async #run(wakeUps: ProcessWakeUps): Promise<void> {
    const { support, notifications, pollIntervalMs } = this.#options;
    const stopProcess = notifications ? wakeUps.listen(() => this.#wakeUp()) : undefined;
    let stopStorage: StopListening | undefined;
    try {
      if (notifications && support.listen !== undefined && this.#adapter.capabilities.subscriptions?.notifications) {
        const listen = support.listen.bind(support);
        stopStorage = await this.#storage(() => listen(() => this.#wakeUp()));
      }
      await this.#start();
      while (!this.#closing.signal.aborted) {
        await this.#serveRetries();
        const pass = ++this.#passesStarted;
        this.#wakePending = false;
        if (!(await this.#pass())) continue;
        await this.#writeCheckpoint();
        this.#state = "live";
        this.#lag = 0n;
        this.#waiters = this.#waiters.filter((waiter) => {
          if (waiter.pass > pass) return true;
          waiter.resolve();
          return false;
        });
        if (!this.#wakePending && this.#retries.length === 0) await this.#sleep(pollIntervalMs);
      }
    } catch (error) {
      // An adapter closed underneath (as `store.close()` does) ends the subscription like `close()`.
      if (isChronicleError(error, "CLOSED")) this.#closing.abort();
      else if (!(error instanceof Stopping)) {
        this.#state = "failed";
        this.#error = error;
      }
    } finally {
      stopProcess?.();
      await stopStorage?.().catch(() => undefined);
      // The last handled events' checkpoint, when batching left it unwritten; a failure here only repeats them.
      await this.#writeCheckpoint().catch(() => undefined);
      if (this.#state !== "failed") this.#state = "closed";
      const reason = this.#state === "failed" ? this.#error : new ClosedError(this.#what());
      for (const waiter of this.#waiters.splice(0)) waiter.reject(reason);
      for (const request of this.#retries.splice(0)) request.reject(reason);
    }
  }

  /** Finds where to start: the checkpoint, or the beginning or end of the source. */
  async #start(): Promise<void> {
    const { support, name, from, target } = this.#options;
    const checkpoint = await this.#storage(() => support.readCheckpoint({ subscription: name, share: 0 }));
    if (checkpoint !== undefined) {
      this.#position = this.#stored = checkpoint.position;
    } else if (from === "end") {
      const latest = await this.#storage(() => this.#adapter.latest(target));
      this.#position = latest?.sequenceNumber;
      // Stored at once, so a restart before any event arrives still starts from here.
      await this.#writeCheckpoint();
    }
    this.#parked = (await this.#storage(() => support.listParked({ subscription: name }))).length;
  }

  /**
   * Scans the source after the position, handling each event. Resolves `true`
   * when it reached the end, `false` when it stopped early (closing, an outage,
   * or a checkpoint another instance moved ahead).
   */
  async #pass(): Promise<boolean> {
    const { target, names } = this.#options;
    const latest = await this.#storage(() => this.#adapter.latest(target));
    if (latest !== undefined && this.#position !== undefined && latest.sequenceNumber > this.#position) {
      this.#lag = latest.sequenceNumber - this.#position;
    } else if (latest !== undefined && this.#position === undefined) {
      this.#lag = latest.sequenceNumber;
    }
    try {
      const scan = this.#adapter.scan(target, {
        ...(this.#position === undefined ? {} : { after: this.#position }),
        ...(names === undefined ? {} : { names }),
        signal: this.#closing.signal,
      });
      for await (const event of scan) {
        await this.#handle(event);
        if (this.#closing.signal.aborted) return false;
        if (this.#repositioned) {
          this.#repositioned = false;
          return false;
        }
        if (this.#retries.length > 0) await this.#serveRetries();
      }
      this.#scanOutages = 0;
      return true;
    } catch (error) {
      if (error instanceof Stopping || this.#closing.signal.aborted) throw new Stopping();
      if (isChronicleError(error, "UNAVAILABLE")) {
        this.#scanOutages++;
        const { minDelayMs, maxDelayMs } = this.#options;
        await pause(backoffDelay(this.#scanOutages, Math.max(minDelayMs, 10), maxDelayMs), this.#closing.signal);
        return false;
      }
      throw error;
    }
  }

  /** Hands one event to the handler with retries, parks it if they run out, and moves the position past it. */
  async #handle(event: StoredEvent): Promise<void> {
    const outcome = await this.#attempt(event, 1);
    if (outcome === "conflict") return;
    if (outcome === "handled") this.#handled++;
    else {
      await this.#storage(() => this.#options.support.park({ subscription: this.name, ...outcome }));
      this.#parked++;
    }
    if (outcome !== "handled" || !this.#options.transactional) {
      this.#position = event.sequenceNumber;
      this.#sinceCheckpoint++;
      if (this.#sinceCheckpoint >= this.#options.checkpointEvery) await this.#writeCheckpoint();
    }
  }

  /**
   * Calls the handler until it succeeds or the attempts run out. Resolves
   * `"handled"`, the parked entry to store, or `"conflict"` when a transactional
   * checkpoint write found another instance ahead (nothing was committed).
   */
  async #attempt(event: StoredEvent, firstAttempt: number): Promise<"handled" | "conflict" | ParkedEvent> {
    const { handler, attempts, minDelayMs, maxDelayMs, transactional, support } = this.#options;
    const signal = this.#closing.signal;
    const last = firstAttempt + attempts - 1;
    for (let attempt = firstAttempt; ; attempt++) {
      try {
        // A parked event's retry commits with the checkpoint rewritten unchanged, so its effects stay fenced too.
        const fresh = firstAttempt === 1;
        const position = fresh ? event.sequenceNumber : this.#stored;
        if (transactional && position !== undefined) {
          const run = support.runInTransaction?.bind(support);
          if (run === undefined) throw new InvalidInputError("The adapter stopped offering runInTransaction");
          const write = { subscription: this.name, share: 0, position, expected: this.#stored };
          const result = await this.#storage(() =>
            run(write, async (transaction) => await handler(event as never, { signal, attempt, transaction })),
          );
          if (!result.committed) {
            await this.#catchUpWithStored();
            return "conflict";
          }
          if (fresh) this.#position = this.#stored = position;
          return "handled";
        }
        await handler(event as never, { signal, attempt, transaction: undefined });
        return "handled";
      } catch (error) {
        if (error instanceof Stopping || signal.aborted) throw new Stopping();
        if (isChronicleError(error, "CLOSED")) throw error;
        if (attempt >= last) {
          return { event, error: describeError(error), attempts: attempt, parkedAt: new Date() };
        }
        await pause(backoffDelay(attempt - firstAttempt + 1, minDelayMs, maxDelayMs), signal);
        if (signal.aborted) throw new Stopping();
      }
    }
  }

  /** Writes the position as the checkpoint, compare-and-set, unless it is stored already. */
  async #writeCheckpoint(): Promise<void> {
    const { support, name } = this.#options;
    for (;;) {
      const position = this.#position;
      if (position === undefined || position === this.#stored) {
        this.#sinceCheckpoint = 0;
        return;
      }
      const expected = this.#stored;
      const written = await this.#storage(() => support.writeCheckpoint({ subscription: name, share: 0, position, expected }));
      if (written) {
        this.#stored = position;
        this.#sinceCheckpoint = 0;
        return;
      }
      await this.#catchUpWithStored();
    }
  }

  /**
   * After a compare-and-set found another checkpoint (another instance of this
   * name wrote one): continue after the stored position when it is ahead, and
   * otherwise write over it from there.
   */
  async #catchUpWithStored(): Promise<void> {
    const { support, name } = this.#options;
    const stored = await this.#storage(() => support.readCheckpoint({ subscription: name, share: 0 }));
    this.#stored = stored?.position;
    if (stored !== undefined && (this.#position === undefined || stored.position >= this.#position)) {
      this.#position = stored.position;
      this.#repositioned = true;
    }
  }

  /** Runs the queued `retryParked` requests, one parked event at a time. */
  async #serveRetries(): Promise<void> {
    const { support } = this.#options;
    while (this.#retries.length > 0) {
      const request = this.#retries[0] as RetryRequest;
      let handled = 0;
      let parked = 0;
      try {
        const entries = await this.#storage(() => support.listParked({ subscription: this.name }));
        for (const entry of entries) {
          if (request.ids !== undefined && !request.ids.has(entry.event.id)) continue;
          const outcome = await this.#attempt(entry.event, entry.attempts + 1);
          if (outcome === "conflict") {
            parked++;
          } else if (outcome === "handled") {
            await this.#storage(() => support.removeParked(this.name, [entry.event.id]));
            this.#parked = Math.max(0, this.#parked - 1);
            this.#handled++;
            handled++;
          } else {
            await this.#storage(() => support.park({ subscription: this.name, ...outcome }));
            parked++;
          }
        }
      } catch (error) {
        this.#retries.shift();
        request.reject(error);
        throw error;
      }
      this.#retries.shift();
      request.resolve({ handled, parked });
    }
  }

  /** Runs a storage call, pausing and trying again while the storage is unavailable. */
  async #storage<Result>(call: () => Promise<Result>): Promise<Result> {
    const { minDelayMs, maxDelayMs } = this.#options;
    for (let outage = 1; ; outage++) {
      try {
        return await call();
      } catch (error) {
        if (!isChronicleError(error, "UNAVAILABLE")) throw error;
        if (this.#closing.signal.aborted) throw new Stopping();
        await pause(backoffDelay(outage, Math.max(minDelayMs, 10), maxDelayMs), this.#closing.signal);
        if (this.#closing.signal.aborted) throw new Stopping();
      }
    }
  }

  /** Waits for a wake-up, the poll interval, or closing. */
  async #sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const closing = this.#closing.signal;
      function done(): void {
        clearTimeout(timer);
        closing.removeEventListener("abort", done);
        resolve();
      }
      this.#wake = done;
      closing.addEventListener("abort", done, { once: true });
      if (closing.aborted || this.#wakePending) done();
    });
    this.#wake = undefined;
  }
}

function describeError(error: unknown): ParkedError {
  if (error instanceof Error) return { name: error.name || "Error", message: error.message };
  if (typeof error === "object" && error !== null) {
    const candidate = error as { name?: unknown; message?: unknown };
    return {
      name: typeof candidate.name === "string" ? candidate.name : "Error",
      message: typeof candidate.message === "string" ? candidate.message : String(error),
    };
  }
  return { name: "Error", message: String(error) };
}
