import {
  ClosedError,
  type EventTarget,
  InvalidInputError,
  type PreparedProjection,
  type Projection,
  type ProjectionKey,
  type ProjectionStorageAdapter,
  type ProjectionStorageCapabilities,
} from "@chronicle/core";
import type { Redis } from "ioredis";
import { openRedisClient, quitRedisClient } from "./redis-connection.js";
import { classifyRedisError } from "./redis-error-classifier.js";
import { validateKeyPrefix } from "./redis-keys.js";
import type { RedisClientLike, RedisConnection } from "./redis-options.js";
import { RedisProjectionKeys } from "./redis-projection-keys.js";
import type { RedisProjectionStorageAdapterOptions } from "./redis-projection-options.js";
import { decodeProjection, encodeProjection } from "./redis-projection-record.js";
import {
  DELETE_PROJECTION_SCRIPT,
  LOCATE_PROJECTION_SCRIPT,
  PROJECTION_FORMAT_VERSION,
  SAVE_PROJECTION_SCRIPT,
} from "./redis-projection-scripts.js";
import { RedisScript } from "./redis-script.js";
import { MIGRATE_SCRIPT } from "./redis-scripts.js";

/** What the adapter calls itself in CLOSED errors. */
const WHAT = "The Redis projection storage adapter";

const NO_SEARCH =
  "the Redis projection storage adapter declares capabilities.search: false: plain Redis could only answer a search or count " +
  "by reading every projection, so load projections by (name, id) or with locate, or keep searchable projections in PostgreSQL or SQLite";

const saveScript = new RedisScript(SAVE_PROJECTION_SCRIPT);
const locateScript = new RedisScript(LOCATE_PROJECTION_SCRIPT);
const deleteScript = new RedisScript(DELETE_PROJECTION_SCRIPT);
const migrateScript = new RedisScript(MIGRATE_SCRIPT);

/**
 * Keeps projections (read models and snapshots) in Redis or Redis Cluster
 * through ioredis: one hash per `(name, id)` and a small index from
 * `(name, source)` to ids. Saves, locates and deletes are one Lua script each,
 * so each is atomic, and a save never moves a projection backwards however
 * many processes save at once. It cannot search (`capabilities.search` is
 * `false`): plain Redis would have to read every projection of a name per query.
 *
 * ```ts
 * const projections = new ProjectionStore(new RedisProjectionStorageAdapter({ url: "redis://127.0.0.1:6379" }));
 * ```
 */
export class RedisProjectionStorageAdapter implements ProjectionStorageAdapter {
  readonly capabilities: ProjectionStorageCapabilities = { search: false };
  /** The prefix of every key of this store (inside a hash tag). */
  readonly keyPrefix: string;
  readonly #client: RedisClientLike;
  readonly #owned: Redis | undefined;
  readonly #keys: RedisProjectionKeys;
  readonly #autoMigrate: boolean;
  #migration: Promise<void> | undefined;
  #migrated = false;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(connection: RedisConnection, options: RedisProjectionStorageAdapterOptions = {}) {
    this.keyPrefix = validateKeyPrefix(options.keyPrefix ?? "chronicle:");
    this.#keys = new RedisProjectionKeys(this.keyPrefix);
    this.#autoMigrate = options.migrate ?? true;
    const opened = openRedisClient(connection, "RedisProjectionStorageAdapter");
    this.#client = opened.client;
    this.#owned = opened.owned;
  }

  /**
   * Records the projection key layout version under this prefix, or checks the
   * one there (a store of another version rejects with `INVALID_INPUT`).
   * Idempotent, safe from several processes at once (it is one script), and
   * concurrent calls on one adapter share one migration. Runs on first use
   * unless the option `migrate: false` is given.
   */
  migrate(): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError(WHAT));
    this.#migration ??= this.#migrate().finally(() => {
      this.#migration = undefined;
    });
    return this.#migration;
  }

  async save(projection: PreparedProjection): Promise<boolean> {
    this.#assertOpen();
    const { name, id, source, version, position } = projection;
    const reply = await this.#script(
      saveScript,
      [this.#keys.projection(name, id), this.#keys.source(name, source)],
      [version, position?.toString() ?? "", encodeProjection(projection), id],
      "saving a projection",
    );
    return reply === 1;
  }

  async load(key: ProjectionKey): Promise<Projection | undefined> {
    this.#assertOpen();
    await this.#ready();
    this.#assertOpen();
    let record: unknown;
    try {
      record = await this.#client.call("HGET", this.#keys.projection(key.name, key.id), "r");
    } catch (error) {
      throw classifyRedisError(error, "loading a projection");
    }
    return typeof record === "string" ? decodeProjection(record) : undefined;
  }

  async locate(name: string, source: EventTarget): Promise<Projection | undefined> {
    this.#assertOpen();
    const record = await this.#script(
      locateScript,
      [this.#keys.source(name, source)],
      [this.#keys.projectionPrefix(name)],
      "locating a projection",
    );
    return typeof record === "string" ? decodeProjection(record) : undefined;
  }

  async delete(key: ProjectionKey): Promise<boolean> {
    this.#assertOpen();
    const reply = await this.#script(deleteScript, [this.#keys.projection(key.name, key.id)], [key.id], "deleting a projection");
    return reply === 1;
  }

  /** Rejects with `INVALID_INPUT`: this adapter declares `capabilities.search: false`. */
  async search(): Promise<Projection[]> {
    this.#assertOpen();
    throw new InvalidInputError(NO_SEARCH);
  }

  /** Rejects with `INVALID_INPUT`: this adapter declares `capabilities.search: false`. */
  async count(): Promise<number> {
    this.#assertOpen();
    throw new InvalidInputError(NO_SEARCH);
  }

  /** Marks the adapter closed and quits the client it opened; a client passed in is left open. */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= quitRedisClient(this.#owned);
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #migrate(): Promise<void> {
    let stored: unknown;
    try {
      stored = await migrateScript.run(this.#client, [this.#keys.format], [PROJECTION_FORMAT_VERSION]);
    } catch (error) {
      throw classifyRedisError(error, "migrating");
    }
    if (stored !== PROJECTION_FORMAT_VERSION) {
      throw new InvalidInputError(
        `keyPrefix ${JSON.stringify(this.keyPrefix)} holds Chronicle projections of format ${String(stored)}; ` +
          `this version of @chronicle/redis reads format ${PROJECTION_FORMAT_VERSION}`,
      );
    }
    this.#migrated = true;
  }

  async #script(script: RedisScript, keys: readonly string[], args: readonly (string | number)[], doing: string): Promise<unknown> {
    await this.#ready();
    this.#assertOpen();
    try {
      return await script.run(this.#client, keys, args);
    } catch (error) {
      throw classifyRedisError(error, doing);
    }
  }

  async #ready(): Promise<void> {
    if (this.#migrated || !this.#autoMigrate) return;
    await this.migrate();
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError(WHAT);
  }
}
