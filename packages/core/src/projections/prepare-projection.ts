import { InvalidInputError } from "../errors.js";
import type { EventTarget } from "../identifiers.js";
import { describeValue, validateDate, validateJson, validateName, validateTarget } from "../validation.js";
import type { PreparedProjection } from "./projection.js";

/**
 * Checks a projection fully and returns a copy with its state serialised, as
 * adapters receive it: name and id as names are, the source a target, the state
 * JSON, the version a positive integer, the position a non-negative bigint or
 * `undefined`, the event count a non-negative integer, `updatedAt` a valid date
 * or `undefined`. Throws `INVALID_INPUT` otherwise, before anything is stored.
 */
export function prepareProjection(projection: unknown): PreparedProjection {
  if (typeof projection !== "object" || projection === null) {
    throw new InvalidInputError(`a projection must be an object, got ${describeValue(projection)}`);
  }
  const candidate = projection as Record<string, unknown>;
  const name = validateName(candidate.name, "projection name");
  const id = validateName(candidate.id, "projection id");
  const source = copyTarget(validateTarget(candidate.source, "projection source"));
  const state = validateJson(candidate.state, "projection state");
  const { version, position, eventCount, updatedAt } = candidate;
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 1) {
    throw new InvalidInputError(`projection version must be a positive integer, got ${describeValue(version)}`);
  }
  if (position !== undefined && (typeof position !== "bigint" || position < 0n)) {
    throw new InvalidInputError(`projection position must be a non-negative bigint or undefined, got ${describeValue(position)}`);
  }
  if (typeof eventCount !== "number" || !Number.isSafeInteger(eventCount) || eventCount < 0) {
    throw new InvalidInputError(`projection eventCount must be a non-negative integer, got ${describeValue(eventCount)}`);
  }
  const stateJson = JSON.stringify(state);
  return {
    name,
    id,
    source,
    state: JSON.parse(stateJson),
    stateJson,
    version,
    position: position as bigint | undefined,
    eventCount,
    updatedAt: updatedAt === undefined ? undefined : validateDate(updatedAt, "projection updatedAt"),
  };
}

function copyTarget(target: EventTarget): EventTarget {
  switch (target.type) {
    case "log":
      return { type: "log" };
    case "category":
      return { type: "category", category: target.category };
    case "stream":
      return { type: "stream", category: target.category, stream: target.stream };
  }
}

/**
 * Whether saving `incoming` over `stored` would move the projection backwards:
 * a lower version, or the same version and an earlier position (`undefined`
 * counts as before every position). The rule `save` applies atomically.
 */
export function isOlderProjection(
  incoming: { version: number; position: bigint | undefined },
  stored: { version: number; position: bigint | undefined },
): boolean {
  if (incoming.version !== stored.version) return incoming.version < stored.version;
  return (incoming.position ?? -1n) < (stored.position ?? -1n);
}
