import { InvalidInputError } from "@chronicle/core";
import type { PostgresQueryable } from "./postgres-options.js";
import { quoteIdentifier, quoteLiteral } from "./sql-quoting.js";
import { subscriptionMigration } from "./subscription-migration.js";

/** One step of the schema's history. Applied steps are never edited: a change is a new step. */
export interface PostgresMigration {
  readonly version: number;
  readonly description: string;
  /** The statements, given the schema name quoted as an identifier and as a literal. */
  sql(schema: string, schemaLiteral: (suffix: string) => string): string;
}

/** Version 1: the events table, its backstop constraints and indexes, the sequence and the append function. */
const VERSION_1: PostgresMigration = {
  version: 1,
  description: "events table, sequence and append function",
  sql: (schema, literal) => `
CREATE SEQUENCE ${schema}.events_sequence_number AS bigint;

-- payload and metadata are "json", not "jsonb": it keeps the text exactly as written,
-- "\\u0000" escapes and all, so every payload survives a round trip unchanged.
CREATE TABLE ${schema}.events (
  sequence_number bigint NOT NULL,
  id text NOT NULL,
  category text NOT NULL,
  stream text NOT NULL,
  position integer NOT NULL,
  name text NOT NULL,
  payload json NOT NULL,
  metadata json NOT NULL,
  occurred_at timestamptz NOT NULL,
  observed_at timestamptz NOT NULL,
  -- The writing transaction: readers of scopes wider than the write lock only see
  -- rows of transactions older than every transaction still running.
  transaction_id xid8 NOT NULL,
  CONSTRAINT events_pkey PRIMARY KEY (sequence_number),
  CONSTRAINT events_id_key UNIQUE (id),
  CONSTRAINT events_stream_position_key UNIQUE (category, stream, position)
);

CREATE INDEX events_category_sequence_number_idx ON ${schema}.events (category, sequence_number);

-- Exact for every millisecond a JavaScript Date can hold and PostgreSQL can store:
-- whole days, then the rest, so no floating-point product loses precision.
CREATE FUNCTION ${schema}.timestamp_from_milliseconds(milliseconds bigint) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT (timestamp '1970-01-01' + (milliseconds / 86400000) * interval '1 day'
          + (milliseconds % 86400000) * interval '1 millisecond') AT TIME ZONE 'UTC'
$$;

-- Appends a batch of saves in one statement. Each save is judged on its own: a save
-- whose event ids are already stored is reported "stored" (the caller decides between
-- a replay and a duplicate), a save with an unmet condition is reported "unmet" (its
-- other writes "skipped"), and every other save is appended. Nothing raises for one
-- save, so one failed condition never fails the others. Events arrive as typed arrays,
-- one element per event, so nothing decodes a JSON document of the whole batch;
-- payloads and metadata arrive as one JSON array each, element i for event i, which the
-- caller joins from JSON texts it already holds, and which the server checks as JSON
-- once, when the call's parameters are read, before any lock is taken. Elements of a
-- "json" array come back as their text exactly as written, so "\\u0000" escapes stay
-- intact. The saves holding stored ids are only worked out when some id is found
-- stored, which is rare.
CREATE FUNCTION ${schema}.append_events(lock_keys bigint[], sequence_lock_key bigint, in_flight_class integer, writes json,
  event_write integer[], event_index integer[], event_id text[], event_name text[], event_payloads json, event_metadata json,
  event_occurred bigint[], event_observed bigint[])
RETURNS TABLE (write_index integer, outcome text, latest_position integer, first_sequence_number bigint)
LANGUAGE plpgsql AS $function$
DECLARE
  lock_key bigint;
  stored_saves integer[];
  plan_outcome text[];
  plan_latest integer[];
  plan_count integer[];
  plan_category text[];
  plan_stream text[];
  plan_first bigint[];
  needed bigint;
  last_number bigint;
  writer_transaction xid8;
BEGIN
  -- Looked up before any lock is taken: stored events never change, and an id another
  -- writer stores meanwhile trips the unique constraint, and the caller asks again.
  -- One index probe per id: a lateral subquery with a limit cannot turn into a scan
  -- of the whole table, whatever the planner's statistics say. Only when an id is
  -- found are the saves that hold it worked out.
  IF EXISTS (
    SELECT 1 FROM unnest(event_id) AS e(id)
    CROSS JOIN LATERAL (SELECT 1 FROM ${schema}.events AS stored WHERE stored.id = e.id LIMIT 1) AS found
  ) THEN
    SELECT array_agg(DISTINCT w.s) INTO stored_saves
    FROM unnest(event_write, event_id) AS e(write_index, id)
    JOIN ROWS FROM (json_to_recordset(writes) AS (s integer)) WITH ORDINALITY AS w(s, ordinality) ON w.ordinality = e.write_index + 1
    CROSS JOIN LATERAL (SELECT 1 FROM ${schema}.events AS stored WHERE stored.id = e.id LIMIT 1) AS found;
  END IF;

  -- Sorted by the caller, so writers never wait on each other in a cycle.
  FOREACH lock_key IN ARRAY lock_keys LOOP
    PERFORM pg_advisory_xact_lock(lock_key);
  END LOOP;

  WITH w AS (
    SELECT (t.ordinality - 1)::integer AS write_index, t.s AS save_index, t.c AS category, t.t AS stream,
           t.e AS if_empty, t.a AS if_any, t.p AS positions, t.n AS event_count
    FROM ROWS FROM (json_to_recordset(writes) AS (s integer, c text, t text, e boolean, a boolean, p integer[], n integer))
      WITH ORDINALITY AS t(s, c, t, e, a, p, n, ordinality)
  ), judged AS (
    SELECT w.*, l.latest_position, coalesce(w.save_index = ANY(stored_saves), false) AS stored,
           CASE WHEN l.latest_position IS NULL THEN w.if_empty ELSE w.if_any OR l.latest_position = ANY(w.positions) END AS holds
    FROM w
    CROSS JOIN LATERAL (
      SELECT max(e.position) AS latest_position FROM ${schema}.events AS e WHERE e.category = w.category AND e.stream = w.stream
    ) AS l
  ), decided AS (
    SELECT j.*, CASE WHEN j.stored THEN 'stored'
                     WHEN NOT j.holds THEN 'unmet'
                     WHEN bool_and(j.holds) OVER (PARTITION BY j.save_index) THEN 'appended'
                     ELSE 'skipped' END AS outcome
    FROM judged AS j
  )
  SELECT array_agg(d.outcome ORDER BY d.write_index), array_agg(d.latest_position ORDER BY d.write_index),
         array_agg(d.event_count ORDER BY d.write_index), array_agg(d.category ORDER BY d.write_index),
         array_agg(d.stream ORDER BY d.write_index),
         sum(d.event_count) FILTER (WHERE d.outcome = 'appended')
  INTO plan_outcome, plan_latest, plan_count, plan_category, plan_stream, needed
  FROM decided AS d;

  IF needed > 0 THEN
    -- Under "category" and "stream", writers to different scopes run at once and can
    -- commit out of sequence order. So the transaction id is assigned and the numbers
    -- drawn together, one writer at a time: transaction ids and sequence numbers then
    -- increase together, and a reader knows that no writer still in flight can commit
    -- a number below the rows of transactions older than it (see page-queries.ts).
    IF sequence_lock_key IS NULL THEN
      writer_transaction := pg_current_xact_id();
      last_number := setval(${literal(".events_sequence_number")}, nextval(${literal(".events_sequence_number")}) + needed - 1);
    ELSE
      PERFORM pg_advisory_lock(sequence_lock_key);
      BEGIN
        -- Announces this transaction as a writer in flight (the lock's second key is
        -- its transaction id), before it draws any number: wide readers look for these.
        writer_transaction := pg_current_xact_id();
        PERFORM pg_advisory_xact_lock(in_flight_class, ((writer_transaction::text::bigint + 2147483648) % 4294967296 - 2147483648)::integer);
        last_number := setval(${literal(".events_sequence_number")}, nextval(${literal(".events_sequence_number")}) + needed - 1);
      EXCEPTION WHEN OTHERS OR query_canceled THEN
        PERFORM pg_advisory_unlock(sequence_lock_key);
        RAISE;
      END;
      PERFORM pg_advisory_unlock(sequence_lock_key);
    END IF;

    SELECT array_agg(CASE WHEN plan_outcome[f.i] = 'appended' THEN last_number - needed + 1 + f.before END ORDER BY f.i)
    INTO plan_first
    FROM (
      SELECT i, coalesce(sum(CASE WHEN plan_outcome[i] = 'appended' THEN plan_count[i] ELSE 0 END)
                         OVER (ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
      FROM generate_subscripts(plan_outcome, 1) AS i
    ) AS f;

    INSERT INTO ${schema}.events
      (sequence_number, id, category, stream, position, name, payload, metadata, occurred_at, observed_at, transaction_id)
    SELECT plan_first[e.w + 1] + e.i, e.id, plan_category[e.w + 1], plan_stream[e.w + 1], coalesce(plan_latest[e.w + 1], -1) + 1 + e.i,
           e.name, e.payload, e.metadata, ${schema}.timestamp_from_milliseconds(e.occurred), ${schema}.timestamp_from_milliseconds(e.observed),
           writer_transaction
    FROM ROWS FROM (unnest(event_write), unnest(event_index), unnest(event_id), unnest(event_name), json_array_elements(event_payloads),
                    json_array_elements(event_metadata), unnest(event_occurred), unnest(event_observed))
      AS e(w, i, id, name, payload, metadata, occurred, observed)
    WHERE plan_outcome[e.w + 1] = 'appended';
  END IF;

  RETURN QUERY
  SELECT (i - 1)::integer, plan_outcome[i], plan_latest[i], plan_first[i]
  FROM generate_subscripts(plan_outcome, 1) AS i;
END
$function$;
`,
};

/**
 * The schema's history, oldest first. Version 1 creates the events table, its
 * backstop constraints and indexes, the sequence and the append function;
 * version 2 adds subscription support (see `subscription-migration.ts`).
 */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [VERSION_1, subscriptionMigration(VERSION_1)];

/** The newest schema version this code knows. */
export const LATEST_SCHEMA_VERSION = Math.max(...POSTGRES_MIGRATIONS.map((migration) => migration.version));

/**
 * One independently versioned part of a schema: its steps, and the table that
 * records which of them are applied. The event tables and the projection table
 * each have their own, so either can be created without the other.
 */
export interface MigrationHistory {
  /** The table recording the applied versions, unquoted. */
  readonly table: string;
  readonly migrations: readonly PostgresMigration[];
}

/** The history of the event tables. */
export const EVENT_MIGRATION_HISTORY: MigrationHistory = { table: "schema_migrations", migrations: POSTGRES_MIGRATIONS };

/**
 * Brings `schema` up to the latest version of `history` in one transaction,
 * under an advisory lock keyed on the schema, so processes migrating at once
 * take turns and the later ones find nothing to do. Refuses a schema newer than this code.
 */
export async function migrateSchema(
  pool: PostgresConnectable,
  schemaName: string,
  lockKey: string,
  history: MigrationHistory = EVENT_MIGRATION_HISTORY,
): Promise<void> {
  const schema = quoteIdentifier(schemaName);
  const table = `${schema}.${quoteIdentifier(history.table)}`;
  const latest = Math.max(...history.migrations.map((migration) => migration.version));
  const client = await pool.connect();
  let failure: unknown;
  try {
    await client.query({ text: "BEGIN" });
    await client.query({ text: "SELECT pg_advisory_xact_lock($1::bigint)", values: [lockKey] });
    await client.query({ text: `CREATE SCHEMA IF NOT EXISTS ${schema}` });
    await client.query({
      text: `CREATE TABLE IF NOT EXISTS ${table} (
        version integer PRIMARY KEY,
        description text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    });
    const { rows } = await client.query({ text: `SELECT coalesce(max(version), 0)::text AS version FROM ${table}` });
    const current = Number((rows[0] as { version: string }).version);
    if (current > latest) {
      throw new InvalidInputError(
        `schema ${JSON.stringify(schemaName)} is at version ${current} (${history.table}), newer than the ${latest} this version of ` +
          "@chronicle/postgres knows: upgrade @chronicle/postgres before using this schema",
      );
    }
    for (const migration of history.migrations) {
      if (migration.version <= current) continue;
      await client.query({ text: migration.sql(schema, (suffix) => quoteLiteral(schema + suffix)) });
      await client.query({
        text: `INSERT INTO ${table} (version, description) VALUES ($1, $2)`,
        values: [migration.version, migration.description],
      });
    }
    await client.query({ text: "COMMIT" });
  } catch (error) {
    failure = error;
    await client.query({ text: "ROLLBACK" }).catch(() => undefined);
    throw error;
  } finally {
    client.release(failure instanceof Error && !(failure instanceof InvalidInputError) ? failure : undefined);
  }
}

/** What the migration needs of a pool: a connection of its own for the transaction. */
export interface PostgresConnectable {
  connect(): Promise<PostgresQueryable & { release(destroy?: boolean | Error): void }>;
}
