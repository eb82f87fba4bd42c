import type { PreparedWrite, StoredEvent } from "@chronicle/core";
import type { SaveRequest, SaveSettlement } from "./append-saves.js";

interface PendingSave extends SaveRequest {
  resolve(events: StoredEvent[][]): void;
  reject(error: unknown): void;
}

/** The most saves, and events, one coalesced transaction carries. */
const MAX_SAVES_PER_BATCH = 256;
const MAX_EVENTS_PER_BATCH = 10_000;

/**
 * Small saves wait for the batch in flight and then share one commit, which is
 * worth more than a round trip saved. Only a queue this large is sent on another
 * connection at once, in parallel with the batch in flight.
 */
const EVENTS_FOR_ANOTHER_LANE = 64;

/**
 * Coalesces concurrent saves from this process: while a batch is in flight, new
 * saves queue, and the next free lane sends every queued save as one batch (one
 * round trip, one commit). Each save still settles on its own. Up to `lanes`
 * batches fly at once when enough events queue up. A save with an AbortSignal
 * travels alone, so cancelling it cancels nothing else.
 */
export class WriteCoalescer {
  readonly #execute: (saves: readonly SaveRequest[]) => Promise<SaveSettlement[]>;
  readonly #lanes: number;
  readonly #queue: PendingSave[] = [];
  #running = 0;
  #idle: (() => void)[] = [];

  constructor(execute: (saves: readonly SaveRequest[]) => Promise<SaveSettlement[]>, lanes: number) {
    this.#execute = execute;
    this.#lanes = lanes;
  }

  /** Queues a save; resolves with its stored events once its batch commits. */
  submit(writes: readonly PreparedWrite[], signal?: AbortSignal): Promise<StoredEvent[][]> {
    return new Promise((resolve, reject) => {
      const pending: PendingSave = { writes, signal, resolve, reject };
      if (signal !== undefined) {
        // Abandoned before it was sent: it simply leaves the queue.
        signal.addEventListener(
          "abort",
          () => {
            const index = this.#queue.indexOf(pending);
            if (index === -1) return;
            this.#queue.splice(index, 1);
            reject(signal.reason);
          },
          { once: true },
        );
      }
      this.#queue.push(pending);
      this.#pump();
    });
  }

  /** Rejects every save not yet sent. */
  rejectQueued(error: unknown): void {
    for (const pending of this.#queue.splice(0)) pending.reject(error);
  }

  /** Resolves once no batch is in flight. */
  async drain(): Promise<void> {
    if (this.#running === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    while (
      this.#running < this.#lanes &&
      this.#queue.length > 0 &&
      (this.#running === 0 || this.#queuedEvents() >= EVENTS_FOR_ANOTHER_LANE)
    ) {
      const batch = this.#takeBatch();
      this.#running += 1;
      void this.#run(batch).finally(() => {
        // The lane stays taken for one turn of the event loop: callers whose saves just
        // settled usually save again at once, and so join the next batch.
        setImmediate(() => {
          this.#running -= 1;
          if (this.#running === 0) for (const resolve of this.#idle.splice(0)) resolve();
          this.#pump();
        });
      });
    }
  }

  #queuedEvents(): number {
    let events = 0;
    for (const pending of this.#queue) {
      events += countEvents(pending);
      if (events >= EVENTS_FOR_ANOTHER_LANE) break;
    }
    return events;
  }

  /**
   * The oldest queued save, and after it every queued save that fits and names
   * none of the streams already taken: saves to one stream go in separate
   * batches, in order, so each is judged after the one before it committed.
   */
  #takeBatch(): PendingSave[] {
    const first = this.#queue.shift() as PendingSave;
    if (first.signal !== undefined) return [first];
    const batch = [first];
    const streams = new Set(first.writes.map(streamKey));
    let events = countEvents(first);
    for (let index = 0; index < this.#queue.length && batch.length < MAX_SAVES_PER_BATCH; ) {
      const next = this.#queue[index] as PendingSave;
      const keys = next.writes.map(streamKey);
      if (next.signal !== undefined || events + countEvents(next) > MAX_EVENTS_PER_BATCH || keys.some((key) => streams.has(key))) {
        // Left for a later batch; so are later saves to its streams, which keeps their order.
        for (const key of keys) streams.add(key);
        index += 1;
        continue;
      }
      this.#queue.splice(index, 1);
      batch.push(next);
      for (const key of keys) streams.add(key);
      events += countEvents(next);
    }
    return batch;
  }

  async #run(batch: readonly PendingSave[]): Promise<void> {
    let settlements: SaveSettlement[];
    try {
      settlements = await this.#execute(batch);
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    batch.forEach((pending, index) => {
      const settlement = settlements[index] as SaveSettlement;
      if (settlement.kind === "stored") pending.resolve(settlement.events);
      else if (settlement.kind === "failed") pending.reject(settlement.error);
      else this.#appendRest(pending, settlement.replayed);
    });
  }

  /** Some writes of a save replayed stored events: the others are appended as a save of their own, then the results are merged in order. */
  #appendRest(pending: PendingSave, replayed: readonly (StoredEvent[] | undefined)[]): void {
    const rest = pending.writes.filter((_, index) => replayed[index] === undefined);
    this.submit(rest, pending.signal).then((appended) => {
      let next = 0;
      pending.resolve(replayed.map((events) => events ?? (appended[next++] as StoredEvent[])));
    }, pending.reject);
  }
}

function streamKey(write: PreparedWrite): string {
  return JSON.stringify([write.target.category, write.target.stream]);
}

function countEvents(save: SaveRequest): number {
  return save.writes.reduce((sum, write) => sum + write.events.length, 0);
}
