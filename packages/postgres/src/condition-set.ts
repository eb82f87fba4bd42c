import type { WriteCondition } from "@chronicle/core";

/**
 * A write condition as the set of stream states it accepts. Conditions have no
 * negation, so every one reduces to: the empty stream or not, and any latest
 * position or only some. The append function checks this in one expression.
 */
export interface ConditionSet {
  /** Holds for an empty stream. */
  readonly empty: boolean;
  /** Holds for any latest position. */
  readonly anyPosition: boolean;
  /** Otherwise, the latest positions it holds for. */
  readonly positions: readonly number[];
}

const EVERYTHING: ConditionSet = { empty: true, anyPosition: true, positions: [] };
const NOTHING: ConditionSet = { empty: false, anyPosition: false, positions: [] };

/** Reduces a (validated) condition to the set of stream states it accepts. */
export function conditionSet(condition: WriteCondition): ConditionSet {
  switch (condition.type) {
    case "noCondition":
      return EVERYTHING;
    case "streamIsEmpty":
      return { empty: true, anyPosition: false, positions: [] };
    case "streamExists":
      return { empty: false, anyPosition: true, positions: [] };
    case "positionIs":
      return { empty: false, anyPosition: false, positions: [condition.position] };
    case "allOf":
      return condition.conditions.map(conditionSet).reduce(intersect, EVERYTHING);
    case "anyOf":
      return condition.conditions.map(conditionSet).reduce(unite, NOTHING);
  }
}

function intersect(left: ConditionSet, right: ConditionSet): ConditionSet {
  const positions = left.anyPosition
    ? right.positions
    : right.anyPosition
      ? left.positions
      : left.positions.filter((position) => right.positions.includes(position));
  return { empty: left.empty && right.empty, anyPosition: left.anyPosition && right.anyPosition, positions };
}

function unite(left: ConditionSet, right: ConditionSet): ConditionSet {
  const anyPosition = left.anyPosition || right.anyPosition;
  return {
    empty: left.empty || right.empty,
    anyPosition,
    positions: anyPosition ? [] : [...new Set([...left.positions, ...right.positions])],
  };
}
