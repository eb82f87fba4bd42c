import {
  type Checkpoint,
  type CheckpointKey,
  type CheckpointQuery,
  type CheckpointReset,
  type CheckpointWrite,
  ClosedError,
  type GroupHeartbeat,
  type GroupMember,
  type JsonObject,
  type JsonValue,
  type Lease,
  type LeaseRequest,
  type LeaseToken,
  type ParkedEvent,
  type ParkedQuery,
  type ParkWrite,
  type StopListening,
  type SubscriptionCapabilities,
  type SubscriptionSupport,
  type WakeUpHint,
} from "@chronicle/core";
import type { Redis } from "ioredis";
import { classifyRedisError } from "./redis-error-classifier.js";
import type { RedisClientLike } from "./redis-options.js";
import { RedisScript } from "./redis-script.js";
import {
  ACQUIRE_LEASE_SCRIPT,
  HEARTBEAT_SCRIPT,
  LEAVE_GROUP_SCRIPT,
  LIST_PARKED_SCRIPT,
  PARK_SCRIPT,
  RELEASE_LEASE_SCRIPT,
  REMOVE_PARKED_SCRIPT,
  RENEW_LEASE_SCRIPT,
  RESET_CHECKPOINT_SCRIPT,
  WRITE_CHECKPOINT_SCRIPT,
} from "./redis-subscription-scripts.js";

/** What the Redis subscription support offers: durable state, pub/sub wake-ups and consumer groups; no transactional handlers. */
export const REDIS_SUBSCRIPTION_CAPABILITIES: SubscriptionCapabilities = {
  durable: true,
  transactional: false,
  notifications: true,
  consumerGroups: true,
};

const writeCheckpointScript = new RedisScript(WRITE_CHECKPOINT_SCRIPT);
const resetCheckpointScript = new RedisScript(RESET_CHECKPOINT_SCRIPT);
const parkScript = new RedisScript(PARK_SCRIPT);
const listParkedScript = new RedisScript(LIST_PARKED_SCRIPT);
const removeParkedScript = new RedisScript(REMOVE_PARKED_SCRIPT);
const heartbeatScript = new RedisScript(HEARTBEAT_SCRIPT);
const leaveGroupScript = new RedisScript(LEAVE_GROUP_SCRIPT);
const acquireLeaseScript = new RedisScript(ACQUIRE_LEASE_SCRIPT);
const renewLeaseScript = new RedisScript(RENEW_LEASE_SCRIPT);
const releaseLeaseScript = new RedisScript(RELEASE_LEASE_SCRIPT);

/** The wake-up channel of the store whose keys start with `base` (its hash tag). */
export function wakeChannel(base: string): string {
  return `${base}wake`;
}

/** A client that can open a second connection for pub/sub: an ioredis `Redis` or `Cluster`. */
interface Duplicable {
  duplicate(): Redis;
}

/**
 * Keeps subscriptions' checkpoints, parked events, heartbeats and leases in
 * Redis, under the adapter's hash-tagged key prefix (one Cluster slot). Every
 * method is one command or one Lua script, so each is atomic; expiries are
 * reckoned by the server's clock. Wake-ups use pub/sub on a second connection
 * that the append script publishes to after each save.
 */
export class RedisSubscriptionSupport implements SubscriptionSupport<never> {
  readonly #client: RedisClientLike;
  readonly #base: string;
  readonly #channel: string;
  readonly #isClosed: () => boolean;
  readonly #listeners = new Set<(hint: WakeUpHint) => void>();
  #subscriber: Redis | undefined;
  #subscribing: Promise<Redis> | undefined;

  /** @internal Made by `RedisEventStorageAdapter`. */
  constructor(client: RedisClientLike, base: string, isClosed: () => boolean) {
    this.#client = client;
    this.#base = base;
    this.#channel = wakeChannel(base);
    this.#isClosed = isClosed;
  }

  async readCheckpoint(key: CheckpointKey): Promise<Checkpoint | undefined> {
    const stored = await this.#command("reading a checkpoint", "HGET", this.#key("checkpoints", key.subscription), key.share);
    if (typeof stored !== "string") return undefined;
    const [position = "0", updatedAt = "0"] = stored.split("|");
    return { subscription: key.subscription, share: key.share, position: BigInt(position), updatedAt: new Date(Number(updatedAt)) };
  }

  async writeCheckpoint(write: CheckpointWrite): Promise<boolean> {
    const reply = await this.#script(
      "writing a checkpoint",
      writeCheckpointScript,
      [this.#key("checkpoints", write.subscription), this.#key("leases", write.subscription), this.#checkpointNames()],
      [write.share, write.position.toString(), write.expected?.toString() ?? "", write.epoch?.toString() ?? "", write.subscription],
    );
    return reply === 1;
  }

  async listCheckpoints(query: CheckpointQuery = {}): Promise<Checkpoint[]> {
    // Sorted set members with equal scores come back in byte order: code point order for UTF-8.
    const names =
      query.subscription === undefined
        ? ((await this.#command("listing checkpoints", "ZRANGE", this.#checkpointNames(), 0, -1)) as string[])
        : [query.subscription];
    // One HGETALL per name, each on one key, so a cluster answers each from the slot that holds it.
    const hashes = await Promise.all(
      names.map((name) => this.#command("listing checkpoints", "HGETALL", this.#key("checkpoints", name)) as Promise<string[]>),
    );
    return names.flatMap((subscription, index) => {
      const fields = hashes[index] ?? [];
      const checkpoints: Checkpoint[] = [];
      for (let field = 0; field + 1 < fields.length; field += 2) {
        const [position = "0", updatedAt = "0"] = (fields[field + 1] as string).split("|");
        checkpoints.push({
          subscription,
          share: Number(fields[field]),
          position: BigInt(position),
          updatedAt: new Date(Number(updatedAt)),
        });
      }
      return checkpoints.sort((a, b) => a.share - b.share);
    });
  }

  async resetCheckpoint(reset: CheckpointReset): Promise<void> {
    await this.#script(
      "resetting a checkpoint",
      resetCheckpointScript,
      [this.#key("checkpoints", reset.subscription), this.#checkpointNames()],
      [reset.share, reset.position?.toString() ?? "", reset.subscription],
    );
  }

  async park(write: ParkWrite): Promise<void> {
    const { event, error, attempts, parkedAt } = write;
    const entry = JSON.stringify({
      event: {
        ...event,
        sequenceNumber: event.sequenceNumber.toString(),
        occurredAt: event.occurredAt.toISOString(),
        observedAt: event.observedAt.toISOString(),
      },
      error: { name: error.name, message: error.message },
      attempts,
      parkedAt: parkedAt.toISOString(),
    });
    await this.#script("parking an event", parkScript, this.#parkedKeys(write.subscription), [
      event.id,
      event.sequenceNumber.toString(),
      entry,
    ]);
  }

  async listParked(query: ParkedQuery): Promise<ParkedEvent[]> {
    const entries = (await this.#script("listing parked events", listParkedScript, this.#parkedKeys(query.subscription), [
      query.after === undefined ? "-inf" : `(${query.after}`,
      query.limit === undefined ? "" : query.limit,
    ])) as (string | null)[];
    return entries.filter((entry): entry is string => typeof entry === "string").map(decodeParked);
  }

  async removeParked(subscription: string, eventIds: readonly string[]): Promise<number> {
    if (eventIds.length === 0) {
      this.#assertOpen();
      return 0;
    }
    return Number(await this.#script("removing parked events", removeParkedScript, this.#parkedKeys(subscription), [...eventIds]));
  }

  async listen(listener: (hint: WakeUpHint) => void): Promise<StopListening> {
    this.#assertOpen();
    // Each registration is its own entry, so one listener added twice is removed once per stop.
    const entry = (hint: WakeUpHint) => listener(hint);
    this.#listeners.add(entry);
    try {
      await this.#subscribe();
    } catch (error) {
      this.#listeners.delete(entry);
      if (this.#listeners.size === 0) await this.#unsubscribe();
      throw classifyRedisError(error, "subscribing to wake-ups");
    }
    return async () => {
      if (!this.#listeners.delete(entry)) return;
      if (this.#listeners.size === 0) await this.#unsubscribe();
    };
  }

  async heartbeat(heartbeat: GroupHeartbeat): Promise<string[]> {
    const members = (await this.#script(
      "recording a heartbeat",
      heartbeatScript,
      [this.#key("members", heartbeat.subscription)],
      [heartbeat.member, heartbeat.ttlMs],
    )) as string[];
    return members.sort(compareCodePoints);
  }

  async leaveGroup(member: GroupMember): Promise<void> {
    await this.#script(
      "leaving a group",
      leaveGroupScript,
      [this.#key("members", member.subscription), this.#key("leases", member.subscription)],
      [member.member],
    );
  }

  async acquireLease(request: LeaseRequest): Promise<Lease | undefined> {
    const reply = (await this.#script(
      "acquiring a lease",
      acquireLeaseScript,
      [this.#key("leases", request.subscription)],
      [request.share, request.member, request.leaseMs],
    )) as [string, string] | null;
    if (reply === null) return undefined;
    return {
      subscription: request.subscription,
      share: request.share,
      member: request.member,
      epoch: Number(reply[0]),
      expiresAt: new Date(Number(reply[1])),
    };
  }

  async renewLease(token: LeaseToken & { readonly leaseMs: number }): Promise<Lease | undefined> {
    const reply = await this.#script(
      "renewing a lease",
      renewLeaseScript,
      [this.#key("leases", token.subscription)],
      [token.share, token.member, token.epoch, token.leaseMs],
    );
    if (reply === null) return undefined;
    return {
      subscription: token.subscription,
      share: token.share,
      member: token.member,
      epoch: token.epoch,
      expiresAt: new Date(Number(reply)),
    };
  }

  async releaseLease(token: LeaseToken): Promise<boolean> {
    const reply = await this.#script(
      "releasing a lease",
      releaseLeaseScript,
      [this.#key("leases", token.subscription)],
      [token.share, token.member, token.epoch],
    );
    return reply === 1;
  }

  async listLeases(subscription: string): Promise<Lease[]> {
    const fields = (await this.#command("listing leases", "HGETALL", this.#key("leases", subscription))) as string[];
    const leases: Lease[] = [];
    for (let index = 0; index + 1 < fields.length; index += 2) {
      const match = /^(\d+)\|(\d+)\|([01])\|(.*)$/s.exec(fields[index + 1] as string);
      if (match === null || match[3] === "1") continue;
      leases.push({
        subscription,
        share: Number(fields[index]),
        member: match[4] as string,
        epoch: Number(match[1]),
        expiresAt: new Date(Number(match[2])),
      });
    }
    return leases.sort((a, b) => a.share - b.share);
  }

  /** @internal Called by the adapter's `close()`: drops the pub/sub connection. */
  async close(): Promise<void> {
    this.#listeners.clear();
    await this.#unsubscribe();
  }

  /** Opens the pub/sub connection and subscribes, once for all listeners; ioredis resubscribes on its own after a reconnect. */
  #subscribe(): Promise<Redis> {
    this.#subscribing ??= (async () => {
      const client = this.#client as Partial<Duplicable>;
      if (typeof client.duplicate !== "function") {
        throw new TypeError("listen needs an ioredis Redis or Cluster client, which can open a second connection for pub/sub");
      }
      const subscriber = client.duplicate();
      this.#subscriber = subscriber;
      // Connection errors show up as reconnects; without a listener ioredis would log each one.
      subscriber.on("error", () => {});
      subscriber.on("message", (channel: string, message: string) => {
        if (channel === this.#channel) this.#deliver(hintOf(message));
      });
      let subscribed = false;
      // After a reconnect (ioredis resubscribes before "ready"), events committed meanwhile had no hint: send a spurious one.
      subscriber.on("ready", () => {
        if (subscribed) this.#deliver({});
      });
      await subscriber.subscribe(this.#channel);
      subscribed = true;
      return subscriber;
    })();
    return this.#subscribing;
  }

  async #unsubscribe(): Promise<void> {
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    this.#subscribing = undefined;
    if (subscriber === undefined) return;
    subscriber.removeAllListeners("message");
    subscriber.removeAllListeners("ready");
    try {
      await subscriber.quit();
    } catch {
      subscriber.disconnect();
    }
  }

  #deliver(hint: WakeUpHint): void {
    for (const listener of this.#listeners) {
      try {
        listener(hint);
      } catch {
        // A listener's failure is its own; hints carry no guarantee.
      }
    }
  }

  #key(kind: string, subscription: string): string {
    // JSON keeps one subscription's keys apart from another whose name starts the same way.
    return `${this.#base}subscription:${kind}:${JSON.stringify(subscription)}`;
  }

  /** The sorted set of the names of subscriptions with checkpoints. */
  #checkpointNames(): string {
    return `${this.#base}subscription:checkpoint-names`;
  }

  #parkedKeys(subscription: string): string[] {
    return [this.#key("parked", subscription), this.#key("parked-order", subscription)];
  }

  async #command(doing: string, command: string, ...args: (string | number)[]): Promise<unknown> {
    this.#assertOpen();
    try {
      return await this.#client.call(command, ...args);
    } catch (error) {
      throw classifyRedisError(error, doing);
    }
  }

  async #script(doing: string, script: RedisScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    this.#assertOpen();
    try {
      return await script.run(this.#client, keys, args);
    } catch (error) {
      throw classifyRedisError(error, doing);
    }
  }

  #assertOpen(): void {
    if (this.#isClosed()) throw new ClosedError("The Redis event storage adapter");
  }
}

function hintOf(message: string): WakeUpHint {
  return /^\d+$/.test(message) ? { sequenceNumber: BigInt(message) } : {};
}

function decodeParked(text: string): ParkedEvent {
  const entry = JSON.parse(text) as {
    event: {
      id: string;
      name: string;
      category: string;
      stream: string;
      position: number;
      sequenceNumber: string;
      payload: JsonValue;
      metadata: JsonObject;
      occurredAt: string;
      observedAt: string;
    };
    error: { name: string; message: string };
    attempts: number;
    parkedAt: string;
  };
  return {
    event: {
      ...entry.event,
      sequenceNumber: BigInt(entry.event.sequenceNumber),
      occurredAt: new Date(entry.event.occurredAt),
      observedAt: new Date(entry.event.observedAt),
    },
    error: entry.error,
    attempts: entry.attempts,
    parkedAt: new Date(entry.parkedAt),
  };
}

/** Orders strings by code point (JavaScript's default sort compares UTF-16 code units). */
function compareCodePoints(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  for (let index = 0; index < Math.min(left.length, right.length); index++) {
    const difference = (left[index] as string).codePointAt(0)! - (right[index] as string).codePointAt(0)!;
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}
