import { InvalidInputError } from "../errors.js";
import type { Projection } from "../projections/projection.js";
import { describeValue } from "../validation.js";
import { compareCodePoints } from "./compare-strings.js";
import type { JsonScalar } from "./filters.js";
import { normalisePath } from "./normalise-path.js";
import { readProjectionPath } from "./read-path.js";
import type { SortValue } from "./sort-values.js";
import type { NormalisedSort } from "./sorting.js";

/** Checks sort keys and normalises their paths. Throws `INVALID_INPUT` for a bad key. */
export function normaliseSort(sort: unknown): NormalisedSort[] {
  if (sort === undefined) return [];
  if (!Array.isArray(sort)) throw new InvalidInputError(`sort takes an array of asc(path) / desc(path), got ${describeValue(sort)}`);
  return Array.from(sort, (key) => {
    const { path, direction } = (key ?? {}) as { path?: unknown; direction?: unknown };
    if (direction !== "asc" && direction !== "desc") {
      throw new InvalidInputError(`a sort key must be built with asc(path) or desc(path), got ${describeValue(key)}`);
    }
    return { path: normalisePath(path), direction };
  });
}

/** The sort value of a projection at one key: the scalar there, or `null` for missing, arrays and objects. */
export function sortValueOf(projection: Projection, path: NormalisedSort["path"]): SortValue {
  const value = readProjectionPath(projection, path);
  return value === null || typeof value === "object" || value === undefined ? null : value;
}

/** The sort values of a projection, one per key. */
export function sortValuesOf(projection: Projection, sort: readonly NormalisedSort[]): SortValue[] {
  return sort.map((key) => sortValueOf(projection, key.path));
}

const RANK = { number: 0, string: 1, boolean: 2 } as Record<string, number>;

/**
 * Compares two sort values in ascending order: numbers (numerically) < strings
 * (by code point) < booleans (`false < true`) < `null`.
 */
export function compareSortValues(left: JsonScalar, right: JsonScalar): number {
  const leftRank = left === null ? 3 : (RANK[typeof left] as number);
  const rightRank = right === null ? 3 : (RANK[typeof right] as number);
  if (leftRank !== rightRank) return leftRank < rightRank ? -1 : 1;
  if (typeof left === "number") return Math.sign(left - (right as number));
  if (typeof left === "string") return compareCodePoints(left, right as string);
  if (typeof left === "boolean") return left === right ? 0 : left ? 1 : -1;
  return 0;
}

/** Compares two lists of sort values under the keys' directions. */
export function compareSortKeys(left: readonly SortValue[], right: readonly SortValue[], sort: readonly NormalisedSort[]): number {
  for (const [index, key] of sort.entries()) {
    const order = compareSortValues(left[index] ?? null, right[index] ?? null);
    if (order !== 0) return key.direction === "asc" ? order : -order;
  }
  return 0;
}

/** A comparator of projections in the order of `sort` (give it the tie-breakers too for a total order). */
export function compareProjections(sort: readonly NormalisedSort[]): (left: Projection, right: Projection) => number {
  return (left, right) => compareSortKeys(sortValuesOf(left, sort), sortValuesOf(right, sort), sort);
}

/** The keys every search ends with, so the order is total: `name`, then `id`, ascending. */
export const TIE_BREAKERS: readonly NormalisedSort[] = [
  { path: { root: "name", segments: [] }, direction: "asc" },
  { path: { root: "id", segments: [] }, direction: "asc" },
];
