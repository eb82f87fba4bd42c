import { isChronicleError } from "../errors.js";
import { compareCodePoints } from "../queries/compare-strings.js";
import { assignShares } from "./share-assignment.js";
import type { Lease, SubscriptionSupport } from "./subscription-support.js";

/** Where a subscription stands in one share: its position, stored checkpoint and, in a group, its lease. */
export interface ShareState {
  readonly share: number;
  /** The last event of this share handled or parked, or scanned past (no event of the share up to it is left). */
  position: bigint | undefined;
  /** The checkpoint stored for this share, as far as this instance knows. */
  stored: bigint | undefined;
  /** The lease's epoch, written with every checkpoint to fence it; `undefined` without a group. */
  readonly epoch: number | undefined;
  /** `performance.now()` after which this instance must not start a handler for the share (`Infinity` without a group). */
  deadline: number;
}

/** The group side of a subscription, as `GroupMembership` needs it. */
export interface GroupMembershipOptions {
  readonly support: SubscriptionSupport;
  readonly name: string;
  readonly member: string;
  readonly leaseMs: number;
  readonly shares: number;
  /** Where a share just taken starts: its stored checkpoint, or the subscription's `from`. */
  readonly startOf: (share: number, epoch: number) => Promise<{ position: bigint | undefined; stored: bigint | undefined }>;
  /** Called when shares were taken or lost, or some should be handed over, so the engine looks again. */
  readonly changed: () => void;
  /** Called when the storage answered with an error that retrying cannot fix. */
  readonly failed: (error: unknown) => void;
}

/**
 * A consumer group member's leases. Every `leaseMs / 3` it records a heartbeat,
 * renews the leases it holds, works out from the live members which shares it
 * should hold (`assignShares`), takes those that are free and marks those that
 * belong to another member for handing over. The engine hands a share over
 * between two events, after writing its checkpoint.
 *
 * A lease is trusted only until `deadline`: the time the last successful
 * renewal was sent plus `leaseMs`, less a fifth of `leaseMs` as a margin. The
 * storage counts the lease from when it received the renewal, which is later,
 * so a member that cannot renew (storage unreachable, process paused) stops
 * starting handlers for the share before another member can take it over.
 */
export class GroupMembership {
  /** The shares this member holds. */
  readonly held = new Map<number, ShareState>();
  /** Shares held here that another member should have: handed over by the engine between events. */
  readonly handOver = new Set<number>();
  /** The live members at the last heartbeat, sorted. */
  members: readonly string[] = [];
  readonly #options: GroupMembershipOptions;
  readonly #margin: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #tick: Promise<void> | undefined;
  #stopped = false;

  constructor(options: GroupMembershipOptions) {
    this.#options = options;
    this.#margin = options.leaseMs / 5;
  }

  /** How often it heartbeats and renews. */
  get intervalMs(): number {
    return Math.max(1, this.#options.leaseMs / 3);
  }

  /** Joins the group: the first heartbeat and lease round, then one every `intervalMs`. */
  async start(): Promise<void> {
    await this.#round();
    this.#schedule();
  }

  /** Whether a handler for the share may start now. */
  mayHandle(state: ShareState): boolean {
    if (performance.now() < state.deadline) return true;
    // Too late to be sure no other member holds it: let it go; the next round takes it again if it is still free.
    this.lose(state.share);
    return false;
  }

  /** Forgets a share whose lease was lost (a fenced checkpoint write, a failed renewal, an expired deadline). */
  lose(share: number): void {
    if (this.held.delete(share)) {
      this.handOver.delete(share);
      this.#options.changed();
    }
  }

  /** Gives a share up: its checkpoint was written by the caller; releases the lease so another member takes it at once. */
  async release(state: ShareState): Promise<void> {
    this.held.delete(state.share);
    this.handOver.delete(state.share);
    const { support, name, member } = this.#options;
    if (state.epoch === undefined) return;
    await support.releaseLease?.({ subscription: name, share: state.share, member, epoch: state.epoch });
  }

  /** Stops the rounds, waiting for one in progress: no share is taken or renewed any more. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#tick;
  }

  /** Leaves the group after `stop`: heartbeat removed, every lease released. */
  async leave(): Promise<void> {
    await this.stop();
    this.held.clear();
    this.handOver.clear();
    const { support, name, member } = this.#options;
    await support.leaveGroup?.({ subscription: name, member });
  }

  /** The group's leases, for a group status. */
  async leases(): Promise<Lease[]> {
    const { support, name } = this.#options;
    return (await support.listLeases?.(name)) ?? [];
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#tick = this.#round()
        .catch((error: unknown) => {
          if (!isChronicleError(error, "UNAVAILABLE")) this.#options.failed(error);
        })
        .finally(() => this.#schedule());
    }, this.intervalMs);
  }

  /** One heartbeat, renewal and rebalancing round. */
  async #round(): Promise<void> {
    const { support, name, member, leaseMs, shares, changed } = this.#options;
    const heartbeat = support.heartbeat?.bind(support);
    const renew = support.renewLease?.bind(support);
    const acquire = support.acquireLease?.bind(support);
    if (heartbeat === undefined || renew === undefined || acquire === undefined) return;
    this.members = await heartbeat({ subscription: name, member, ttlMs: leaseMs });
    if (this.#stopped) return;
    for (const state of [...this.held.values()]) {
      const sentAt = performance.now();
      const lease = await renew({ subscription: name, share: state.share, member, epoch: state.epoch ?? 0, leaseMs });
      if (this.held.get(state.share) !== state) continue;
      if (lease === undefined) this.lose(state.share);
      else state.deadline = sentAt + leaseMs - this.#margin;
    }
    const owners = assignShares(this.members.includes(member) ? this.members : [...this.members, member].sort(compareCodePoints), shares);
    for (const share of this.held.keys()) {
      if (owners[share] !== member && !this.handOver.has(share)) {
        this.handOver.add(share);
        changed();
      }
    }
    for (let share = 0; share < shares; share++) {
      if (this.#stopped) return;
      if (owners[share] !== member || this.held.has(share)) continue;
      const sentAt = performance.now();
      const lease = await acquire({ subscription: name, share, member, leaseMs });
      if (lease === undefined) continue;
      const start = await this.#options.startOf(share, lease.epoch);
      if (this.#stopped) {
        await support.releaseLease?.({ subscription: name, share, member, epoch: lease.epoch });
        return;
      }
      this.held.set(share, { share, ...start, epoch: lease.epoch, deadline: sentAt + leaseMs - this.#margin });
      changed();
    }
  }
}
