import { notificationChannel } from "./notification-channel.js";
import type { PostgresMigration } from "./postgres-migrations.js";
import { quoteLiteral } from "./sql-quoting.js";

/** Where the append function's statement that draws sequence numbers is followed by the end of its work. */
const AFTER_INSERT = "    WHERE plan_outcome[e.w + 1] = 'appended';\n  END IF;\n";

/**
 * Version 2: the tables of subscription support (checkpoints, parked events,
 * leases, heartbeats), and the append function again, now announcing each
 * append with `pg_notify` on the schema's channel (the payload is the highest
 * sequence number it drew), in the append's own transaction, so listeners hear
 * of it exactly when it commits.
 */
export function subscriptionMigration(version1: PostgresMigration): PostgresMigration {
  return {
    version: 2,
    description: "subscription checkpoints, parked events, leases, heartbeats; append notifies",
    sql: (schema, literal) => {
      const original = version1.sql(schema, literal);
      const start = original.indexOf(`CREATE FUNCTION ${schema}.append_events(`);
      if (start === -1 || !original.includes(AFTER_INSERT)) throw new Error("the append function's text is not as version 2 expects");
      const schemaName = schema.slice(1, -1).replaceAll('""', '"');
      const append = original
        .slice(start)
        .replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
        .replace(
          AFTER_INSERT,
          `    WHERE plan_outcome[e.w + 1] = 'appended';\n\n` +
            `    -- Wakes listening subscriptions when this transaction commits; PostgreSQL merges duplicates.\n` +
            `    PERFORM pg_notify(${quoteLiteral(notificationChannel(schemaName))}, last_number::text);\n  END IF;\n`,
        );
      return `
-- How far each subscription (each share of a consumer group) has got. Written with compare-and-set only.
CREATE TABLE ${schema}.subscription_checkpoints (
  subscription text NOT NULL,
  share integer NOT NULL,
  position bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT subscription_checkpoints_pkey PRIMARY KEY (subscription, share)
);

-- Events a subscription's handler kept failing on; the event as stored, in "json" so its text round-trips.
CREATE TABLE ${schema}.subscription_parked (
  subscription text NOT NULL,
  event_id text NOT NULL,
  sequence_number bigint NOT NULL,
  event json NOT NULL,
  error_name text NOT NULL,
  error_message text NOT NULL,
  attempts integer NOT NULL,
  parked_at timestamptz NOT NULL,
  CONSTRAINT subscription_parked_pkey PRIMARY KEY (subscription, event_id)
);
CREATE INDEX subscription_parked_sequence_idx ON ${schema}.subscription_parked (subscription, sequence_number);

-- Who holds each share of a consumer group. A released lease keeps its row (member NULL), so epochs only increase.
CREATE TABLE ${schema}.subscription_leases (
  subscription text NOT NULL,
  share integer NOT NULL,
  member text,
  epoch bigint NOT NULL,
  expires_at timestamptz NOT NULL,
  CONSTRAINT subscription_leases_pkey PRIMARY KEY (subscription, share)
);

-- Which members of a consumer group are live, by the database's clock.
CREATE TABLE ${schema}.subscription_heartbeats (
  subscription text NOT NULL,
  member text NOT NULL,
  expires_at timestamptz NOT NULL,
  CONSTRAINT subscription_heartbeats_pkey PRIMARY KEY (subscription, member)
);

${append}`;
    },
  };
}
