import type { JsonObject, JsonValue, StoredEvent } from "@chronicle/core";

/**
 * The columns every read selects, in the order `toStoredEvent` expects. Dates
 * travel as epoch milliseconds, which is exact for every date PostgreSQL keeps
 * and cheaper to parse than timestamp text.
 */
export const EVENT_COLUMNS =
  "sequence_number, id, name, category, stream, position, payload, metadata, " +
  "(extract(epoch FROM occurred_at) * 1000)::bigint AS occurred_ms, (extract(epoch FROM observed_at) * 1000)::bigint AS observed_ms";

/** One row of `EVENT_COLUMNS` in array mode, every value as the server's text. */
export type EventRow = [string, string, string, string, string, string, string, string, string, string];

/** Reads every column as raw text, whatever type parsers the user's pool is set up with. */
export const RAW_TEXT = { getTypeParser: () => (value: string) => value };

/** Turns a row of `EVENT_COLUMNS` into the event it stores. */
export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    id: row[1],
    name: row[2],
    category: row[3],
    stream: row[4],
    position: Number(row[5]),
    sequenceNumber: BigInt(row[0]),
    payload: JSON.parse(row[6]) as JsonValue,
    metadata: JSON.parse(row[7]) as JsonObject,
    occurredAt: new Date(Number(row[8])),
    observedAt: new Date(Number(row[9])),
  };
}
