import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type Checkpoint,
  type CheckpointKey,
  type CheckpointQuery,
  type CheckpointReset,
  type CheckpointWrite,
  type Clock,
  type GroupHeartbeat,
  type GroupMember,
  InvalidInputError,
  type Lease,
  type LeaseRequest,
  type LeaseToken,
  type ParkedEvent,
  type ParkedQuery,
  type ParkWrite,
  type SubscriptionCapabilities,
  type SubscriptionSupport,
  storedEventFromJson,
  storedEventToJson,
  systemClock,
  UnavailableError,
} from "@chronicle/core";
import { nextBackoff } from "./busy-retry.js";
import type { SqliteDatabase, SqliteStatement } from "./sqlite-database.js";
import { classifySqliteError, isBusy } from "./sqlite-errors.js";
import { CHECKPOINTS_TABLE, LEASES_TABLE, MEMBERS_TABLE, PARKED_TABLE } from "./sqlite-subscription-schema.js";
import type { SqliteTransactionGate } from "./sqlite-transaction-gate.js";

/** What the SQLite subscription support offers: state in the database file; other processes' events are found by polling. */
export const SQLITE_SUBSCRIPTION_CAPABILITIES: SubscriptionCapabilities = {
  durable: true,
  transactional: true,
  notifications: false,
  consumerGroups: true,
};

/**
 * The compare-and-set write of a checkpoint, in one statement: a row is
 * inserted only when none is stored and none was expected, and updated only
 * when the stored position is the expected one (or already the new one) and
 * would not move backwards. With an epoch, nothing happens unless the share's
 * lease has exactly that epoch.
 */
const WRITE_CHECKPOINT = `
  INSERT INTO ${CHECKPOINTS_TABLE} (subscription, share, position, updated_at)
  SELECT @subscription, @share, @position, @updatedAt
  WHERE (@epoch IS NULL OR EXISTS (SELECT 1 FROM ${LEASES_TABLE} WHERE subscription = @subscription AND share = @share AND epoch = @epoch))
    AND (@expected IS NULL OR EXISTS (SELECT 1 FROM ${CHECKPOINTS_TABLE} WHERE subscription = @subscription AND share = @share))
  ON CONFLICT (subscription, share) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at
  WHERE (${CHECKPOINTS_TABLE}.position = @expected OR ${CHECKPOINTS_TABLE}.position = excluded.position)
    AND excluded.position >= ${CHECKPOINTS_TABLE}.position`;
// Positions are read as text, so they come back exact beyond 2^53.
const READ_CHECKPOINT = `SELECT CAST(position AS TEXT) AS position, updated_at FROM ${CHECKPOINTS_TABLE} WHERE subscription = ? AND share = ?`;
// The binary collation orders UTF-8 bytes, which is code point order.
const LIST_CHECKPOINTS = `
  SELECT subscription, share, CAST(position AS TEXT) AS position, updated_at FROM ${CHECKPOINTS_TABLE}
  WHERE @subscription IS NULL OR subscription = @subscription ORDER BY subscription, share`;
const RESET_CHECKPOINT = `
  INSERT INTO ${CHECKPOINTS_TABLE} (subscription, share, position, updated_at) VALUES (?, ?, ?, ?)
  ON CONFLICT (subscription, share) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`;
const REMOVE_CHECKPOINT = `DELETE FROM ${CHECKPOINTS_TABLE} WHERE subscription = ? AND share = ?`;
const PARK = `
  INSERT INTO ${PARKED_TABLE} (subscription, event_id, sequence_number, event, error_name, error_message, attempts, parked_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (subscription, event_id) DO UPDATE SET sequence_number = excluded.sequence_number, event = excluded.event,
    error_name = excluded.error_name, error_message = excluded.error_message, attempts = excluded.attempts, parked_at = excluded.parked_at`;
const LIST_PARKED = `
  SELECT event, error_name, error_message, attempts, parked_at FROM ${PARKED_TABLE}
  WHERE subscription = @subscription AND (@after IS NULL OR sequence_number > @after) ORDER BY sequence_number LIMIT @limit`;
const REMOVE_PARKED = `DELETE FROM ${PARKED_TABLE} WHERE subscription = ? AND event_id IN (SELECT value FROM json_each(?))`;
const HEARTBEAT = `
  INSERT INTO ${MEMBERS_TABLE} (subscription, member, expires_at) VALUES (?, ?, ?)
  ON CONFLICT (subscription, member) DO UPDATE SET expires_at = excluded.expires_at`;
// The binary collation orders UTF-8 bytes, which is code point order.
const LIVE_MEMBERS = `SELECT member FROM ${MEMBERS_TABLE} WHERE subscription = ? AND expires_at > ? ORDER BY member`;
const LEAVE = `DELETE FROM ${MEMBERS_TABLE} WHERE subscription = ? AND member = ?`;
const RELEASE_ALL = `UPDATE ${LEASES_TABLE} SET released = 1 WHERE subscription = ? AND member = ? AND released = 0`;
const LEASE_COLUMNS = "subscription, share, member, epoch, expires_at";
const READ_LEASE = `SELECT ${LEASE_COLUMNS}, released FROM ${LEASES_TABLE} WHERE subscription = ? AND share = ?`;
const STORE_LEASE = `
  INSERT INTO ${LEASES_TABLE} (subscription, share, member, epoch, expires_at, released) VALUES (?, ?, ?, ?, ?, 0)
  ON CONFLICT (subscription, share) DO UPDATE SET member = excluded.member, epoch = excluded.epoch,
    expires_at = excluded.expires_at, released = 0`;
const RENEW_LEASE = `
  UPDATE ${LEASES_TABLE} SET expires_at = ? WHERE subscription = ? AND share = ? AND epoch = ? AND member = ? AND released = 0
  RETURNING ${LEASE_COLUMNS}`;
const RELEASE_LEASE = `UPDATE ${LEASES_TABLE} SET released = 1 WHERE subscription = ? AND share = ? AND epoch = ? AND member = ? AND released = 0`;
const LIST_LEASES = `SELECT ${LEASE_COLUMNS} FROM ${LEASES_TABLE} WHERE subscription = ? AND released = 0 ORDER BY share`;

interface LeaseRow {
  subscription: string;
  share: number;
  member: string;
  epoch: number;
  expires_at: number;
}

interface ParkedRow {
  event: string;
  error_name: string;
  error_message: string;
  attempts: number;
  parked_at: number;
}

/** What the event storage adapter shares with its subscription support. */
export interface SqliteSubscriptionSupportContext {
  readonly database: SqliteDatabase;
  readonly gate: SqliteTransactionGate;
  readonly clock: Clock | undefined;
  readonly busyTimeoutMs: number;
  /** Throws `CLOSED` once the adapter is closing. */
  readonly assertOpen: () => void;
  /** Resolves once the connection and schema are ready. */
  readonly ready: () => Promise<void>;
}

/**
 * Keeps subscriptions' checkpoints, parked events and consumer group leases in
 * the adapter's SQLite file. Every write is one `BEGIN IMMEDIATE` transaction run
 * synchronously to its end, taken with the event adapter's busy discipline: the
 * driver waits a few milliseconds for another connection's lock, longer waits
 * happen between event-loop turns, and a lock held past `busyTimeoutMs` rejects
 * with `UNAVAILABLE`. Writers wait while a transactional handler's transaction
 * is open on the connection.
 */
export class SqliteSubscriptionSupport implements SubscriptionSupport<SqliteDatabase> {
  readonly #context: SqliteSubscriptionSupportContext;
  readonly #clock: Clock;
  readonly #statements = new Map<string, SqliteStatement>();

  /** @internal Made by `SqliteEventStorageAdapter`. */
  constructor(context: SqliteSubscriptionSupportContext) {
    this.#context = context;
    this.#clock = context.clock ?? systemClock;
  }

  async readCheckpoint(key: CheckpointKey): Promise<Checkpoint | undefined> {
    return this.#read(() => {
      const row = this.#statement(READ_CHECKPOINT).get(key.subscription, key.share) as { position: string; updated_at: number } | undefined;
      if (row === undefined) return undefined;
      return { subscription: key.subscription, share: key.share, position: BigInt(row.position), updatedAt: new Date(row.updated_at) };
    });
  }

  async writeCheckpoint(write: CheckpointWrite): Promise<boolean> {
    return this.#write(() => this.#writeCheckpoint(write));
  }

  async listCheckpoints(query: CheckpointQuery = {}): Promise<Checkpoint[]> {
    return this.#read(() => {
      const rows = this.#statement(LIST_CHECKPOINTS).all({ subscription: query.subscription ?? null }) as {
        subscription: string;
        share: number;
        position: string;
        updated_at: number;
      }[];
      return rows.map((row) => ({
        subscription: row.subscription,
        share: row.share,
        position: BigInt(row.position),
        updatedAt: new Date(row.updated_at),
      }));
    });
  }

  async resetCheckpoint(reset: CheckpointReset): Promise<void> {
    await this.#write(() => {
      if (reset.position === undefined) this.#statement(REMOVE_CHECKPOINT).run(reset.subscription, reset.share);
      else this.#statement(RESET_CHECKPOINT).run(reset.subscription, reset.share, reset.position, this.#clock.now().getTime());
    });
  }

  async park(write: ParkWrite): Promise<void> {
    await this.#write(() => {
      this.#statement(PARK).run(
        write.subscription,
        write.event.id,
        write.event.sequenceNumber,
        storedEventToJson(write.event),
        write.error.name,
        write.error.message,
        write.attempts,
        write.parkedAt.getTime(),
      );
    });
  }

  async listParked(query: ParkedQuery): Promise<ParkedEvent[]> {
    return this.#read(() => {
      const rows = this.#statement(LIST_PARKED).all({
        subscription: query.subscription,
        after: query.after ?? null,
        limit: query.limit ?? -1,
      }) as ParkedRow[];
      return rows.map((row) => ({
        event: storedEventFromJson(row.event),
        error: { name: row.error_name, message: row.error_message },
        attempts: row.attempts,
        parkedAt: new Date(row.parked_at),
      }));
    });
  }

  async removeParked(subscription: string, eventIds: readonly string[]): Promise<number> {
    if (eventIds.length === 0) {
      this.#context.assertOpen();
      return 0;
    }
    return this.#write(() => Number(this.#statement(REMOVE_PARKED).run(subscription, JSON.stringify(eventIds)).changes));
  }

  async heartbeat(heartbeat: GroupHeartbeat): Promise<string[]> {
    return this.#write(() => {
      const now = this.#clock.now().getTime();
      this.#statement(HEARTBEAT).run(heartbeat.subscription, heartbeat.member, now + heartbeat.ttlMs);
      const rows = this.#statement(LIVE_MEMBERS).all(heartbeat.subscription, now) as { member: string }[];
      return rows.map((row) => row.member);
    });
  }

  async leaveGroup(member: GroupMember): Promise<void> {
    await this.#write(() => {
      this.#statement(LEAVE).run(member.subscription, member.member);
      this.#statement(RELEASE_ALL).run(member.subscription, member.member);
    });
  }

  async acquireLease(request: LeaseRequest): Promise<Lease | undefined> {
    return this.#write(() => {
      const now = this.#clock.now().getTime();
      const current = this.#statement(READ_LEASE).get(request.subscription, request.share) as (LeaseRow & { released: number }) | undefined;
      const held = current !== undefined && current.released === 0 && current.expires_at > now;
      if (held && current.member !== request.member) return undefined;
      const epoch = held ? current.epoch : (current?.epoch ?? 0) + 1;
      const expiresAt = now + request.leaseMs;
      this.#statement(STORE_LEASE).run(request.subscription, request.share, request.member, epoch, expiresAt);
      return { subscription: request.subscription, share: request.share, member: request.member, epoch, expiresAt: new Date(expiresAt) };
    });
  }

  async renewLease(token: LeaseToken & { readonly leaseMs: number }): Promise<Lease | undefined> {
    return this.#write(() => {
      const expiresAt = this.#clock.now().getTime() + token.leaseMs;
      const row = this.#statement(RENEW_LEASE).get(expiresAt, token.subscription, token.share, token.epoch, token.member) as
        | LeaseRow
        | undefined;
      return row === undefined ? undefined : toLease(row);
    });
  }

  async releaseLease(token: LeaseToken): Promise<boolean> {
    return this.#write(() => this.#statement(RELEASE_LEASE).run(token.subscription, token.share, token.epoch, token.member).changes > 0);
  }

  async listLeases(subscription: string): Promise<Lease[]> {
    return this.#read(() => (this.#statement(LIST_LEASES).all(subscription) as LeaseRow[]).map(toLease));
  }

  /**
   * Opens a `BEGIN IMMEDIATE` transaction, hands the connection to `work`, then
   * writes the checkpoint in the same transaction and commits. While `work`
   * runs, this adapter's other writes on the connection (saves, checkpoints,
   * leases) wait; reads on it see the open transaction.
   */
  async runInTransaction<Result>(
    checkpoint: CheckpointWrite,
    work: (transaction: SqliteDatabase) => Promise<Result>,
  ): Promise<{ committed: true; result: Result } | { committed: false }> {
    this.#context.assertOpen();
    await this.#ready();
    const { database, gate } = this.#context;
    return gate.hold(async () => {
      this.#context.assertOpen();
      await this.#retryWhileBusy(() => this.#statement("BEGIN IMMEDIATE").run());
      let result: Result;
      try {
        result = await work(database);
      } catch (error) {
        this.#rollBack();
        throw error;
      }
      try {
        if (!database.inTransaction) {
          throw new InvalidInputError(
            "A transactional handler ended the transaction it was given; it must leave committing to the subscription",
          );
        }
        if (!this.#writeCheckpoint(checkpoint)) {
          this.#rollBack();
          return { committed: false as const };
        }
        this.#statement("COMMIT").run();
      } catch (error) {
        this.#rollBack();
        throw classifySqliteError(error, database);
      }
      return { committed: true as const, result };
    });
  }

  #writeCheckpoint(write: CheckpointWrite): boolean {
    const { changes } = this.#statement(WRITE_CHECKPOINT).run({
      subscription: write.subscription,
      share: write.share,
      position: write.position,
      updatedAt: this.#clock.now().getTime(),
      epoch: write.epoch ?? null,
      expected: write.expected ?? null,
    });
    return changes > 0;
  }

  #statement(source: string): SqliteStatement {
    let statement = this.#statements.get(source);
    if (statement === undefined) {
      statement = this.#context.database.prepare(source);
      this.#statements.set(source, statement);
    }
    return statement;
  }

  async #ready(): Promise<void> {
    try {
      await this.#context.ready();
    } catch (error) {
      throw classifySqliteError(error, this.#context.database);
    }
  }

  async #read<T>(operation: () => T): Promise<T> {
    this.#context.assertOpen();
    await this.#ready();
    this.#context.assertOpen();
    return this.#retryWhileBusy(operation);
  }

  /** Runs `operation` in its own `BEGIN IMMEDIATE` transaction, synchronously to the commit, once no handler's transaction is open. */
  async #write<T>(operation: () => T): Promise<T> {
    this.#context.assertOpen();
    await this.#ready();
    return this.#retryWhileBusy(() => {
      this.#statement("BEGIN IMMEDIATE").run();
      try {
        const result = operation();
        this.#statement("COMMIT").run();
        return result;
      } catch (error) {
        this.#rollBack();
        throw error;
      }
    }, true);
  }

  /**
   * Runs `operation` until it does not fail with SQLITE_BUSY, sleeping between
   * attempts; with `exclusive`, each attempt first waits for an open handler's
   * transaction to end. Gives up with `UNAVAILABLE` after `busyTimeoutMs`.
   */
  async #retryWhileBusy<T>(operation: () => T, exclusive = false): Promise<T> {
    const { database, gate, busyTimeoutMs } = this.#context;
    const deadline = performance.now() + busyTimeoutMs;
    let backoff = 0;
    for (;;) {
      if (exclusive) {
        while (gate.whenClosed !== undefined) {
          const remaining = deadline - performance.now();
          if (remaining <= 0) {
            throw new UnavailableError(`A transactional handler held the SQLite connection for more than ${busyTimeoutMs} ms`);
          }
          await gate.waitForClose(remaining);
        }
      }
      this.#context.assertOpen();
      try {
        return operation();
      } catch (error) {
        const now = performance.now();
        if (!isBusy(error) || now >= deadline) throw classifySqliteError(error, database);
        backoff = nextBackoff(backoff);
        await sleep(Math.max(0, Math.min(backoff, deadline - now)));
      }
    }
  }

  #rollBack(): void {
    const { database } = this.#context;
    try {
      if (database.open && database.inTransaction) database.exec("ROLLBACK");
    } catch {
      // The transaction is lost either way; the error that led here is the one worth reporting.
    }
  }
}

function toLease(row: LeaseRow): Lease {
  return { subscription: row.subscription, share: row.share, member: row.member, epoch: row.epoch, expiresAt: new Date(row.expires_at) };
}
