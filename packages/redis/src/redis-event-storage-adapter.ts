import {
  type AdapterCapabilities,
  type Clock,
  ClosedError,
  DuplicateEventIdError,
  type EventStorageAdapter,
  type EventTarget,
  InvalidInputError,
  jsonEquals,
  normaliseScanOptions,
  type PreparedEvent,
  type PreparedWrite,
  prepareWrites,
  type SaveOptions,
  type ScanOptions,
  type ScanPageQuery,
  type SerialisationGuarantee,
  type StoredEvent,
  type StreamWrite,
  scanInPages,
  UnmetWriteConditionError,
  validateTarget,
  type WriteCondition,
} from "@chronicle/core";
import type { Redis } from "ioredis";
import { openRedisClient, quitRedisClient } from "./redis-connection.js";
import { classifyRedisError } from "./redis-error-classifier.js";
import { appendedEvent, decodeRecord, decodeRecords, encodeDates, encodeTail } from "./redis-event-record.js";
import { hashTag, RedisKeys, validateKeyPrefix } from "./redis-keys.js";
import type { RedisClientLike, RedisConnection, RedisEventStorageAdapterOptions } from "./redis-options.js";
import { parseInfo, type RedisPersistence, toPersistence } from "./redis-persistence.js";
import { RedisScript } from "./redis-script.js";
import {
  APPEND_SCRIPT,
  COUNT_UP_TO_SCRIPT,
  FILTERED_READ_SCRIPT,
  FORMAT_VERSION,
  LATEST_SCRIPT,
  MIGRATE_SCRIPT,
  PERSISTENCE_SCRIPT,
} from "./redis-scripts.js";
import { REDIS_SUBSCRIPTION_CAPABILITIES, RedisSubscriptionSupport } from "./redis-subscription-support.js";

const GUARANTEES: readonly SerialisationGuarantee[] = ["log", "category", "stream"];
const DEFAULT_PAGE_SIZE = 1000;
/** Candidates one filtered read looks at before handing control back, so a rare `names` filter never blocks Redis for long. */
const SCAN_BUDGET = 5000;
/** Reply bytes one filtered read collects before handing control back, so huge events arrive in several replies. */
const MAX_REPLY_BYTES = 8 * 2 ** 20;
/** Saves, and events, one append script call takes at most (a single larger save goes alone), so one call never holds Redis for long. */
const MAX_SAVES_PER_CALL = 64;
const MAX_EVENTS_PER_CALL = 1000;
/**
 * Append script calls one adapter has in flight at most. With one, concurrent
 * writers fall into lockstep: the client waits while Redis runs the call, then
 * Redis waits while the client settles every save and prepares the next. With
 * two, the queued saves are split between them, so the client prepares one
 * call while Redis runs the other. More measured slower: calls got smaller.
 */
const MAX_CALLS_IN_FLIGHT = 2;

const appendScript = new RedisScript(APPEND_SCRIPT);
const countUpToScript = new RedisScript(COUNT_UP_TO_SCRIPT);
const filteredReadScript = new RedisScript(FILTERED_READ_SCRIPT);
const latestScript = new RedisScript(LATEST_SCRIPT);
const migrateScript = new RedisScript(MIGRATE_SCRIPT);
const persistenceScript = new RedisScript(PERSISTENCE_SCRIPT);

/** Where a scan is: the last event it returned and that event's index in the list it walks. */
interface ScanState {
  last?: { sequenceNumber: bigint; index: number };
  /** The length of the list (or log) when a backwards scan started. */
  length?: number;
  /** Whether a forwards scan has seen the end of its range. */
  ended?: boolean;
}

/** A save waiting for the append script. */
interface QueuedSave {
  readonly prepared: readonly PreparedWrite[];
  readonly tails: readonly (readonly string[])[];
  resolve(reply: AppendReply): void;
  reject(error: unknown): void;
}

type AppendReply = ["ok", number, ...(number | string[])[]] | ["unmet", number, number] | ["duplicate", string, string, string];

/**
 * Keeps the log in Redis (or Redis Cluster) through ioredis. Every save is one
 * Lua script: idempotency, conditions, the sequence number and every index are
 * handled on the server, atomically. Redis runs one script at a time, so writes
 * are serialised across the whole log and commit order is sequence order.
 *
 * ```ts
 * const store = new EventStore(new RedisEventStorageAdapter({ url: "redis://127.0.0.1:6379" }));
 * ```
 */
export class RedisEventStorageAdapter implements EventStorageAdapter {
  readonly capabilities: AdapterCapabilities;
  /** The prefix of every key of this store (inside a hash tag). */
  readonly keyPrefix: string;
  /** Checkpoints, parked events, heartbeats and leases under this store's key prefix; wake-ups through pub/sub. */
  readonly subscriptions: RedisSubscriptionSupport;
  readonly #client: RedisClientLike;
  readonly #owned: Redis | undefined;
  readonly #keys: RedisKeys;
  readonly #clock: Clock | undefined;
  readonly #pageSize: number;
  readonly #autoMigrate: boolean;
  #migration: Promise<void> | undefined;
  readonly #queued: QueuedSave[] = [];
  #appendScheduled = false;
  #appendsInFlight = 0;
  /** Whether `SORT … GET` may read the records of a list range in one command; turned off by the first refusal. */
  #sortGets: boolean;
  #migrated = false;
  #closed = false;

  constructor(connection: RedisConnection, options: RedisEventStorageAdapterOptions = {}) {
    const serialisationGuarantee = options.serialisationGuarantee ?? "log";
    if (!GUARANTEES.includes(serialisationGuarantee)) {
      throw new TypeError(`serialisationGuarantee must be one of ${GUARANTEES.join(", ")}, got ${String(serialisationGuarantee)}`);
    }
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1)
      throw new TypeError(`pageSize must be a positive integer, got ${String(pageSize)}`);
    this.capabilities = {
      multiStreamWrites: true,
      serialisationGuarantees: GUARANTEES,
      serialisationGuarantee,
      subscriptions: REDIS_SUBSCRIPTION_CAPABILITIES,
    };
    this.keyPrefix = validateKeyPrefix(options.keyPrefix ?? "chronicle:");
    this.#keys = new RedisKeys(this.keyPrefix);
    this.#clock = options.clock;
    this.#pageSize = pageSize;
    this.#autoMigrate = options.migrate ?? true;
    // SORT's GET pattern substitutes the first "*", so a prefix with one cannot use it.
    this.#sortGets = !this.keyPrefix.includes("*");
    const opened = openRedisClient(connection, "RedisEventStorageAdapter");
    this.#client = opened.client;
    this.#owned = opened.owned;
    this.subscriptions = new RedisSubscriptionSupport(this.#client, hashTag(this.keyPrefix), () => this.#closed);
  }

  /**
   * Records the key layout version under this prefix, or checks the one there.
   * Idempotent and safe from several processes at once (it is one script);
   * concurrent calls on one adapter share one migration. Runs on first use
   * unless the option `migrate: false` is given.
   */
  migrate(): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError("The Redis event storage adapter"));
    this.#migration ??= this.#migrate().finally(() => {
      this.#migration = undefined;
    });
    return this.#migration;
  }

  async #migrate(): Promise<void> {
    let stored: unknown;
    try {
      stored = await migrateScript.run(this.#client, [this.#keys.format], [FORMAT_VERSION]);
    } catch (error) {
      throw classifyRedisError(error, "migrating");
    }
    if (stored !== FORMAT_VERSION) {
      throw new InvalidInputError(
        `keyPrefix ${JSON.stringify(this.keyPrefix)} holds a Chronicle store of format ${String(stored)}; ` +
          `this version of @chronicle/redis reads format ${FORMAT_VERSION}`,
      );
    }
    this.#migrated = true;
  }

  async save(writes: readonly StreamWrite[], options: SaveOptions = {}): Promise<StoredEvent[][]> {
    this.#assertOpen();
    options.signal?.throwIfAborted();
    const prepared = prepareWrites(writes, { clock: this.#clock });
    if (prepared.length === 0) return [];
    await this.#ready();
    // Once sent, a script runs to completion: the signal can only stop it before.
    options.signal?.throwIfAborted();
    this.#assertOpen();

    const tails = prepared.map((write) => {
      const categoryJson = JSON.stringify(write.target.category);
      const streamJson = JSON.stringify(write.target.stream);
      return write.events.map((event) => encodeTail(event, categoryJson, streamJson));
    });
    const eventCount = prepared.reduce((count, write) => count + write.events.length, 0);
    // Each pass either settles or swaps one event's content for the stored text it equals as JSON.
    for (let pass = 0; ; pass += 1) {
      const reply = await this.#append(prepared, tails);
      if (reply[0] === "ok") return this.#stored(prepared, reply);
      if (reply[0] === "unmet") {
        const write = prepared[reply[1] - 1] as PreparedWrite;
        throw new UnmetWriteConditionError(write.target, write.condition, reply[2] > 0 ? reply[2] - 1 : undefined);
      }
      const [, eventId, reason, detail] = reply;
      if (reason === "content" && pass < eventCount) {
        const swapped = swapEquivalentContent(prepared, tails, eventId, detail);
        if (swapped) continue;
      }
      throw duplicateError(eventId, reason, detail);
    }
  }

  async latest(target: EventTarget): Promise<StoredEvent | undefined> {
    this.#assertOpen();
    const checked = validateTarget(target);
    await this.#ready();
    let record: unknown;
    try {
      const list = this.#keys.index(checked);
      record = await latestScript.run(
        this.#client,
        [list ?? this.#keys.sequence],
        [list === undefined ? "log" : "list", this.#keys.eventPrefix],
      );
    } catch (error) {
      throw classifyRedisError(error, "reading");
    }
    return typeof record === "string" ? decodeRecord(record) : undefined;
  }

  scan(target: EventTarget, options: ScanOptions = {}): AsyncIterable<StoredEvent> {
    return {
      [Symbol.asyncIterator]: () => {
        // The pages' own generator is handed out directly, without a delegating one around it: one fewer hop per event.
        let pages: AsyncGenerator<StoredEvent, void, undefined> | undefined;
        const start = async (): Promise<AsyncGenerator<StoredEvent, void, undefined>> => {
          this.#assertOpen();
          const checked = validateTarget(target);
          const normalised = normaliseScanOptions(checked, options);
          await this.#ready();
          const state: ScanState = {};
          pages = scanInPages(checked, normalised, (query) => this.#page(query, state), this.#pageSize);
          return pages;
        };
        return {
          next: () => (pages === undefined ? start().then((started) => started.next()) : pages.next()),
          return: async (value?: unknown) => {
            await pages?.return(undefined);
            return { done: true as const, value: value as undefined };
          },
          throw: async (error?: unknown) => {
            if (pages === undefined) throw error;
            return pages.throw(error);
          },
          [Symbol.asyncIterator]() {
            return this;
          },
        };
      },
    };
  }

  /**
   * What the Redis node holding this store reports about its persistence
   * (`INFO persistence`, plus the `appendfsync` policy when `CONFIG GET` is
   * permitted): whether an acknowledged append survives a crash.
   */
  async persistence(): Promise<RedisPersistence> {
    this.#assertOpen();
    let info: Record<string, string>;
    try {
      info = parseInfo(String(await persistenceScript.run(this.#client, [this.#keys.format], [])));
    } catch (error) {
      throw classifyRedisError(error, "reading INFO persistence");
    }
    let appendfsync: string | undefined;
    try {
      const reply = await this.#client.call("CONFIG", "GET", "appendfsync");
      if (Array.isArray(reply) && typeof reply[1] === "string") appendfsync = reply[1];
    } catch {
      // CONFIG is often renamed or denied (managed Redis, ACLs): the policy is then unknown.
    }
    return toPersistence(info, appendfsync);
  }

  /** Marks the adapter closed and quits the client it opened; a client passed in is left open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.subscriptions.close();
    await quitRedisClient(this.#owned);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Queues a save for the append script. At most `MAX_CALLS_IN_FLIGHT` calls
   * run at once; saves made meanwhile wait and then go together in the next
   * call: each still atomic on its own, with one round trip for all of them.
   */
  #append(prepared: readonly PreparedWrite[], tails: readonly (readonly string[])[]): Promise<AppendReply> {
    return new Promise((resolve, reject) => {
      this.#queued.push({ prepared, tails, resolve, reject });
      this.#scheduleAppends();
    });
  }

  #scheduleAppends(): void {
    if (this.#appendScheduled || this.#appendsInFlight >= MAX_CALLS_IN_FLIGHT) return;
    this.#appendScheduled = true;
    // Saves made in the same turn of the event loop join the same call.
    queueMicrotask(() => {
      this.#appendScheduled = false;
      while (this.#queued.length > 0 && this.#appendsInFlight < MAX_CALLS_IN_FLIGHT) {
        this.#appendsInFlight += 1;
        void this.#sendAppends(this.#takeBatch()).finally(() => {
          this.#appendsInFlight -= 1;
          if (this.#queued.length > 0) this.#scheduleAppends();
        });
      }
    });
  }

  #takeBatch(): QueuedSave[] {
    let events = 0;
    let size = 0;
    // This call's share of the queue: the rest goes in the calls still free to start (this one is already counted in flight).
    const share = Math.ceil(this.#queued.length / (MAX_CALLS_IN_FLIGHT - this.#appendsInFlight + 1));
    while (size < share && size < MAX_SAVES_PER_CALL && (size === 0 || events < MAX_EVENTS_PER_CALL)) {
      for (const write of (this.#queued[size] as QueuedSave).prepared) events += write.events.length;
      size += 1;
    }
    return this.#queued.splice(0, size);
  }

  async #sendAppends(batch: readonly QueuedSave[]): Promise<void> {
    try {
      const keys = [this.#keys.sequence, this.#keys.ids];
      const args: (string | number)[] = [this.#keys.eventPrefix, batch.length];
      for (const { prepared, tails } of batch) {
        args.push(prepared.length);
        prepared.forEach((write, writeIndex) => {
          keys.push(this.#keys.stream(write.target), this.#keys.category(write.target.category));
          args.push(encodeCondition(write.condition), write.events.length, write.events.every(isGenerated) ? "g" : "");
          for (const event of write.events) args.push(event.id);
          for (const tail of tails[writeIndex] as readonly string[]) args.push(tail);
        });
      }
      const replies = (await appendScript.run(this.#client, keys, args)) as AppendReply[];
      for (const [index, queued] of batch.entries()) queued.resolve(replies[index] as AppendReply);
    } catch (error) {
      // A save that did commit before the failure is found by its ids when retried, and replays.
      const classified = classifyRedisError(error, "appending");
      for (const queued of batch) queued.reject(classified);
    }
  }

  #stored(prepared: readonly PreparedWrite[], reply: readonly unknown[]): StoredEvent[][] {
    let sequenceNumber = BigInt(reply[1] as number);
    return prepared.map((write, writeIndex) => {
      const outcome = reply[writeIndex + 2];
      if (Array.isArray(outcome)) return outcome.map((record: string) => decodeRecord(record));
      const firstPosition = outcome as number;
      return write.events.map((event, eventIndex) => {
        const stored = appendedEvent(event, write.target, firstPosition + eventIndex, sequenceNumber);
        sequenceNumber += 1n;
        return stored;
      });
    });
  }

  /**
   * One page for `scanInPages`. Bounds become an inclusive range of indexes
   * into the list the read walks (of sequence numbers for the log), whose
   * records one command fetches: MGET for the log, `SORT … BY nosort GET` for
   * a list, or LRANGE then MGET where SORT may not read other keys (Redis
   * Cluster, restrictive ACLs).
   */
  async #page(query: ScanPageQuery, state: ScanState): Promise<StoredEvent[]> {
    const list = this.#keys.index(query.target);
    let low: number;
    let high: number | undefined;
    if (list === undefined) {
      low = query.after === undefined ? 1 : Math.max(1, Number(query.after) + 1);
      high = query.before === undefined ? undefined : Number(query.before) - 1;
    } else {
      low = query.fromPosition ?? 0;
      high = query.toPosition;
      if (query.after !== undefined) low = Math.max(low, await this.#countUpTo(list, query.after, state));
      if (query.before !== undefined) high = Math.min(high ?? Infinity, (await this.#countUpTo(list, query.before - 1n, state)) - 1);
    }
    if (query.direction === "backwards") {
      state.length ??= Number(await this.#command(list === undefined ? ["GET", this.#keys.sequence] : ["LLEN", list]));
      const last = list === undefined ? state.length : state.length - 1;
      high = Math.min(high ?? last, last);
    }
    if (high !== undefined && low > high) return [];
    if (query.names !== undefined) return this.#filteredPage(query, state, list, low, high);

    if (state.ended) return [];
    const first = query.direction === "forwards" ? low : Math.max(low, (high as number) - query.limit + 1);
    const last = query.direction === "forwards" ? Math.min(high ?? Infinity, low + query.limit - 1) : (high as number);
    // An open range asks for one more than the page: when it is not there, the next page would be empty, and is not fetched.
    const probe = high === undefined ? 1 : 0;
    const records = list === undefined ? await this.#logRecords(first, last + probe) : await this.#listRecords(list, first, last + probe);
    if (probe === 1) {
      if (records[last - first + 1] === undefined || records[last - first + 1] === null) state.ended = true;
      records.length = Math.min(records.length, last - first + 1);
    }
    if (query.direction === "backwards") records.reverse();
    const page = decodeRecords(records);
    const end = page.at(-1);
    if (end !== undefined) {
      const index = query.direction === "forwards" ? first + page.length - 1 : last - page.length + 1;
      state.last = { sequenceNumber: end.sequenceNumber, index };
    }
    return page;
  }

  async #logRecords(first: number, last: number): Promise<(string | null)[]> {
    const keys: string[] = [];
    for (let sequence = first; sequence <= last; sequence += 1) keys.push(this.#keys.event(sequence));
    return (await this.#command(["MGET", ...keys])) as (string | null)[];
  }

  async #listRecords(list: string, first: number, last: number): Promise<(string | null)[]> {
    this.#assertOpen();
    if (this.#sortGets) {
      try {
        return (await this.#client.call(
          "SORT_RO",
          list,
          "BY",
          "nosort",
          "LIMIT",
          first,
          last - first + 1,
          "GET",
          `${this.#keys.eventPrefix}*`,
        )) as (string | null)[];
      } catch (error) {
        // Redis Cluster denies SORT's GET, ACLs may deny SORT_RO, Redis before 7 lacks it: the two-step read works everywhere.
        if (!(error instanceof Error) || !/SORT|NOPERM|unknown command/i.test(error.message)) throw classifyRedisError(error, "reading");
        this.#sortGets = false;
      }
    }
    const sequences = (await this.#command(["LRANGE", list, first, last])) as string[];
    if (sequences.length === 0) return [];
    return (await this.#command(["MGET", ...sequences.map((sequence) => this.#keys.event(sequence))])) as (string | null)[];
  }

  /** A page with a `names` filter: as many filtered reads as it takes to fill it or reach the end of the range. */
  async #filteredPage(
    query: ScanPageQuery,
    state: ScanState,
    list: string | undefined,
    low: number,
    high: number | undefined,
  ): Promise<StoredEvent[]> {
    const names = (query.names ?? []).map((name) => `${JSON.stringify(name)},`);
    const page: StoredEvent[] = [];
    let from = low;
    let to = high;
    while (page.length < query.limit) {
      const [exhausted, cursor, records] = (await this.#script(
        filteredReadScript,
        [list ?? this.#keys.sequence],
        [
          this.#keys.eventPrefix,
          list === undefined ? "log" : "list",
          query.direction,
          from,
          to ?? "",
          query.limit - page.length,
          SCAN_BUDGET,
          MAX_REPLY_BYTES,
          ...names,
        ],
      )) as [number, string, string[]];
      for (const event of decodeRecords(records)) page.push(event);
      if (exhausted === 1 || cursor === "") break;
      if (query.direction === "forwards") from = Number(cursor) + 1;
      else to = Number(cursor) - 1;
      const end = page.at(-1);
      if (end !== undefined) state.last = { sequenceNumber: end.sequenceNumber, index: Number(cursor) };
    }
    return page;
  }

  /**
   * How many entries of a list hold a sequence number at or below `sequenceNumber`.
   * The next page of a scan starts right next to the last event returned, so
   * that one is answered from the scan's state; only a caller's own bounds
   * need the binary search on the server.
   */
  async #countUpTo(list: string, sequenceNumber: bigint, state: ScanState): Promise<number> {
    const last = state.last;
    if (last !== undefined && last.sequenceNumber === sequenceNumber) return last.index + 1;
    if (last !== undefined && last.sequenceNumber - 1n === sequenceNumber) return last.index;
    return Number(await this.#script(countUpToScript, [list], [sequenceNumber.toString()]));
  }

  async #command(args: readonly [string, ...(string | number)[]]): Promise<unknown> {
    this.#assertOpen();
    const [command, ...rest] = args;
    try {
      return await this.#client.call(command, ...rest);
    } catch (error) {
      throw classifyRedisError(error, "reading");
    }
  }

  async #script(script: RedisScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    this.#assertOpen();
    try {
      return await script.run(this.#client, keys, args);
    } catch (error) {
      throw classifyRedisError(error, "reading");
    }
  }

  async #ready(): Promise<void> {
    if (this.#migrated || !this.#autoMigrate) return;
    await this.migrate();
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError("The Redis event storage adapter");
  }
}

/**
 * When an id is stored with content that differs only in its JSON text (keys
 * in another order), puts the stored text in place of the sent one so the next
 * pass replays it. Stored events never change, so the swap stays true.
 */
function swapEquivalentContent(prepared: readonly PreparedWrite[], tails: string[][], eventId: string, record: string): boolean {
  const stored = decodeRecord(record);
  for (const [writeIndex, write] of prepared.entries()) {
    const eventIndex = write.events.findIndex((event) => event.id === eventId);
    const event = write.events[eventIndex];
    if (event === undefined) continue;
    const same = stored.name === event.name && jsonEquals(stored.payload, event.payload) && jsonEquals(stored.metadata, event.metadata);
    if (!same) return false;
    // The sent tail keeps its own dates: only the content is compared.
    const tail = `${encodeDates(event)},${record.replace(/^\[[^,]*,[^,]*,[^,]*,[^,]*,/, "")}`;
    const row = tails[writeIndex] as string[];
    if (row[eventIndex] === tail) return false;
    row[eventIndex] = tail;
    return true;
  }
  return false;
}

/** Whether the event's id was generated while preparing the save, so nobody else can know it yet. */
function isGenerated(event: PreparedEvent): boolean {
  return event.idGenerated === true;
}

/** A condition as the append script reads it (see `APPEND_SCRIPT`). */
function encodeCondition(condition: WriteCondition): string {
  switch (condition.type) {
    case "noCondition":
      return "";
    case "streamIsEmpty":
      return "e";
    case "streamExists":
      return "x";
    case "positionIs":
      return `p${condition.position}`;
    default:
      return JSON.stringify(condition);
  }
}

function duplicateError(eventId: string, reason: string, detail: string): DuplicateEventIdError {
  switch (reason) {
    case "partial":
      return new DuplicateEventIdError(
        eventId,
        `is already stored, but ${JSON.stringify(detail)} of the same write is not: a write is replayed whole or not at all`,
      );
    case "stream": {
      const stored = decodeRecord(detail);
      return new DuplicateEventIdError(eventId, `is already stored in stream ${stored.category}/${stored.stream}`);
    }
    case "order":
      return new DuplicateEventIdError(eventId, "is already stored, but not in the order of this write");
    default:
      return new DuplicateEventIdError(eventId, "is already stored with a different name, payload or metadata");
  }
}
