import type { SqliteMigration } from "./sqlite-schema.js";

/** Checkpoints: one row per subscription and share. */
export const CHECKPOINTS_TABLE = "chronicle_subscription_checkpoints";
/** Parked events: one row per subscription and event id. */
export const PARKED_TABLE = "chronicle_subscription_parked";
/** Consumer group leases: one row per subscription and share, kept after release so epochs only increase. */
export const LEASES_TABLE = "chronicle_subscription_leases";
/** Consumer group heartbeats: one row per subscription and member. */
export const MEMBERS_TABLE = "chronicle_subscription_members";

/**
 * Version 2 of the event schema: subscriptions' state, kept in the same file
 * as the log so a transactional handler's writes, its checkpoint and the events
 * share one transaction. Positions and epochs are 64-bit integers; times are
 * milliseconds since the epoch.
 */
export const SUBSCRIPTION_MIGRATION: SqliteMigration = {
  version: 2,
  sql: `
    CREATE TABLE ${CHECKPOINTS_TABLE} (
      subscription TEXT NOT NULL,
      share INTEGER NOT NULL,
      position INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (subscription, share)
    ) WITHOUT ROWID;
    CREATE TABLE ${PARKED_TABLE} (
      subscription TEXT NOT NULL,
      event_id TEXT NOT NULL,
      sequence_number INTEGER NOT NULL,
      event TEXT NOT NULL,
      error_name TEXT NOT NULL,
      error_message TEXT NOT NULL,
      attempts INTEGER NOT NULL,
      parked_at INTEGER NOT NULL,
      PRIMARY KEY (subscription, event_id)
    ) WITHOUT ROWID;
    CREATE INDEX ${PARKED_TABLE}_by_sequence_number ON ${PARKED_TABLE} (subscription, sequence_number);
    CREATE TABLE ${LEASES_TABLE} (
      subscription TEXT NOT NULL,
      share INTEGER NOT NULL,
      member TEXT NOT NULL,
      epoch INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      released INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (subscription, share)
    ) WITHOUT ROWID;
    CREATE TABLE ${MEMBERS_TABLE} (
      subscription TEXT NOT NULL,
      member TEXT NOT NULL,
      expires_at INTEGER NOT NULL,
      PRIMARY KEY (subscription, member)
    ) WITHOUT ROWID;
  `,
};
