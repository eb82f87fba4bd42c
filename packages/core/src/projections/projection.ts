import type { EventTarget } from "../identifiers.js";
import type { JsonValue } from "../json.js";

/**
 * The state a projector folded from a source, with where it got to. A snapshot
 * is a projection kept in a projection store.
 */
export interface Projection<State extends JsonValue = JsonValue> {
  /** The projector's name. */
  name: string;
  /** Which projection of that name: by default the stream name, the category name, or `"log"`. */
  id: string;
  /** The log, category or stream folded. */
  source: EventTarget;
  /** The folded state. */
  state: State;
  /** The projector's version that produced it. */
  version: number;
  /** `sequenceNumber` of the last event folded; `undefined` when none was. */
  position: bigint | undefined;
  /** Events folded since the initial state. */
  eventCount: number;
  /** `observedAt` of the last event folded; `undefined` when none was. */
  updatedAt: Date | undefined;
}

/** What identifies a stored projection: its name and id. */
export interface ProjectionKey {
  name: string;
  id: string;
}

/** A validated projection with its state already serialised, as handed to a projection storage adapter. */
export interface PreparedProjection extends Projection {
  /** `JSON.stringify(state)`. */
  readonly stateJson: string;
}
