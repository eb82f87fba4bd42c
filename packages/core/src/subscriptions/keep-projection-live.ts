import { InvalidInputError } from "../errors.js";
import type { EventStore } from "../event-store.js";
import type { EventMap } from "../events.js";
import type { UntypedEvents } from "../handle-event-types.js";
import { type EventTarget, streamIdentifier } from "../identifiers.js";
import type { JsonValue } from "../json.js";
import type { SnapshotStore } from "../projections/project-options.js";
import type { Projector } from "../projections/projector.js";
import type { SubscribeOptions, SubscriptionSource } from "./subscribe-options.js";
import type { Subscription } from "./subscription.js";

/** Options of `keepProjectionLive`. */
export interface KeepProjectionLiveOptions<State extends JsonValue, Events extends EventMap = UntypedEvents>
  extends Omit<SubscribeOptions<Events>, "name" | "handler" | "transactional" | "names"> {
  /** The store to subscribe to. */
  store: EventStore<Events>;
  /** The projector to keep up to date. */
  projector: Projector<State, Events>;
  /** Where the projections are kept (a `ProjectionStore`). */
  projections: SnapshotStore;
  /**
   * `"source"` (default): one projection of the whole source. `"stream"`: one
   * projection per stream the source's events come from, with the projector's id for that stream.
   */
  per?: "source" | "stream";
  /** The subscription's name; default `projection:<projector name>`. */
  name?: string;
}

/**
 * Keeps the projections of `projector` over `source` up to date in a projection
 * store, from a subscription: each event brings the projection it belongs to up
 * to date by `projector.project({ source, store })`, which continues from the
 * stored projection's position. A repeated event (after a crash) therefore
 * changes nothing, and the stored state is always what a full fold would give.
 */
export function keepProjectionLive<State extends JsonValue, Events extends EventMap = UntypedEvents>(
  options: KeepProjectionLiveOptions<State, Events>,
): Subscription {
  const { store, projector, projections, per = "source", name, ...subscription } = options;
  if (per !== "source" && per !== "stream") throw new InvalidInputError(`per must be "source" or "stream", got ${String(per)}`);
  const target = targetOf(subscription.source);
  return store.subscribe({
    ...subscription,
    name: name ?? `projection:${projector.name}`,
    handler: async (event) => {
      const source: EventTarget = per === "stream" ? streamIdentifier(event.category, event.stream) : target;
      await projector.project({ source, events: store as never, store: projections });
    },
  });
}

function targetOf(source: SubscriptionSource): EventTarget {
  return typeof source === "object" && source !== null && "target" in source ? source.target : (source as EventTarget);
}
