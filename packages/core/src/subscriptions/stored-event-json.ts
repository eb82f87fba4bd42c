import type { StoredEvent } from "../events.js";

/**
 * A stored event as JSON text, for storages that keep whole events aside (such
 * as parked events): the sequence number as a decimal string and the dates as
 * milliseconds, so `storedEventFromJson` gives back the same event exactly.
 */
export function storedEventToJson(event: StoredEvent): string {
  return JSON.stringify({
    id: event.id,
    name: event.name,
    category: event.category,
    stream: event.stream,
    position: event.position,
    sequenceNumber: event.sequenceNumber.toString(),
    payload: event.payload,
    metadata: event.metadata,
    occurredAt: event.occurredAt.getTime(),
    observedAt: event.observedAt.getTime(),
  });
}

/** The event `storedEventToJson` wrote. */
export function storedEventFromJson(text: string): StoredEvent {
  const stored = JSON.parse(text) as Omit<StoredEvent, "sequenceNumber" | "occurredAt" | "observedAt"> & {
    sequenceNumber: string;
    occurredAt: number;
    observedAt: number;
  };
  return {
    id: stored.id,
    name: stored.name,
    category: stored.category,
    stream: stored.stream,
    position: stored.position,
    sequenceNumber: BigInt(stored.sequenceNumber),
    payload: stored.payload,
    metadata: stored.metadata,
    occurredAt: new Date(stored.occurredAt),
    observedAt: new Date(stored.observedAt),
  };
}
