import type { EventStorageAdapter } from "../adapter.js";
import { ClosedError, InvalidInputError, isChronicleError } from "../errors.js";
import type { StoredEvent } from "../events.js";
import { GroupMembership, type ShareState } from "./group-membership.js";
import type { PreparedSubscription } from "./prepare-subscription.js";
import type { GroupStatus, SubscriptionStatus } from "./subscribe-options.js";
import { type ParkedError, type ParkedEvent, type StopListening, shareOf } from "./subscription-support.js";
import { backoffDelay, type ProcessWakeUps, pause } from "./wake-ups.js";

/** Thrown inside the engine to unwind when the subscription is closing. */
class Stopping extends Error {}

/** The subscriptions running in this process, per storage: by name, the members of each group (none for a plain one). */
const running = new WeakMap<object, Map<string, { readonly grouped: boolean; readonly members: Set<string> }>>();

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
 *
 * Without a group it follows one share, `0`, of the subscription name. As a
 * member of a consumer group it follows the shares it holds a lease on (see
 * `GroupMembership`): one scan of the source serves them all, each event goes
 * to the share of its stream, and each share keeps its own checkpoint, written
 * with the lease's epoch so a member that lost the share cannot move it.
 */
export class Subscription implements AsyncDisposable {
  /** The subscription's name, under which its checkpoint is kept. */
  readonly name: string;
  readonly #adapter: EventStorageAdapter;
  readonly #options: PreparedSubscription;
  readonly #closing = new AbortController();
  readonly #done: Promise<void>;
  /** The shares followed: share `0` alone without a group, the leased ones in a group. */
  readonly #shares: Map<number, ShareState>;
  /** The only share, without a group. */
  readonly #single: ShareState | undefined;
  readonly #group: GroupMembership | undefined;
  #groupError: { error: unknown } | undefined;
  #sharesChanged = false;
  #lastFlush = 0;
  #state: SubscriptionStatus["state"] = "catching-up";
  #error: unknown;
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
    const release = register(options);
    const { group } = options;
    if (group === undefined) {
      this.#single = { share: 0, position: undefined, stored: undefined, epoch: undefined, deadline: Number.POSITIVE_INFINITY };
      this.#shares = new Map([[0, this.#single]]);
    } else {
      this.#group = new GroupMembership({
        support: options.support,
        name: options.name,
        ...group,
        // Known to the storage by name and instance: two processes started under one member name are two members
        // there (each handling its own shares), not one member handling every event twice.
        member: `${group.member}${INSTANCE_SEPARATOR}${globalThis.crypto.randomUUID().slice(0, 8)}`,
        startOf: (share, epoch) => this.#startOf(share, epoch),
        changed: () => {
          this.#sharesChanged = true;
          this.#wakeUp();
        },
        failed: (error) => {
          this.#groupError = { error };
          this.#wakeUp();
        },
      });
      this.#shares = this.#group.held;
    }
    const { signal } = options;
    if (signal !== undefined) {
      if (signal.aborted) this.#closing.abort();
      else signal.addEventListener("abort", () => void this.close(), { once: true, signal: this.#closing.signal });
    }
    this.#done = this.#run(wakeUps).finally(release);
  }

  /** Where the subscription is: its state, position, counts and lag, and in a group the shares it holds. */
  status(): SubscriptionStatus {
    const status: SubscriptionStatus = {
      state: this.#state,
      position: this.#single?.position ?? lowestPosition(this.#shares),
      handled: this.#handled,
      parked: this.#parked,
      lag: this.#state === "live" ? 0n : this.#lag,
    };
    if (this.#group !== undefined && this.#options.group !== undefined) {
      status.group = { member: this.#options.group.member, shares: [...this.#shares.keys()].sort((a, b) => a - b) };
    }
    if (this.#state === "failed") status.error = this.#error;
    return status;
  }

  /**
   * A consumer group's state as the storage holds it, readable from any member:
   * the live members, and for every share its lease holder, epoch, checkpoint
   * and lag. Rejects with `INVALID_INPUT` for a subscription without a group.
   */
  async groupStatus(): Promise<GroupStatus> {
    const group = this.#group;
    const options = this.#options.group;
    if (group === undefined || options === undefined) {
      throw new InvalidInputError(`${this.#what()} is not a consumer group member; only members have a group status`);
    }
    const { support, name, target } = this.#options;
    const shareNumbers = Array.from({ length: options.shares }, (_, share) => share);
    const [leaseList, latest, checkpointList] = await Promise.all([
      group.leases(),
      this.#adapter.latest(target),
      support.listCheckpoints({ subscription: name }),
    ]);
    const leases = new Map(leaseList.map((lease) => [lease.share, lease]));
    const checkpoints = new Map(checkpointList.map((checkpoint) => [checkpoint.share, checkpoint.position]));
    const now = Date.now();
    const newest = latest?.sequenceNumber;
    return {
      members: group.members.map(memberName),
      shares: shareNumbers.map((share) => {
        const lease = leases.get(share);
        const live = lease !== undefined && lease.expiresAt.getTime() > now;
        const position = this.#shares.get(share)?.position ?? checkpoints.get(share);
        let lag = 0n;
        if (newest !== undefined) lag = position === undefined ? newest : newest > position ? newest - position : 0n;
        return {
          share,
          member: live ? memberName(lease.member) : undefined,
          epoch: lease?.epoch,
          expiresAt: lease?.expiresAt,
          position,
          lag,
        };
      }),
    };
  }

  /**
   * Resolves once every event of the source committed before this call has been
   * handled or parked (in a group: every such event of the shares this member
   * holds). Rejects with `CLOSED` if the subscription closes first, or with its
   * error if it fails.
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
   * retries. Handled ones are removed; failing ones stay parked. A group member
   * retries only the parked events of the shares it holds.
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
   * aborted) and writes the checkpoint; a group member then leaves its group,
   * releasing its shares so the other members take them over at once.
   * Idempotent: every call resolves once it has stopped.
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
    const member = this.#options.group?.member;
    return `The subscription ${JSON.stringify(this.name)}${member === undefined ? "" : ` (member ${JSON.stringify(member)})`}`;
  }

  #wakeUp(): void {
    this.#wakePending = true;
    this.#wake?.();
  }

  /** Whether the engine should stop scanning and look again: shares changed hands, or the group failed. */
  #mustLookAgain(): boolean {
    return this.#sharesChanged || this.#groupError !== undefined || (this.#group !== undefined && this.#group.handOver.size > 0);
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
        if (this.#groupError !== undefined) throw this.#groupError.error;
        await this.#handOver();
        await this.#serveRetries();
        const pass = ++this.#passesStarted;
        this.#wakePending = false;
        this.#sharesChanged = false;
        if (!(await this.#pass())) continue;
        if (this.#group === undefined || performance.now() - this.#lastFlush >= this.#group.intervalMs) await this.#flush();
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
      // From here on a storage outage ends the clean-up instead of waiting for the storage.
      this.#closing.abort();
      stopProcess?.();
      await stopStorage?.().catch(() => undefined);
      await this.#group?.stop().catch(() => undefined);
      // The last handled events' checkpoints, when batching left them unwritten; a failure here only repeats them.
      await this.#flush().catch(() => undefined);
      await this.#group?.leave().catch(() => undefined);
      if (this.#state !== "failed") this.#state = "closed";
      const reason = this.#state === "failed" ? this.#error : new ClosedError(this.#what());
      for (const waiter of this.#waiters.splice(0)) waiter.reject(reason);
      for (const request of this.#retries.splice(0)) request.reject(reason);
    }
  }

  /** Finds where to start: the checkpoint, or the beginning or end of the source; in a group, joins it. */
  async #start(): Promise<void> {
    const { support, name } = this.#options;
    if (this.#single !== undefined) {
      const start = await this.#storage(() => this.#startOf(0, undefined));
      this.#single.position = start.position;
      this.#single.stored = start.stored;
    } else {
      const group = this.#group as GroupMembership;
      await this.#storage(() => group.start());
    }
    this.#parked = (await this.#storage(() => support.listParked({ subscription: name }))).length;
  }

  /**
   * Where a share starts: its stored checkpoint; without one, the beginning of
   * the source, or its current end (stored at once, so a restart before any
   * event arrives still starts from there).
   */
  async #startOf(share: number, epoch: number | undefined): Promise<{ position: bigint | undefined; stored: bigint | undefined }> {
    const { support, name, from, target } = this.#options;
    const checkpoint = await support.readCheckpoint({ subscription: name, share });
    if (checkpoint !== undefined) return { position: checkpoint.position, stored: checkpoint.position };
    if (from === "beginning") return { position: undefined, stored: undefined };
    const position = (await this.#adapter.latest(target))?.sequenceNumber;
    if (position === undefined) return { position: undefined, stored: undefined };
    const write = { subscription: name, share, position, expected: undefined };
    if (await support.writeCheckpoint(epoch === undefined ? write : { ...write, epoch })) return { position, stored: position };
    const written = await support.readCheckpoint({ subscription: name, share });
    return { position: written?.position, stored: written?.position };
  }

  /**
   * Scans the source after the lowest position of the shares followed,
   * handling each event of those shares not handled yet. Resolves `true` when it
   * reached the end, `false` when it stopped early (closing, an outage, shares
   * changing hands, or a checkpoint another instance moved ahead).
   */
  async #pass(): Promise<boolean> {
    const { target, names } = this.#options;
    const shares = this.#shares;
    if (shares.size === 0) return true;
    const single = this.#single;
    const from = single === undefined ? lowestPosition(shares) : single.position;
    if (this.#state !== "live") {
      // The lag is reported only until the subscription is first live (then it is 0n): no round trip per pass after that.
      const latest = await this.#storage(() => this.#adapter.latest(target));
      if (latest !== undefined && (from === undefined || latest.sequenceNumber > from)) {
        this.#lag = latest.sequenceNumber - (from ?? 0n);
      }
    }
    const shareCount = this.#options.group?.shares ?? 1;
    let last: bigint | undefined;
    try {
      const scan = this.#adapter.scan(target, {
        ...(from === undefined ? {} : { after: from }),
        ...(names === undefined ? {} : { names }),
        signal: this.#closing.signal,
      });
      for await (const event of scan) {
        if (single === undefined && this.#mustLookAgain()) return false;
        const state = single ?? shares.get(shareOf(event.category, event.stream, shareCount));
        if (state !== undefined && (state.position === undefined || event.sequenceNumber > state.position)) {
          await this.#handle(event, state);
          if (this.#closing.signal.aborted) return false;
          if (this.#repositioned) {
            this.#repositioned = false;
            return false;
          }
        }
        last = event.sequenceNumber;
        if (this.#retries.length > 0) await this.#serveRetries();
      }
      this.#scanOutages = 0;
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
    if (single !== undefined || last === undefined) return true;
    // A share taken during the last step starts from its own checkpoint: look again rather than move it past events.
    if (this.#mustLookAgain()) return false;
    // The scan saw every event up to `last`: no share followed has one left there.
    for (const state of shares.values()) {
      if (state.position === undefined || state.position < last) state.position = last;
    }
    return true;
  }

  /** Hands one event to the handler with retries, parks it if they run out, and moves the share's position past it. */
  async #handle(event: StoredEvent, state: ShareState): Promise<void> {
    if (this.#group !== undefined && !this.#group.mayHandle(state)) return;
    const outcome = await this.#attempt(event, 1, state);
    if (outcome === "conflict") return;
    if (outcome === "handled") this.#handled++;
    else {
      await this.#storage(() => this.#options.support.park({ subscription: this.name, ...outcome }));
      this.#parked++;
    }
    if (outcome !== "handled" || !this.#options.transactional) {
      state.position = event.sequenceNumber;
      const { checkpointEvery } = this.#options;
      if (checkpointEvery === 1) await this.#writeCheckpoint(state);
      else if (++this.#sinceCheckpoint >= checkpointEvery) await this.#flush();
    }
  }

  /**
   * Calls the handler until it succeeds or the attempts run out. Resolves
   * `"handled"`, the parked entry to store, or `"conflict"` when a transactional
   * checkpoint write found another instance ahead or the share's lease gone
   * (nothing was committed).
   */
  async #attempt(event: StoredEvent, firstAttempt: number, state: ShareState): Promise<"handled" | "conflict" | ParkedEvent> {
    const { handler, attempts, minDelayMs, maxDelayMs, transactional, support } = this.#options;
    const signal = this.#closing.signal;
    const last = firstAttempt + attempts - 1;
    const member = this.#options.group?.member;
    const group = member === undefined ? undefined : { member, share: state.share, epoch: state.epoch as number };
    for (let attempt = firstAttempt; ; attempt++) {
      try {
        // A parked event's retry commits with the checkpoint rewritten unchanged, so its effects stay fenced too.
        const fresh = firstAttempt === 1;
        const position = fresh ? event.sequenceNumber : state.stored;
        if (transactional && position !== undefined) {
          const run = support.runInTransaction?.bind(support);
          if (run === undefined) throw new InvalidInputError("The adapter stopped offering runInTransaction");
          const write = { subscription: this.name, share: state.share, position, expected: state.stored };
          const result = await this.#storage(() =>
            run(state.epoch === undefined ? write : { ...write, epoch: state.epoch }, async (transaction) => {
              await handler(event as never, { signal, attempt, transaction, group });
            }),
          );
          if (!result.committed) {
            if (this.#group !== undefined) this.#group.lose(state.share);
            else await this.#catchUpWithStored(state);
            return "conflict";
          }
          if (fresh) state.position = state.stored = position;
          return "handled";
        }
        await handler(event as never, { signal, attempt, transaction: undefined, group });
        return "handled";
      } catch (error) {
        if (error instanceof Stopping || signal.aborted) throw new Stopping();
        if (isChronicleError(error, "CLOSED")) throw error;
        if (attempt >= last) {
          return { event, error: describeError(error), attempts: attempt, parkedAt: new Date() };
        }
        await pause(backoffDelay(attempt - firstAttempt + 1, minDelayMs, maxDelayMs), signal);
        if (signal.aborted) throw new Stopping();
        if (this.#group !== undefined && !this.#group.mayHandle(state)) return "conflict";
      }
    }
  }

  /** Writes every followed share's position as its checkpoint, where it moved. */
  async #flush(): Promise<void> {
    this.#sinceCheckpoint = 0;
    this.#lastFlush = performance.now();
    for (const state of [...this.#shares.values()]) await this.#writeCheckpoint(state);
  }

  /**
   * Writes a share's position as its checkpoint, compare-and-set (and fenced by
   * the lease's epoch in a group), unless it is stored already. In a group, a
   * write that changes nothing means the share changed hands: it is let go.
   */
  async #writeCheckpoint(state: ShareState): Promise<void> {
    const { support, name } = this.#options;
    for (;;) {
      const position = state.position;
      if (position === undefined || position === state.stored) return;
      const expected = state.stored;
      const write = { subscription: name, share: state.share, position, expected };
      const written = await this.#storage(() =>
        support.writeCheckpoint(state.epoch === undefined ? write : { ...write, epoch: state.epoch }),
      );
      if (written) {
        state.stored = position;
        return;
      }
      if (this.#group !== undefined) {
        this.#group.lose(state.share);
        return;
      }
      await this.#catchUpWithStored(state);
    }
  }

  /**
   * After a compare-and-set found another checkpoint (another instance of this
   * name wrote one): continue after the stored position when it is ahead, and
   * otherwise write over it from there.
   */
  async #catchUpWithStored(state: ShareState): Promise<void> {
    const { support, name } = this.#options;
    const stored = await this.#storage(() => support.readCheckpoint({ subscription: name, share: state.share }));
    state.stored = stored?.position;
    if (stored !== undefined && (state.position === undefined || stored.position >= state.position)) {
      state.position = stored.position;
      this.#repositioned = true;
    }
  }

  /** Hands over the shares another member should hold: writes each one's checkpoint, then releases its lease. */
  async #handOver(): Promise<void> {
    const group = this.#group;
    if (group === undefined) return;
    for (const share of [...group.handOver]) {
      const state = group.held.get(share);
      if (state === undefined) {
        group.handOver.delete(share);
        continue;
      }
      await this.#writeCheckpoint(state);
      if (group.held.get(share) === state) await this.#storage(() => group.release(state));
    }
  }

  /** Runs the queued `retryParked` requests, one parked event at a time. */
  async #serveRetries(): Promise<void> {
    const { support } = this.#options;
    const shareCount = this.#options.group?.shares ?? 1;
    while (this.#retries.length > 0) {
      const request = this.#retries[0] as RetryRequest;
      let handled = 0;
      let parked = 0;
      try {
        const entries = await this.#storage(() => support.listParked({ subscription: this.name }));
        for (const entry of entries) {
          if (request.ids !== undefined && !request.ids.has(entry.event.id)) continue;
          const state = this.#single ?? this.#shares.get(shareOf(entry.event.category, entry.event.stream, shareCount));
          if (state === undefined) continue;
          const outcome = await this.#attempt(entry.event, entry.attempts + 1, state);
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

/**
 * Claims the subscription's name (and member) in this process: one plain
 * subscription per name, or any number of group members with distinct member
 * names. Returns the function that gives the claim up.
 */
function register(options: PreparedSubscription): () => void {
  let names = running.get(options.support);
  if (names === undefined) {
    names = new Map();
    running.set(options.support, names);
  }
  const member = options.group?.member;
  const entry = names.get(options.name);
  const quoted = JSON.stringify(options.name);
  if (entry !== undefined && (member === undefined || !entry.grouped)) {
    throw new InvalidInputError(
      entry.grouped || member !== undefined
        ? `A subscription named ${quoted} runs in this process as ${entry.grouped ? "a consumer group" : "a plain subscription"}; a name is either one or the other`
        : `A subscription named ${quoted} is already running in this process; close it first, or give each a group`,
    );
  }
  if (member !== undefined && entry?.members.has(member)) {
    throw new InvalidInputError(`Member ${JSON.stringify(member)} of the consumer group ${quoted} is already running in this process`);
  }
  const claimed = entry ?? { grouped: member !== undefined, members: new Set<string>() };
  if (member !== undefined) claimed.members.add(member);
  names.set(options.name, claimed);
  return () => {
    if (member !== undefined) claimed.members.delete(member);
    if (member === undefined || claimed.members.size === 0) names.delete(options.name);
  };
}

/** Between a member's name and its instance, in the name the storage knows a member by. */
const INSTANCE_SEPARATOR = "#";

/** A member's name as the user gave it, from the name the storage knows it by. */
function memberName(stored: string): string {
  const end = stored.lastIndexOf(INSTANCE_SEPARATOR);
  return end === -1 ? stored : stored.slice(0, end);
}

/** The lowest position among the shares, `undefined` when one has none (it starts from the beginning) or there are none. */
function lowestPosition(shares: ReadonlyMap<number, ShareState>): bigint | undefined {
  let lowest: bigint | undefined;
  for (const state of shares.values()) {
    if (state.position === undefined) return undefined;
    if (lowest === undefined || state.position < lowest) lowest = state.position;
  }
  return lowest;
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
