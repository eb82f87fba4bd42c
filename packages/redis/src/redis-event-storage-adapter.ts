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
} from "@chronicle/core";
import { Redis } from "ioredis";
import { classifyRedisError } from "./redis-error-classifier.js";
import { appendedEvent, decodeRecord, decodeRecords, encodeContent, encodeDates } from "./redis-event-record.js";
import { RedisKeys, validateKeyPrefix } from "./redis-keys.js";
import type { RedisClientLike, RedisConnection, RedisEventStorageAdapterOptions } from "./redis-options.js";
import { parseInfo, type RedisPersistence, toPersistence } from "./redis-persistence.js";
import { RedisScript } from "./redis-script.js";
import { APPEND_SCRIPT, FORMAT_VERSION, MIGRATE_SCRIPT, PERSISTENCE_SCRIPT, READ_SCRIPT } from "./redis-scripts.js";

const GUARANTEES: readonly SerialisationGuarantee[] = ["log", "category", "stream"];
const DEFAULT_PAGE_SIZE = 1000;
/** Candidates one read script looks at before handing control back, so a rare `names` filter never blocks Redis for long. */
const SCAN_BUDGET = 5000;
/** Reply bytes one read script collects before handing control back, so huge events arrive in several replies. */
const MAX_REPLY_BYTES = 8 * 2 ** 20;

const appendScript = new RedisScript(APPEND_SCRIPT);
const readScript = new RedisScript(READ_SCRIPT);
const migrateScript = new RedisScript(MIGRATE_SCRIPT);
const persistenceScript = new RedisScript(PERSISTENCE_SCRIPT);

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
  readonly #client: RedisClientLike;
  readonly #owned: Redis | undefined;
  readonly #keys: RedisKeys;
  readonly #clock: Clock | undefined;
  readonly #pageSize: number;
  readonly #autoMigrate: boolean;
  #migration: Promise<void> | undefined;
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
    this.capabilities = { multiStreamWrites: true, serialisationGuarantees: GUARANTEES, serialisationGuarantee };
    this.keyPrefix = validateKeyPrefix(options.keyPrefix ?? "chronicle:");
    this.#keys = new RedisKeys(this.keyPrefix);
    this.#clock = options.clock;
    this.#pageSize = pageSize;
    this.#autoMigrate = options.migrate ?? true;
    if ("client" in connection && connection.client !== undefined) {
      this.#client = connection.client;
    } else if ("url" in connection && typeof connection.url === "string") {
      this.#owned = new Redis(connection.url, connection.redisOptions ?? {});
      // Connection errors reach callers through their commands, as UNAVAILABLE; without a listener ioredis would also log each one.
      this.#owned.on("error", () => {});
      this.#client = this.#owned;
    } else {
      throw new TypeError("RedisEventStorageAdapter needs { client } (an ioredis Redis or Cluster) or { url }");
    }
  }

  /**
   * Records the key layout version under this prefix, or checks the one there.
   * Idempotent and safe from several processes at once (it is one script).
   * Runs on first use unless the option `migrate: false` is given.
   */
  async migrate(): Promise<void> {
    this.#assertOpen();
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

    const contents = prepared.map((write) => {
      const categoryJson = JSON.stringify(write.target.category);
      const streamJson = JSON.stringify(write.target.stream);
      return write.events.map((event) => encodeContent(event, categoryJson, streamJson));
    });
    const eventCount = prepared.reduce((count, write) => count + write.events.length, 0);
    // Each pass either settles or swaps one event's content for the stored text it equals as JSON.
    for (let pass = 0; ; pass += 1) {
      const reply = await this.#append(prepared, contents);
      if (reply[0] === "ok") return this.#stored(prepared, reply);
      if (reply[0] === "unmet") {
        const write = prepared[reply[1] - 1] as PreparedWrite;
        throw new UnmetWriteConditionError(write.target, write.condition, reply[2] > 0 ? reply[2] - 1 : undefined);
      }
      const [, eventId, reason, detail] = reply;
      if (reason === "content" && pass < eventCount) {
        const swapped = swapEquivalentContent(prepared, contents, eventId, detail);
        if (swapped) continue;
      }
      throw duplicateError(eventId, reason, detail);
    }
  }

  async latest(target: EventTarget): Promise<StoredEvent | undefined> {
    this.#assertOpen();
    const checked = validateTarget(target);
    await this.#ready();
    const [latest] = await this.#page({
      target: checked,
      direction: "backwards",
      after: undefined,
      before: undefined,
      fromPosition: undefined,
      toPosition: undefined,
      names: undefined,
      limit: 1,
    });
    return latest;
  }

  scan(target: EventTarget, options: ScanOptions = {}): AsyncIterable<StoredEvent> {
    const adapter = this;
    return {
      async *[Symbol.asyncIterator]() {
        adapter.#assertOpen();
        const checked = validateTarget(target);
        const normalised = normaliseScanOptions(checked, options);
        await adapter.#ready();
        yield* scanInPages(checked, normalised, (query) => adapter.#page(query), adapter.#pageSize);
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
    if (this.#owned === undefined) return;
    try {
      await this.#owned.quit();
    } catch {
      this.#owned.disconnect();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #append(prepared: readonly PreparedWrite[], contents: readonly (readonly string[])[]): Promise<AppendReply> {
    const keys = [this.#keys.sequence, this.#keys.log, this.#keys.events, this.#keys.ids];
    const args: (string | number)[] = [prepared.length];
    prepared.forEach((write, writeIndex) => {
      keys.push(this.#keys.stream(write.target), this.#keys.category(write.target.category));
      args.push(write.condition.type === "noCondition" ? "" : JSON.stringify(write.condition), write.events.length);
      write.events.forEach((event, eventIndex) => {
        args.push(event.id, encodeDates(event), contents[writeIndex]?.[eventIndex] as string);
      });
    });
    try {
      return (await appendScript.run(this.#client, keys, args)) as AppendReply;
    } catch (error) {
      throw classifyRedisError(error, "appending");
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

  /** One page for `scanInPages`: as many read scripts as it takes to fill it or reach the end of the range. */
  async #page(query: ScanPageQuery): Promise<StoredEvent[]> {
    const keys = [this.#keys.index(query.target), this.#keys.events];
    const names = query.names?.map((name) => `${JSON.stringify(name)},`) ?? [];
    const page: StoredEvent[] = [];
    let { after, before } = query;
    while (page.length < query.limit) {
      this.#assertOpen();
      let reply: [number, string, string];
      try {
        reply = (await readScript.run(this.#client, keys, [
          query.direction,
          after?.toString() ?? "",
          before?.toString() ?? "",
          query.fromPosition ?? "",
          query.toPosition ?? "",
          query.limit - page.length,
          SCAN_BUDGET,
          MAX_REPLY_BYTES,
          ...names,
        ])) as [number, string, string];
      } catch (error) {
        throw classifyRedisError(error, "reading");
      }
      const [exhausted, cursor, records] = reply;
      for (const event of decodeRecords(records)) page.push(event);
      if (exhausted === 1 || cursor === "") break;
      if (query.direction === "forwards") after = BigInt(cursor);
      else before = BigInt(cursor);
    }
    return page;
  }

  async #ready(): Promise<void> {
    if (this.#migrated || !this.#autoMigrate) return;
    this.#migration ??= this.migrate().catch((error: unknown) => {
      this.#migration = undefined;
      throw error;
    });
    await this.#migration;
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
function swapEquivalentContent(prepared: readonly PreparedWrite[], contents: string[][], eventId: string, record: string): boolean {
  const stored = decodeRecord(record);
  for (const [writeIndex, write] of prepared.entries()) {
    const eventIndex = write.events.findIndex((event) => event.id === eventId);
    const event = write.events[eventIndex];
    if (event === undefined) continue;
    const same = stored.name === event.name && jsonEquals(stored.payload, event.payload) && jsonEquals(stored.metadata, event.metadata);
    if (!same) return false;
    const storedContent = record.replace(/^\[[^,]*,[^,]*,[^,]*,[^,]*,/, "");
    const row = contents[writeIndex] as string[];
    if (row[eventIndex] === storedContent) return false;
    row[eventIndex] = storedContent;
    return true;
  }
  return false;
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
