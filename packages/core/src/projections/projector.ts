import type { EventMap, EventNameOf, StoredEvent } from "../events.js";
import type { StoredEventFor, UntypedEvents } from "../handle-event-types.js";
import type { EventTarget } from "../identifiers.js";
import type { JsonValue } from "../json.js";
import type { ProjectOptions } from "./project-options.js";
import type { Projection } from "./projection.js";

/**
 * What a projector does with an event it has no handler for: `"ignore"` leaves
 * the state as it is, `"reject"` fails with `INVALID_INPUT` naming the event.
 */
export type UnknownEvents = "ignore" | "reject";

/** The stored event a handler of `Name` receives: its `name` is `Name` and its `payload` that name's payload type. */
export type ProjectorEvent<Events extends EventMap, Name extends EventNameOf<Events>> = Omit<StoredEvent, "name" | "payload"> & {
  name: Name;
  payload: Events[Name];
};

/** Folds one event into the state: returns the new state (a new object, or the same one changed). */
export type ProjectorHandler<State, Event> = (state: State, event: Event) => State;

/**
 * Handlers keyed by event name, each typed by that name's payload. A name the
 * event map does not have is a compile error; names without a handler are
 * treated as `unknownEvents` says.
 */
export type ProjectorHandlers<State, Events extends EventMap = UntypedEvents> = string extends keyof Events
  ? // Untyped: any name, any stored event.
    { readonly [name: string]: ProjectorHandler<State, StoredEvent> | undefined }
  : { readonly [Name in EventNameOf<Events>]?: ProjectorHandler<State, ProjectorEvent<Events, Name>> };

/** What `defineProjector` takes. */
export interface ProjectorDefinition<State extends JsonValue, Events extends EventMap = UntypedEvents> {
  /** Names the projections this projector produces; they are stored under it. */
  name: string;
  /** A positive integer, default 1. Bump it when handlers change meaning: projections of another version are folded again from the start. */
  version?: number;
  /** The state before any event: called afresh for every fold from the start. */
  initialState: () => State;
  /** Handlers keyed by event name. */
  handlers: ProjectorHandlers<NoInfer<State>, NoInfer<Events>>;
  /** The id of the projection of a source. Default: the stream name, the category name, or `"log"`. */
  id?: (source: EventTarget) => string;
  /** What to do with an event that has no handler. Default `"ignore"`. */
  unknownEvents?: UnknownEvents;
}

/**
 * Folds events into a JSON state: made by `defineProjector`. Its methods do not
 * depend on `this`, so `events.reduce(projector.apply, state)` works.
 */
export interface Projector<State extends JsonValue = JsonValue, Events extends EventMap = UntypedEvents> {
  /** The projector's name: the name of every projection it produces. */
  readonly name: string;
  /** The projector's version, recorded in every projection it produces. */
  readonly version: number;
  /** What it does with events that have no handler. */
  readonly unknownEvents: UnknownEvents;
  /** The state before any event. */
  initialState(): State;
  /** The id of the projection of `source`. */
  id(source: EventTarget): string;
  /**
   * Folds one event into `state`, synchronously, and returns the new state. An
   * event without a handler returns `state` unchanged, or throws `INVALID_INPUT`
   * when `unknownEvents` is `"reject"`; a handler's error is thrown as it is.
   */
  apply(state: State, event: StoredEventFor<Events> | StoredEvent): State;
  /**
   * Folds a log, category or stream into a projection, page by page: from the
   * start, after `from`, or after the snapshot in `store`, saving it again.
   */
  project(options: ProjectOptions<State>): Promise<Projection<State>>;
}
