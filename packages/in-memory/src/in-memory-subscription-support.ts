import {
  type Checkpoint,
  type CheckpointKey,
  type CheckpointWrite,
  type Clock,
  ClosedError,
  type ParkedEvent,
  type ParkedQuery,
  type ParkWrite,
  type StopListening,
  type SubscriptionCapabilities,
  type SubscriptionSupport,
  systemClock,
  type WakeUpHint,
} from "@chronicle/core";

/** What the in-memory subscription support offers: state in this process only, no cross-process notifications. */
export const IN_MEMORY_SUBSCRIPTION_CAPABILITIES: SubscriptionCapabilities = {
  durable: false,
  transactional: false,
  notifications: true,
  consumerGroups: false,
};

/**
 * Keeps checkpoints and parked events in this process's memory, beside the
 * in-memory log. Every method runs to completion without yielding, so each is
 * atomic. Hints go to every `EventStore` over the same adapter.
 */
export class InMemorySubscriptionSupport implements SubscriptionSupport<never> {
  readonly #checkpoints = new Map<string, Checkpoint>();
  readonly #parked = new Map<string, Map<string, ParkedEvent>>();
  readonly #listeners = new Set<(hint: WakeUpHint) => void>();
  readonly #clock: Clock;
  readonly #isClosed: () => boolean;

  /** @internal Made by `InMemoryEventStorageAdapter`. */
  constructor(clock: Clock | undefined, isClosed: () => boolean) {
    this.#clock = clock ?? systemClock;
    this.#isClosed = isClosed;
  }

  async readCheckpoint(key: CheckpointKey): Promise<Checkpoint | undefined> {
    this.#assertOpen();
    return this.#checkpoints.get(checkpointKey(key));
  }

  async writeCheckpoint(write: CheckpointWrite): Promise<boolean> {
    this.#assertOpen();
    if (write.epoch !== undefined) return false;
    const key = checkpointKey(write);
    const stored = this.#checkpoints.get(key)?.position;
    if (stored === write.position) return true;
    if (stored !== write.expected || (stored !== undefined && write.position < stored)) return false;
    this.#checkpoints.set(key, {
      subscription: write.subscription,
      share: write.share,
      position: write.position,
      updatedAt: this.#clock.now(),
    });
    return true;
  }

  async park(write: ParkWrite): Promise<void> {
    this.#assertOpen();
    let entries = this.#parked.get(write.subscription);
    if (entries === undefined) {
      entries = new Map();
      this.#parked.set(write.subscription, entries);
    }
    const { subscription: _, ...entry } = write;
    entries.set(write.event.id, structuredClone(entry));
  }

  async listParked(query: ParkedQuery): Promise<ParkedEvent[]> {
    this.#assertOpen();
    const entries = [...(this.#parked.get(query.subscription)?.values() ?? [])]
      .filter((entry) => query.after === undefined || entry.event.sequenceNumber > query.after)
      .sort((a, b) => (a.event.sequenceNumber < b.event.sequenceNumber ? -1 : 1));
    return structuredClone(query.limit === undefined ? entries : entries.slice(0, query.limit));
  }

  async removeParked(subscription: string, eventIds: readonly string[]): Promise<number> {
    this.#assertOpen();
    const entries = this.#parked.get(subscription);
    if (entries === undefined) return 0;
    let removed = 0;
    for (const id of eventIds) if (entries.delete(id)) removed++;
    return removed;
  }

  async listen(listener: (hint: WakeUpHint) => void): Promise<StopListening> {
    this.#assertOpen();
    // Each registration is its own entry, so one listener added twice is removed once per stop.
    const entry = (hint: WakeUpHint) => listener(hint);
    this.#listeners.add(entry);
    return async () => {
      this.#listeners.delete(entry);
    };
  }

  /** @internal Called by the adapter after each save that stored events. */
  notify(hint: WakeUpHint): void {
    for (const listener of this.#listeners) {
      try {
        listener(hint);
      } catch {
        // A listener's failure is its own; hints carry no guarantee.
      }
    }
  }

  #assertOpen(): void {
    if (this.#isClosed()) throw new ClosedError();
  }
}

function checkpointKey(key: CheckpointKey): string {
  return `${key.share}\u0000${key.subscription}`;
}
