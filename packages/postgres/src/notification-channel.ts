import { createHash } from "node:crypto";

/** PostgreSQL keeps 63 bytes of a channel name and refuses longer ones. */
const MAX_CHANNEL_BYTES = 63;

/**
 * The `LISTEN/NOTIFY` channel on which appends to `schema` are announced:
 * `<schema>.events`, or, when that is longer than PostgreSQL allows,
 * `chronicle.events.` and a hash of the schema name.
 */
export function notificationChannel(schema: string): string {
  const plain = `${schema}.events`;
  if (Buffer.byteLength(plain) <= MAX_CHANNEL_BYTES) return plain;
  return `chronicle.events.${createHash("sha256").update(schema).digest("hex").slice(0, 40)}`;
}
