import type { EventTarget, JsonValue, Projection } from "@chronicle/core";
import type pg from "pg";
import { quoteIdentifier } from "../src/sql-quoting.js";

/** Every projection stored in `schema`, sorted by name then id, read with plain SQL rather than through the adapter. */
export async function readRawProjections(pool: pg.Pool, schema: string): Promise<Projection[]> {
  const exists = await pool.query("SELECT to_regclass($1) IS NOT NULL AS exists", [`${quoteIdentifier(schema)}.projections`]);
  if (!exists.rows[0].exists) return [];
  const { rows } = await pool.query(
    `SELECT name, id, source_type, source_category, source_stream, coalesce(state_text::text, state::text) AS state,
            version::text AS version, position::text AS position, event_count::text AS event_count,
            to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at
     FROM ${quoteIdentifier(schema)}.projections ORDER BY name COLLATE "C", id COLLATE "C"`,
  );
  return rows.map((row) => {
    const source: EventTarget =
      row.source_type === "log"
        ? { type: "log" }
        : row.source_type === "category"
          ? { type: "category", category: row.source_category }
          : { type: "stream", category: row.source_category, stream: row.source_stream };
    return {
      name: row.name,
      id: row.id,
      source,
      state: JSON.parse(row.state) as JsonValue,
      version: Number(row.version),
      position: row.position === null ? undefined : BigInt(row.position),
      eventCount: Number(row.event_count),
      updatedAt: row.updated_at === null ? undefined : new Date(row.updated_at),
    };
  });
}
