import { InvalidInputError } from "../errors.js";
import type { EventMap, StoredEvent } from "../events.js";
import type { UntypedEvents } from "../handle-event-types.js";
import { describeTarget, type EventTarget } from "../identifiers.js";
import type { JsonValue } from "../json.js";
import { describeValue, validateName } from "../validation.js";
import { type Fold, project } from "./project.js";
import type { Projector, ProjectorDefinition, UnknownEvents } from "./projector.js";

const UNKNOWN_EVENTS: readonly UnknownEvents[] = ["ignore", "reject"];

/**
 * Defines a projector: handlers keyed by event name fold events into a JSON
 * state. Typed by an event map, each handler sees its own event's payload type.
 *
 * ```ts
 * const profiles = defineProjector<Profile, ProfileEvents>({
 *   name: "profile",
 *   initialState: () => ({}),
 *   handlers: { "profile-created": (state, event) => ({ ...state, name: event.payload.name }) },
 * });
 * const joe = await profiles.project({ source: store.stream("profiles", "joe") });
 * ```
 *
 * Throws `INVALID_INPUT` when the definition is malformed.
 */
export function defineProjector<State extends JsonValue, Events extends EventMap = UntypedEvents>(
  definition: ProjectorDefinition<State, Events>,
): Projector<State, Events> {
  if (typeof definition !== "object" || definition === null) {
    throw new InvalidInputError(`defineProjector needs a definition object, got ${describeValue(definition)}`);
  }
  const name = validateName(definition.name, "projector name");
  const what = `projector ${JSON.stringify(name)}`;
  const version = definition.version ?? 1;
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new InvalidInputError(`${what}: version must be a positive integer, got ${describeValue(version)}`);
  }
  const initialState = definition.initialState;
  if (typeof initialState !== "function") {
    throw new InvalidInputError(`${what}: initialState must be a function returning the state, got ${describeValue(initialState)}`);
  }
  const id = definition.id ?? defaultId;
  if (typeof id !== "function") {
    throw new InvalidInputError(`${what}: id must be a function of the source, got ${describeValue(id)}`);
  }
  const unknownEvents = definition.unknownEvents ?? "ignore";
  if (!UNKNOWN_EVENTS.includes(unknownEvents)) {
    throw new InvalidInputError(`${what}: unknownEvents must be "ignore" or "reject", got ${describeValue(unknownEvents)}`);
  }
  const handlers = readHandlers<State>(definition.handlers, what);
  const rejectUnknown = unknownEvents === "reject";

  // The hot path of every fold: one map lookup and one call per event.
  const apply = (state: State, event: StoredEvent): State => {
    const handler = handlers.get(event.name);
    if (handler === undefined) {
      if (rejectUnknown) {
        throw new InvalidInputError(
          `${what} has no handler for event ${JSON.stringify(event.name)} (${event.category}/${event.stream} at position ${event.position}) and rejects unknown events`,
        );
      }
      return state;
    }
    const next: State | undefined = handler(state, event);
    if (next === undefined) {
      throw new InvalidInputError(`${what}: the handler of ${JSON.stringify(event.name)} returned undefined instead of the new state`);
    }
    return next;
  };

  const fold: Fold<State> = {
    name,
    version,
    what,
    initialState: () => initialState(),
    id: (source) => validateName(id(source), () => `the id ${what} gives ${describeTarget(source)}`),
    apply,
    // Without a handler an event changes nothing, so a fold that ignores them need not read them.
    names: rejectUnknown ? undefined : [...handlers.keys()],
  };

  return Object.freeze({
    name,
    version,
    unknownEvents,
    initialState: fold.initialState,
    id: fold.id,
    apply: (state: State, event: StoredEvent): State => {
      if (typeof event !== "object" || event === null || typeof event.name !== "string") {
        throw new InvalidInputError(`${what}: apply needs a stored event, got ${describeValue(event)}`);
      }
      return apply(state, event);
    },
    project: (options) => project<State>(fold, options),
  } satisfies Projector<State, Events> as Projector<State, Events>);
}

/** The id of a projection by default: the stream name, the category name, or `"log"`. */
function defaultId(source: EventTarget): string {
  switch (source.type) {
    case "stream":
      return source.stream;
    case "category":
      return source.category;
    case "log":
      return "log";
  }
}

type AnyHandler<State> = (state: State, event: StoredEvent) => State;

/** The handlers as a map, so event names such as `"constructor"` or `"__proto__"` are looked up safely. */
function readHandlers<State>(handlers: unknown, what: string): Map<string, AnyHandler<State>> {
  if (typeof handlers !== "object" || handlers === null || Array.isArray(handlers)) {
    throw new InvalidInputError(`${what}: handlers must be an object of functions keyed by event name, got ${describeValue(handlers)}`);
  }
  const map = new Map<string, AnyHandler<State>>();
  for (const eventName of Object.keys(handlers)) {
    validateName(eventName, () => `${what}: the handler name ${JSON.stringify(eventName)}`);
    const handler = (handlers as Record<string, unknown>)[eventName];
    // An optional handler left undefined is no handler.
    if (handler === undefined) continue;
    if (typeof handler !== "function") {
      throw new InvalidInputError(`${what}: the handler of ${JSON.stringify(eventName)} must be a function, got ${describeValue(handler)}`);
    }
    map.set(eventName, handler as AnyHandler<State>);
  }
  return map;
}
