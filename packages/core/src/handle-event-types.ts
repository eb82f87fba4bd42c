import type { ScanOptions, StreamWrite } from "./adapter.js";
import type { EventMap, EventNameOf, NewEvent, NewEventOf, StoredEvent, StoredEventOf } from "./events.js";
import type { JsonValue } from "./json.js";

/**
 * The event map of a store or handle given none: any name, any JSON payload.
 * Handles with it read `StoredEvent` and publish `NewEvent`, exactly as untyped code always has.
 */
export type UntypedEvents = Record<string, JsonValue>;

/**
 * A map with a string index signature (such as `UntypedEvents`) names no events
 * in particular, so handles typed with it stay untyped.
 */
type IsUntyped<Events extends EventMap> = string extends keyof Events ? true : false;

/**
 * What a handle typed by `Events` reads: `StoredEventOf<Events>`, a union
 * discriminated by `name`, or `StoredEvent<Payload>` when the handle is untyped.
 */
export type StoredEventFor<Events extends EventMap, Payload extends JsonValue = JsonValue> =
  IsUntyped<Events> extends true ? StoredEvent<Payload> : StoredEventOf<Events>;

/**
 * What a handle typed by `Events` publishes: `NewEventOf<Events>` (only the
 * map's names, each with its payload type), or `NewEvent<Payload>` when the handle is untyped.
 */
export type NewEventFor<Events extends EventMap, Payload extends JsonValue = JsonValue> =
  IsUntyped<Events> extends true ? NewEvent<Payload> : NewEventOf<Events>;

/** A write of `EventStore.publish` on a store typed by `Events`: its events are the map's. */
export type StreamWriteFor<Events extends EventMap> =
  IsUntyped<Events> extends true ? StreamWrite : Omit<StreamWrite, "events"> & { events: readonly NewEventOf<Events>[] };

/** Scan options of a handle typed by `Events`: `names` lists only the map's names. */
export type ScanOptionsFor<Events extends EventMap> =
  IsUntyped<Events> extends true ? ScanOptions : Omit<ScanOptions, "names"> & { names?: readonly EventNameOf<Events>[] };
