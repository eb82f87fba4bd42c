import type { JsonObject, JsonValue } from "./json.js";

/** An event to publish. Only `name` and `payload` are required. */
export interface NewEvent<Payload extends JsonValue = JsonValue> {
  /** What happened, e.g. `"profile-created"`. Non-empty, at most 255 characters. */
  name: string;
  /** The event's data: any JSON value. */
  payload: Payload;
  /** Unique across the whole log. Defaults to a UUIDv7. Reusing it makes a retried publish idempotent. */
  id?: string;
  /** When it happened in the domain. Defaults to `observedAt`. */
  occurredAt?: Date;
  /** When the store learned of it. Defaults to the clock's now. */
  observedAt?: Date;
  /** Data about the event (correlation ids, actor, …). Defaults to `{}`. */
  metadata?: JsonObject;
}

/** An event as stored in the log. */
export interface StoredEvent<Payload extends JsonValue = JsonValue> {
  id: string;
  name: string;
  category: string;
  stream: string;
  /** 0, 1, 2, … within its stream, with no gaps. */
  position: number;
  /** Position in the whole log: unique, increasing in commit-visible order, starting above 0. */
  sequenceNumber: bigint;
  payload: Payload;
  metadata: JsonObject;
  occurredAt: Date;
  observedAt: Date;
}

/** A `NewEvent` with every default filled in: what an adapter stores. */
export interface CompleteNewEvent<Payload extends JsonValue = JsonValue> {
  id: string;
  name: string;
  payload: Payload;
  metadata: JsonObject;
  occurredAt: Date;
  observedAt: Date;
}

/**
 * Payload types keyed by event name, used to type handles and projectors:
 * `interface ProfileEvents { "profile-created": { name: string }; "email-changed": { email: string } }`.
 * Any object type whose values are the payload types will do.
 */
export type EventMap = object;

/** The event names of an event map. */
export type EventNameOf<Events extends EventMap> = keyof Events & string;

/**
 * A stored event of one of the map's names, as a union discriminated by `name`:
 * after `if (event.name === "profile-created")`, `event.payload` has that event's type.
 */
export type StoredEventOf<Events extends EventMap> = {
  [Name in EventNameOf<Events>]: Omit<StoredEvent, "name" | "payload"> & { name: Name; payload: Events[Name] };
}[EventNameOf<Events>];

/** An event to publish with one of the map's names and that name's payload type. */
export type NewEventOf<Events extends EventMap> = {
  [Name in EventNameOf<Events>]: Omit<NewEvent, "name" | "payload"> & { name: Name; payload: Events[Name] };
}[EventNameOf<Events>];
