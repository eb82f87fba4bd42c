import type { EventTarget, JsonValue, PreparedProjection, Projection } from "@chronicle/core";

type RecordTuple = [string, string, EventTarget, number, string | null, number, number | null, JsonValue];

/**
 * A projection as the one string Redis keeps: a JSON array
 * `[name, id, source, version, position, eventCount, updatedAtMs, state]`, with
 * the position as a decimal string (a bigint) or `null`, the date in
 * milliseconds or `null`, and the state's JSON text spliced in as it was
 * serialised once.
 */
export function encodeProjection(projection: PreparedProjection): string {
  const position = projection.position === undefined ? "null" : `"${projection.position}"`;
  const updatedAt = projection.updatedAt === undefined ? "null" : String(projection.updatedAt.getTime());
  return `[${JSON.stringify(projection.name)},${JSON.stringify(projection.id)},${JSON.stringify(projection.source)},${projection.version},${position},${projection.eventCount},${updatedAt},${projection.stateJson}]`;
}

/** Reads what `encodeProjection` wrote. */
export function decodeProjection(record: string): Projection {
  const [name, id, source, version, position, eventCount, updatedAt, state] = JSON.parse(record) as RecordTuple;
  return {
    name,
    id,
    source,
    state,
    version,
    position: position === null ? undefined : BigInt(position),
    eventCount,
    updatedAt: updatedAt === null ? undefined : new Date(updatedAt),
  };
}
