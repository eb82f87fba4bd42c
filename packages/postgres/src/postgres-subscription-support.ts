import {
  type Checkpoint,
  type CheckpointKey,
  type CheckpointQuery,
  type CheckpointReset,
  type CheckpointWrite,
  ClosedError,
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
  storedEventFromJson,
  storedEventToJson,
  type WakeUpHint,
} from "@chronicle/core";
import { classifyPostgresError } from "./classify-postgres-error.js";
import { RAW_TEXT } from "./event-rows.js";
import type { PostgresNotificationListener } from "./postgres-notification-listener.js";
import type { PostgresPool, PostgresPoolClient, PostgresQuery } from "./postgres-options.js";
import { statementName } from "./statement-names.js";

/** What the PostgreSQL subscription support offers: all of it. */
export const POSTGRES_SUBSCRIPTION_CAPABILITIES: SubscriptionCapabilities = {
  durable: true,
  transactional: true,
  notifications: true,
  consumerGroups: true,
};

/**
 * What a transactional handler receives as `context.transaction`: a client of
 * the adapter's pool (a `pg.PoolClient` with a `pg.Pool`) inside an open
 * transaction, which commits with the subscription's checkpoint.
 */
export type PostgresTransaction = PostgresPoolClient;

/** What the subscription support needs of its adapter. */
export interface PostgresSubscriptionContext {
  readonly pool: PostgresPool;
  /** The schema name quoted as an identifier. */
  readonly schema: string;
  readonly listener: PostgresNotificationListener;
  /** Resolves once the schema is migrated (the adapter's automatic migration). */
  readonly whenReady: () => Promise<void>;
  readonly isClosed: () => boolean;
}

type Row = (string | null)[];

/**
 * Keeps subscriptions' checkpoints, parked events, leases and heartbeats in
 * the adapter's schema. Each method is one statement (so atomic), except
 * `runInTransaction`, which is one transaction. Times of leases and heartbeats
 * are the database's (`clock_timestamp()`), so members on machines whose
 * clocks disagree still agree on who holds what.
 */
export class PostgresSubscriptionSupport implements SubscriptionSupport<PostgresTransaction> {
  readonly #context: PostgresSubscriptionContext;
  readonly #sql: Statements;

  /** @internal Made by `PostgresEventStorageAdapter`. */
  constructor(context: PostgresSubscriptionContext) {
    this.#context = context;
    this.#sql = statements(context.schema);
  }

  async readCheckpoint(key: CheckpointKey): Promise<Checkpoint | undefined> {
    const [row] = await this.#query(this.#sql.readCheckpoint, [key.subscription, key.share]);
    if (row === undefined) return undefined;
    return { subscription: key.subscription, share: key.share, position: BigInt(row[0] as string), updatedAt: new Date(Number(row[1])) };
  }

  async writeCheckpoint(write: CheckpointWrite): Promise<boolean> {
    const rows = await this.#query(this.#sql.writeCheckpoint, checkpointValues(write));
    return rows.length > 0;
  }

  async park(write: ParkWrite): Promise<void> {
    const { event } = write;
    const stored = storedEventToJson(event);
    await this.#query(this.#sql.park, [
      write.subscription,
      event.id,
      event.sequenceNumber.toString(),
      stored,
      write.error.name,
      write.error.message,
      write.attempts,
      write.parkedAt.getTime(),
    ]);
  }

  async listParked(query: ParkedQuery): Promise<ParkedEvent[]> {
    const rows = await this.#query(this.#sql.listParked, [query.subscription, query.after?.toString() ?? null, query.limit ?? null]);
    return rows.map((row) => {
      return {
        event: storedEventFromJson(row[0] as string),
        error: { name: row[1] as string, message: row[2] as string },
        attempts: Number(row[3]),
        parkedAt: new Date(Number(row[4])),
      };
    });
  }

  async removeParked(subscription: string, eventIds: readonly string[]): Promise<number> {
    if (eventIds.length === 0) {
      this.#assertOpen();
      return 0;
    }
    const rows = await this.#query(this.#sql.removeParked, [subscription, [...eventIds]]);
    return Number(rows[0]?.[0] ?? 0);
  }

  async listen(listener: (hint: WakeUpHint) => void): Promise<StopListening> {
    this.#assertOpen();
    await this.#ready();
    try {
      return await this.#context.listener.add(listener);
    } catch (error) {
      throw failure(error);
    }
  }

  async runInTransaction<Result>(
    checkpoint: CheckpointWrite,
    work: (transaction: PostgresTransaction) => Promise<Result>,
  ): Promise<{ committed: true; result: Result } | { committed: false }> {
    this.#assertOpen();
    await this.#ready();
    let client: PostgresPoolClient;
    try {
      client = await this.#context.pool.connect();
    } catch (error) {
      throw failure(error);
    }
    let broken: unknown;
    try {
      try {
        await client.query({ text: "BEGIN" });
      } catch (error) {
        broken = error;
        throw failure(error);
      }
      let result: Result;
      try {
        result = await work(client);
      } catch (error) {
        await client.query({ text: "ROLLBACK" }).catch((rollback: unknown) => {
          broken = rollback;
        });
        throw error;
      }
      try {
        const written = await client.query(this.#statement(this.#sql.writeCheckpoint, checkpointValues(checkpoint)));
        if (written.rows.length === 0) {
          await client.query({ text: "ROLLBACK" });
          return { committed: false };
        }
        await client.query({ text: "COMMIT" });
        return { committed: true, result };
      } catch (error) {
        await client.query({ text: "ROLLBACK" }).catch((rollback: unknown) => {
          broken = rollback;
        });
        throw failure(error);
      }
    } finally {
      // A connection whose transaction could not be ended is closed rather than handed to someone else.
      client.release(broken === undefined ? undefined : broken instanceof Error ? broken : true);
    }
  }

  async heartbeat(heartbeat: GroupHeartbeat): Promise<string[]> {
    const rows = await this.#query(this.#sql.heartbeat, [heartbeat.subscription, heartbeat.member, heartbeat.ttlMs]);
    return rows.map((row) => row[0] as string);
  }

  async leaveGroup(member: GroupMember): Promise<void> {
    await this.#query(this.#sql.leaveGroup, [member.subscription, member.member]);
  }

  async acquireLease(request: LeaseRequest): Promise<Lease | undefined> {
    const [row] = await this.#query(this.#sql.acquireLease, [request.subscription, request.share, request.member, request.leaseMs]);
    return row === undefined ? undefined : leaseOf(request.subscription, request.share, row);
  }

  async renewLease(token: LeaseToken & { readonly leaseMs: number }): Promise<Lease | undefined> {
    const [row] = await this.#query(this.#sql.renewLease, [token.subscription, token.share, token.member, token.epoch, token.leaseMs]);
    return row === undefined ? undefined : leaseOf(token.subscription, token.share, row);
  }

  async releaseLease(token: LeaseToken): Promise<boolean> {
    const rows = await this.#query(this.#sql.releaseLease, [token.subscription, token.share, token.member, token.epoch]);
    return rows.length > 0;
  }

  async listLeases(subscription: string): Promise<Lease[]> {
    const rows = await this.#query(this.#sql.listLeases, [subscription]);
    return rows.map((row) => leaseOf(subscription, Number(row[3]), row));
  }

  async listCheckpoints(query: CheckpointQuery = {}): Promise<Checkpoint[]> {
    const rows = await this.#query(this.#sql.listCheckpoints, [query.subscription ?? null]);
    return rows.map((row) => ({
      subscription: row[0] as string,
      share: Number(row[1]),
      position: BigInt(row[2] as string),
      updatedAt: new Date(Number(row[3])),
    }));
  }

  async resetCheckpoint(reset: CheckpointReset): Promise<void> {
    if (reset.position === undefined) await this.#query(this.#sql.removeCheckpoint, [reset.subscription, reset.share]);
    else await this.#query(this.#sql.resetCheckpoint, [reset.subscription, reset.share, reset.position.toString()]);
  }

  async #query(text: string, values: unknown[]): Promise<Row[]> {
    this.#assertOpen();
    await this.#ready();
    this.#assertOpen();
    try {
      const result = await this.#context.pool.query(this.#statement(text, values));
      return result.rows as Row[];
    } catch (error) {
      throw failure(error);
    }
  }

  #statement(text: string, values: unknown[]): PostgresQuery {
    return { name: statementName(text), text, values, rowMode: "array", types: RAW_TEXT };
  }

  async #ready(): Promise<void> {
    try {
      await this.#context.whenReady();
    } catch (error) {
      throw failure(error);
    }
  }

  #assertOpen(): void {
    if (this.#context.isClosed()) throw new ClosedError("The PostgreSQL event storage adapter");
  }
}

type Statements = ReturnType<typeof statements>;

const MILLISECONDS = (column: string) => `(extract(epoch FROM ${column}) * 1000)::bigint`;

/** Every statement, for one schema. Each is a single statement, so each is atomic. */
function statements(schema: string) {
  const checkpoints = `${schema}.subscription_checkpoints`;
  const parked = `${schema}.subscription_parked`;
  const leases = `${schema}.subscription_leases`;
  const heartbeats = `${schema}.subscription_heartbeats`;
  // The fence locks the lease row it checks: a member taking the share over waits for this write to commit.
  const fenced = "($5::bigint IS NULL OR EXISTS (SELECT 1 FROM fence))";
  return {
    readCheckpoint: `SELECT position, ${MILLISECONDS("updated_at")} FROM ${checkpoints} WHERE subscription = $1 AND share = $2`,
    // $1 subscription, $2 share, $3 position, $4 expected (NULL: none stored), $5 epoch (NULL: not fenced).
    // ON CONFLICT judges the stored row as it is once locked, so concurrent writers cannot both win.
    writeCheckpoint: `WITH fence AS (
        SELECT 1 FROM ${leases} WHERE subscription = $1 AND share = $2 AND epoch = $5::bigint AND member IS NOT NULL FOR SHARE
      )
      INSERT INTO ${checkpoints} AS c (subscription, share, position, updated_at)
      SELECT $1, $2, $3::bigint, now()
      WHERE ${fenced}
        AND ($4::bigint IS NULL OR EXISTS (SELECT 1 FROM ${checkpoints} WHERE subscription = $1 AND share = $2))
      ON CONFLICT (subscription, share) DO UPDATE
        SET position = excluded.position,
            updated_at = CASE WHEN c.position = excluded.position THEN c.updated_at ELSE excluded.updated_at END
        WHERE (c.position = $4::bigint OR c.position = excluded.position) AND excluded.position >= c.position
      RETURNING 1`,
    // COLLATE "C" orders UTF-8 text by bytes, which is code point order.
    listCheckpoints: `SELECT subscription, share, position, ${MILLISECONDS("updated_at")} FROM ${checkpoints}
      WHERE $1::text IS NULL OR subscription = $1::text
      ORDER BY subscription COLLATE "C", share`,
    resetCheckpoint: `INSERT INTO ${checkpoints} (subscription, share, position, updated_at) VALUES ($1, $2, $3::bigint, now())
      ON CONFLICT (subscription, share) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
    removeCheckpoint: `DELETE FROM ${checkpoints} WHERE subscription = $1 AND share = $2`,
    park: `INSERT INTO ${parked} (subscription, event_id, sequence_number, event, error_name, error_message, attempts, parked_at)
      VALUES ($1, $2, $3::bigint, $4::json, $5, $6, $7::integer, ${schema}.timestamp_from_milliseconds($8::bigint))
      ON CONFLICT (subscription, event_id) DO UPDATE SET sequence_number = excluded.sequence_number, event = excluded.event,
        error_name = excluded.error_name, error_message = excluded.error_message, attempts = excluded.attempts,
        parked_at = excluded.parked_at`,
    listParked: `SELECT event, error_name, error_message, attempts, ${MILLISECONDS("parked_at")} FROM ${parked}
      WHERE subscription = $1 AND ($2::bigint IS NULL OR sequence_number > $2::bigint)
      ORDER BY sequence_number LIMIT $3::bigint`,
    removeParked: `WITH removed AS (DELETE FROM ${parked} WHERE subscription = $1 AND event_id = ANY($2::text[]) RETURNING 1)
      SELECT count(*) FROM removed`,
    heartbeat: `WITH beat AS (
        INSERT INTO ${heartbeats} (subscription, member, expires_at)
        VALUES ($1, $2, clock_timestamp() + $3::bigint * interval '1 millisecond')
        ON CONFLICT (subscription, member) DO UPDATE SET expires_at = excluded.expires_at
        RETURNING member
      )
      SELECT live.member FROM (
        SELECT member FROM beat
        UNION
        SELECT member FROM ${heartbeats} WHERE subscription = $1 AND member <> $2 AND expires_at > clock_timestamp()
      ) AS live
      ORDER BY live.member COLLATE "C"`,
    leaveGroup: `WITH gone AS (DELETE FROM ${heartbeats} WHERE subscription = $1 AND member = $2)
      UPDATE ${leases} SET member = NULL, expires_at = clock_timestamp() WHERE subscription = $1 AND member = $2`,
    // Free, expired, or already ours: taken (a new epoch unless it stays with the same member) or renewed.
    acquireLease: `INSERT INTO ${leases} AS l (subscription, share, member, epoch, expires_at)
      VALUES ($1, $2, $3, 1, clock_timestamp() + $4::bigint * interval '1 millisecond')
      ON CONFLICT (subscription, share) DO UPDATE
        SET member = excluded.member,
            epoch = CASE WHEN l.member = excluded.member THEN l.epoch ELSE l.epoch + 1 END,
            expires_at = excluded.expires_at
        WHERE l.member IS NULL OR l.member = excluded.member OR l.expires_at <= clock_timestamp()
      RETURNING member, epoch, ${MILLISECONDS("expires_at")}`,
    renewLease: `UPDATE ${leases} SET expires_at = clock_timestamp() + $5::bigint * interval '1 millisecond'
      WHERE subscription = $1 AND share = $2 AND member = $3 AND epoch = $4::bigint
      RETURNING member, epoch, ${MILLISECONDS("expires_at")}`,
    releaseLease: `UPDATE ${leases} SET member = NULL, expires_at = clock_timestamp()
      WHERE subscription = $1 AND share = $2 AND member = $3 AND epoch = $4::bigint
      RETURNING 1`,
    listLeases: `SELECT member, epoch, ${MILLISECONDS("expires_at")}, share FROM ${leases}
      WHERE subscription = $1 AND member IS NOT NULL ORDER BY share`,
  };
}

function checkpointValues(write: CheckpointWrite): unknown[] {
  return [write.subscription, write.share, write.position.toString(), write.expected?.toString() ?? null, write.epoch ?? null];
}

function leaseOf(subscription: string, share: number, row: Row): Lease {
  return { subscription, share, member: row[0] as string, epoch: Number(row[1]), expiresAt: new Date(Number(row[2])) };
}

/** Turns any error into the one to report: Chronicle errors as they are, driver errors classified. */
function failure(error: unknown): unknown {
  const classified = classifyPostgresError(error);
  return classified.kind === "fail" ? classified.error : error;
}
