import type { SqliteSchema } from "./sqlite-schema.js";

/** The table holding projections. */
export const PROJECTIONS_TABLE = "chronicle_projections";

/**
 * The projections' schema, versioned apart from the log's, so a file may hold
 * either or both. `state` is JSON text, queried with `json_extract`; `position`
 * is a 64-bit integer (read back as text, so it stays exact beyond 2^53);
 * `updated_at` is milliseconds since the epoch. The source's category and
 * stream are NULL where the source has none. The second index serves `locate`.
 */
export const PROJECTION_SCHEMA: SqliteSchema = {
  title: "projection",
  migrationsTable: "chronicle_projection_schema_migrations",
  migrations: [
    {
      version: 1,
      sql: `
        CREATE TABLE ${PROJECTIONS_TABLE} (
          name TEXT NOT NULL,
          id TEXT NOT NULL,
          source_type TEXT NOT NULL,
          source_category TEXT,
          source_stream TEXT,
          state TEXT NOT NULL,
          version INTEGER NOT NULL,
          position INTEGER,
          event_count INTEGER NOT NULL,
          updated_at INTEGER,
          PRIMARY KEY (name, id)
        );
        CREATE INDEX ${PROJECTIONS_TABLE}_by_source ON ${PROJECTIONS_TABLE} (name, source_type, source_category, source_stream, id);
      `,
    },
  ],
};
