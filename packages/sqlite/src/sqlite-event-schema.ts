import type { SqliteSchema } from "./sqlite-schema.js";
import { SUBSCRIPTION_MIGRATION } from "./sqlite-subscription-schema.js";

/** The table holding the log. */
export const EVENTS_TABLE = "chronicle_events";

/**
 * The log's schema. The sequence number is the rowid, so commit order (SQLite
 * has one writer at a time) is sequence order; AUTOINCREMENT keeps numbers from
 * being reused even if the newest events are deleted by hand. The two unique
 * constraints are backstops behind the checks the adapter makes itself.
 */
export const EVENT_SCHEMA: SqliteSchema = {
  title: "event",
  migrationsTable: "chronicle_schema_migrations",
  migrations: [
    {
      version: 1,
      sql: `
        CREATE TABLE ${EVENTS_TABLE} (
          sequence_number INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL,
          category TEXT NOT NULL,
          stream TEXT NOT NULL,
          position INTEGER NOT NULL,
          name TEXT NOT NULL,
          payload TEXT NOT NULL,
          metadata TEXT NOT NULL,
          occurred_at INTEGER NOT NULL,
          observed_at INTEGER NOT NULL,
          CONSTRAINT ${EVENTS_TABLE}_id_unique UNIQUE (id),
          CONSTRAINT ${EVENTS_TABLE}_stream_position_unique UNIQUE (category, stream, position)
        );
        -- An index entry ends with the rowid, so this serves category scans keyset-paged on the sequence number.
        CREATE INDEX ${EVENTS_TABLE}_by_category ON ${EVENTS_TABLE} (category);
      `,
    },
    SUBSCRIPTION_MIGRATION,
  ],
};
