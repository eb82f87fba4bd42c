import { InvalidInputError } from "./errors.js";

/**
 * A condition on the target stream, checked atomically with the write. Plain
 * data, so that every adapter can evaluate it where the data lives (in SQL, in a
 * Lua script, …).
 */
export type WriteCondition =
  | { readonly type: "noCondition" }
  | { readonly type: "streamIsEmpty" }
  | { readonly type: "streamExists" }
  | { readonly type: "positionIs"; readonly position: number }
  | { readonly type: "allOf"; readonly conditions: readonly WriteCondition[] }
  | { readonly type: "anyOf"; readonly conditions: readonly WriteCondition[] };

/** Always holds: the default. */
export function noCondition(): WriteCondition {
  return { type: "noCondition" };
}

/** Holds when the stream has no events. */
export function streamIsEmpty(): WriteCondition {
  return { type: "streamIsEmpty" };
}

/** Holds when the stream has at least one event. */
export function streamExists(): WriteCondition {
  return { type: "streamExists" };
}

/**
 * Holds when the stream's latest event is at `position` (0 for a stream of one
 * event). For "the stream is empty" use `streamIsEmpty()`.
 */
export function positionIs(position: number): WriteCondition {
  return { type: "positionIs", position };
}

/** Holds when every nested condition holds (and so always, with none). */
export function allOf(...conditions: WriteCondition[]): WriteCondition {
  return { type: "allOf", conditions };
}

/** Holds when at least one nested condition holds (and so never, with none). */
export function anyOf(...conditions: WriteCondition[]): WriteCondition {
  return { type: "anyOf", conditions };
}

/**
 * Whether `condition` holds for a stream whose latest event is `latest`
 * (`undefined` for an empty stream). For adapter authors.
 */
export function evaluateCondition(condition: WriteCondition, latest: Pick<{ position: number }, "position"> | undefined): boolean {
  return evaluateConditionAt(condition, latest?.position);
}

/**
 * Whether `condition` holds for a stream whose latest position is
 * `latestPosition` (`undefined` for an empty stream). For adapter authors.
 */
export function evaluateConditionAt(condition: WriteCondition, latestPosition: number | undefined): boolean {
  switch (condition.type) {
    case "noCondition":
      return true;
    case "streamIsEmpty":
      return latestPosition === undefined;
    case "streamExists":
      return latestPosition !== undefined;
    case "positionIs":
      return latestPosition === condition.position;
    case "allOf":
      return condition.conditions.every((nested) => evaluateConditionAt(nested, latestPosition));
    case "anyOf":
      return condition.conditions.some((nested) => evaluateConditionAt(nested, latestPosition));
  }
}

/** A readable form of a condition for messages, e.g. `anyOf(streamIsEmpty(), positionIs(3))`. */
export function describeCondition(condition: WriteCondition): string {
  switch (condition.type) {
    case "positionIs":
      return `positionIs(${condition.position})`;
    case "allOf":
    case "anyOf":
      return `${condition.type}(${condition.conditions.map(describeCondition).join(", ")})`;
    default:
      return `${condition.type}()`;
  }
}

const MAX_CONDITION_DEPTH = 32;

/**
 * Checks that `condition` is a well-formed condition and returns a frozen copy
 * of it, so that a caller mutating its object later cannot change a write.
 * Throws `INVALID_INPUT` otherwise.
 */
export function validateCondition(condition: unknown, path = "condition", depth = 0): WriteCondition {
  if (depth > MAX_CONDITION_DEPTH) {
    throw new InvalidInputError(`${path}: conditions nest deeper than ${MAX_CONDITION_DEPTH} levels`);
  }
  if (typeof condition !== "object" || condition === null) {
    throw new InvalidInputError(`${path}: expected a write condition such as positionIs(3), got ${String(condition)}`);
  }
  const candidate = condition as { type?: unknown; position?: unknown; conditions?: unknown };
  switch (candidate.type) {
    case "noCondition":
    case "streamIsEmpty":
    case "streamExists":
      return Object.freeze({ type: candidate.type });
    case "positionIs": {
      const position = candidate.position;
      if (typeof position !== "number" || !Number.isSafeInteger(position) || position < 0) {
        throw new InvalidInputError(
          `${path}: positionIs needs a non-negative integer position, got ${String(position)}` +
            (position === -1 ? " (use streamIsEmpty() for an empty stream)" : ""),
        );
      }
      return Object.freeze({ type: "positionIs", position });
    }
    case "allOf":
    case "anyOf": {
      if (!Array.isArray(candidate.conditions)) {
        throw new InvalidInputError(`${path}: ${candidate.type} needs an array of conditions`);
      }
      const conditions = Array.from(candidate.conditions as unknown[], (nested, index) =>
        validateCondition(nested, `${path}.conditions[${index}]`, depth + 1),
      );
      return Object.freeze({ type: candidate.type, conditions: Object.freeze(conditions) });
    }
    default:
      throw new InvalidInputError(`${path}: unknown condition type ${JSON.stringify(candidate.type)}`);
  }
}
