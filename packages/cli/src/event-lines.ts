import type { JsonObject, JsonValue, StoredEvent } from "@chronicle/core";
import { CliError } from "./cli-error.js";

/**
 * One event as a line of NDJSON: every field of a `StoredEvent`, the sequence
 * number as a decimal string (JSON has no bigint) and dates as ISO 8601 with
 * milliseconds, so an export read back gives the same events exactly.
 */
export interface EventLine {
  sequenceNumber: string;
  id: string;
  category: string;
  stream: string;
  position: number;
  name: string;
  payload: JsonValue;
  metadata: JsonObject;
  occurredAt: string;
  observedAt: string;
}

/** The event as one line of NDJSON, without the newline. */
export function encodeEvent(event: StoredEvent): string {
  const line: EventLine = {
    sequenceNumber: event.sequenceNumber.toString(),
    id: event.id,
    category: event.category,
    stream: event.stream,
    position: event.position,
    name: event.name,
    payload: event.payload,
    metadata: event.metadata,
    occurredAt: event.occurredAt.toISOString(),
    observedAt: event.observedAt.toISOString(),
  };
  return JSON.stringify(line);
}

/** Reads one line of an export back; `where` names the file and line for messages. */
export function decodeEvent(text: string, where: string): StoredEvent {
  let line: Partial<Record<keyof EventLine, unknown>>;
  try {
    line = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${where}: not a JSON line (${(error as Error).message})`);
  }
  const fail = (field: string): never => {
    throw new CliError(`${where}: ${field} is missing or not valid; is this a file written by chronicle export?`);
  };
  if (typeof line !== "object" || line === null) fail("the event");
  const text_ = (field: keyof EventLine) => (typeof line[field] === "string" && line[field] !== "" ? (line[field] as string) : fail(field));
  const date = (field: "occurredAt" | "observedAt") => {
    const value = new Date(text_(field));
    return Number.isNaN(value.getTime()) ? fail(field) : value;
  };
  const sequence = text_("sequenceNumber");
  if (!/^[1-9]\d*$/.test(sequence)) fail("sequenceNumber");
  const position = line.position;
  if (typeof position !== "number" || !Number.isSafeInteger(position) || position < 0) fail("position");
  const metadata = line.metadata;
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) fail("metadata");
  if (!("payload" in line)) fail("payload");
  return {
    sequenceNumber: BigInt(sequence),
    id: text_("id"),
    category: text_("category"),
    stream: text_("stream"),
    position: position as number,
    name: text_("name"),
    payload: line.payload as JsonValue,
    metadata: metadata as JsonObject,
    occurredAt: date("occurredAt"),
    observedAt: date("observedAt"),
  };
}
