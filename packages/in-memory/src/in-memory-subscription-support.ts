import {
  type Checkpoint,
  type CheckpointKey,
  type CheckpointQuery,
  type CheckpointReset,
  type CheckpointWrite,
  type Clock,
  ClosedError,
  compareCodePoints,
  type GroupHeartbeat,
  type GroupMember,
  type Lease,
  type LeaseRequest,
  type LeaseToken,
  type ParkedEvent,
  type ParkedQuery,
  type ParkWrite,
  type StopListening,
  type SubscriptionCapabilities,
  type SubscriptionSupport,
  systemClock,
  type WakeUpHint,
} from "@chronicle/core";

/** A lease as kept here: released ones stay, so a share's epochs only increase. */
type StoredLease = { -readonly [Key in keyof Lease]: Lease[Key] } & { released: boolean };

/** What the in-memory subscription support offers: state in this process only, no cross-process notifications. */
export const IN_MEMORY_SUBSCRIPTION_CAPABILITIES: SubscriptionCapabilities = {
  durable: false,
  transactional: false,
  notifications: true,
  consumerGroups: true,
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
  /** Per group: each member's heartbeat expiry, in milliseconds since the epoch. */
  readonly #members = new Map<string, Map<string, number>>();
  /** Per group and share: the lease, kept after release (as `released`) so epochs only increase. */
  readonly #leases = new Map<string, Map<number, StoredLease>>();
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
    if (write.epoch !== undefined && this.#leases.get(write.subscription)?.get(write.share)?.epoch !== write.epoch) return false;
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

  async heartbeat(heartbeat: GroupHeartbeat): Promise<string[]> {
    this.#assertOpen();
    const now = this.#clock.now().getTime();
    const members = getOrCreate(this.#members, heartbeat.subscription, () => new Map<string, number>());
    members.set(heartbeat.member, now + heartbeat.ttlMs);
    return [...members]
      .filter(([, expiresAt]) => expiresAt > now)
      .map(([member]) => member)
      .sort();
  }

  async leaveGroup(member: GroupMember): Promise<void> {
    this.#assertOpen();
    this.#members.get(member.subscription)?.delete(member.member);
    for (const lease of this.#leases.get(member.subscription)?.values() ?? []) {
      if (lease.member === member.member) lease.released = true;
    }
  }

  async acquireLease(request: LeaseRequest): Promise<Lease | undefined> {
    this.#assertOpen();
    const now = this.#clock.now();
    const shares = getOrCreate(this.#leases, request.subscription, () => new Map<number, StoredLease>());
    const current = shares.get(request.share);
    const held = current !== undefined && !current.released && current.expiresAt.getTime() > now.getTime();
    if (held && current.member !== request.member) return undefined;
    const keeps = held && current.member === request.member;
    const lease = {
      subscription: request.subscription,
      share: request.share,
      member: request.member,
      epoch: keeps ? current.epoch : (current?.epoch ?? 0) + 1,
      expiresAt: new Date(now.getTime() + request.leaseMs),
      released: false,
    };
    shares.set(request.share, lease);
    return withoutReleased(lease);
  }

  async renewLease(token: LeaseToken & { readonly leaseMs: number }): Promise<Lease | undefined> {
    this.#assertOpen();
    const lease = this.#leases.get(token.subscription)?.get(token.share);
    if (lease === undefined || lease.released || lease.epoch !== token.epoch || lease.member !== token.member) return undefined;
    lease.expiresAt = new Date(this.#clock.now().getTime() + token.leaseMs);
    return withoutReleased(lease);
  }

  async releaseLease(token: LeaseToken): Promise<boolean> {
    this.#assertOpen();
    const lease = this.#leases.get(token.subscription)?.get(token.share);
    if (lease === undefined || lease.released || lease.epoch !== token.epoch || lease.member !== token.member) return false;
    lease.released = true;
    return true;
  }

  async listLeases(subscription: string): Promise<Lease[]> {
    this.#assertOpen();
    return [...(this.#leases.get(subscription)?.values() ?? [])]
      .filter((lease) => !lease.released)
      .sort((a, b) => a.share - b.share)
      .map(withoutReleased);
  }

  async listCheckpoints(query: CheckpointQuery = {}): Promise<Checkpoint[]> {
    this.#assertOpen();
    return [...this.#checkpoints.values()]
      .filter((checkpoint) => query.subscription === undefined || checkpoint.subscription === query.subscription)
      .sort((a, b) => compareCodePoints(a.subscription, b.subscription) || a.share - b.share);
  }

  async resetCheckpoint(reset: CheckpointReset): Promise<void> {
    this.#assertOpen();
    const key = checkpointKey(reset);
    if (reset.position === undefined) {
      this.#checkpoints.delete(key);
      return;
    }
    this.#checkpoints.set(key, {
      subscription: reset.subscription,
      share: reset.share,
      position: reset.position,
      updatedAt: this.#clock.now(),
    });
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

function getOrCreate<Key, Value>(map: Map<Key, Value>, key: Key, create: () => Value): Value {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

function withoutReleased(lease: StoredLease): Lease {
  return {
    subscription: lease.subscription,
    share: lease.share,
    member: lease.member,
    epoch: lease.epoch,
    expiresAt: new Date(lease.expiresAt),
  };
}
