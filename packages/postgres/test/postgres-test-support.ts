import { createHash, randomUUID } from "node:crypto";
import type { StoredEvent } from "@chronicle/core";
import pg from "pg";
import { quoteIdentifier } from "../src/sql-quoting.js";

/** The PostgreSQL the tests run against; they fail, rather than skip, when it is unreachable. */
export const POSTGRES_URL = process.env.CHRONICLE_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const run = randomUUID();

/** A schema name no other test (or test run) uses: the label hashed with this run's id, within PostgreSQL's 63 bytes. */
export function uniqueSchema(label: string): string {
  return `chronicle_test_${createHash("sha256").update(`${run}:${label}`).digest("hex").slice(0, 24)}`;
}

/** A pool of the tests' own; remember to `end()` it. */
export function createPool(max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max });
  pool.on("error", () => undefined);
  return pool;
}

/** Drops the given schemas and everything in them. */
export async function dropSchemas(pool: pg.Pool, schemas: Iterable<string>): Promise<void> {
  for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
}

/** Every event stored in `schema`, in sequence order, read with plain SQL rather than through the adapter (none before the first migration). */
export async function readRaw(pool: pg.Pool, schema: string): Promise<StoredEvent[]> {
  const exists = await pool.query("SELECT to_regclass($1) IS NOT NULL AS exists", [`${quoteIdentifier(schema)}.events`]);
  if (!exists.rows[0].exists) return [];
  const { rows } = await pool.query(
    `SELECT sequence_number::text AS sequence_number, id, name, category, stream, position, payload::text AS payload,
            metadata::text AS metadata, occurred_at, observed_at
     FROM ${quoteIdentifier(schema)}.events ORDER BY events.sequence_number`,
  );
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    category: row.category,
    stream: row.stream,
    position: row.position,
    sequenceNumber: BigInt(row.sequence_number),
    payload: JSON.parse(row.payload),
    metadata: JSON.parse(row.metadata),
    occurredAt: row.occurred_at,
    observedAt: row.observed_at,
  }));
}
