import type { JsonObject, JsonValue, PreparedEvent, StoredEvent, StreamIdentifier } from "@chronicle/core";

/**
 * The part of a stored record the client writes: everything after the
 * position (see `redis-scripts.ts`), the two dates and then the content. The
 * content is also what a retry is compared with, so a retried publish replays
 * only if it serialises its payload and metadata to the same JSON text (the
 * same values with keys in the same order).
 */
export function encodeTail(event: PreparedEvent, categoryJson: string, streamJson: string): string {
  return `${event.occurredAt.getTime()},${event.observedAt.getTime()},${JSON.stringify(event.name)},${JSON.stringify(event.id)},${categoryJson},${streamJson},${event.payloadJson},${event.metadataJson}]`;
}

/** The dates of a record, in milliseconds since the epoch. */
export function encodeDates(event: PreparedEvent): string {
  return `${event.occurredAt.getTime()},${event.observedAt.getTime()}`;
}

type RecordTuple = [number, number, number, number, string, string, string, string, JsonValue, JsonObject];

/** Reads records (nulls, which only a damaged store holds, are skipped). One `JSON.parse` each: faster than one over them joined. */
export function decodeRecords(records: readonly (string | null)[]): StoredEvent[] {
  const events: StoredEvent[] = [];
  for (const record of records) if (record !== null) events.push(toStoredEvent(JSON.parse(record) as RecordTuple));
  return events;
}

/** Reads one record. */
export function decodeRecord(record: string): StoredEvent {
  return toStoredEvent(JSON.parse(record) as RecordTuple);
}

/** The event an append stored, built from what was sent rather than read back. */
export function appendedEvent(event: PreparedEvent, target: StreamIdentifier, position: number, sequenceNumber: bigint): StoredEvent {
  return {
    id: event.id,
    name: event.name,
    category: target.category,
    stream: target.stream,
    position,
    sequenceNumber,
    // Parsed from the text, so the caller's objects are never shared with what is returned.
    payload: JSON.parse(event.payloadJson),
    // Most events carry no metadata: "{}" needs no parser.
    metadata: event.metadataJson === "{}" ? {} : JSON.parse(event.metadataJson),
    occurredAt: new Date(event.occurredAt.getTime()),
    observedAt: new Date(event.observedAt.getTime()),
  };
}

function toStoredEvent(record: RecordTuple): StoredEvent {
  return {
    id: record[5],
    name: record[4],
    category: record[6],
    stream: record[7],
    position: record[1],
    sequenceNumber: BigInt(record[0]),
    payload: record[8],
    metadata: record[9],
    occurredAt: new Date(record[2]),
    observedAt: new Date(record[3]),
  };
}
