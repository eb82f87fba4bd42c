import type { JsonValue } from "../json.js";
import type { Projection } from "../projections/projection.js";
import { compareCodePoints } from "./compare-strings.js";
import type { JsonScalar, NormalisedFilter } from "./filters.js";
import { portableRegExp } from "./portable-regex.js";
import { readProjectionPath } from "./read-path.js";

/** Compiled regular expressions, per filter node, so a search compiles each once. */
const compiled = new WeakMap<object, RegExp>();

/**
 * Whether a normalised filter matches a projection: the reference semantics
 * every adapter follows, exported so adapter authors can check themselves.
 *
 * A missing path reads as `null`: `eq(p, null)` matches null and missing.
 * Equality and comparisons never cross JSON types; numbers compare
 * numerically, strings by code point. `contains` matches an array with an
 * element equal to the value, or a string containing the string value.
 * `exists` matches a present path, even one holding `null`. `matches`
 * evaluates with `portableRegExp`, as PostgreSQL's `~` / `~*` do.
 */
export function evaluateFilter(filter: NormalisedFilter, projection: Projection): boolean {
  switch (filter.op) {
    case "and":
      return filter.filters.every((inner) => evaluateFilter(inner, projection));
    case "or":
      return filter.filters.some((inner) => evaluateFilter(inner, projection));
    case "not":
      return !evaluateFilter(filter.filter, projection);
    case "exists":
      return readProjectionPath(projection, filter.path) !== undefined;
    default:
      return evaluateAt(filter, readProjectionPath(projection, filter.path));
  }
}

function evaluateAt(filter: Exclude<NormalisedFilter, { op: "and" | "or" | "not" | "exists" }>, value: JsonValue | undefined): boolean {
  switch (filter.op) {
    case "eq":
      return scalarEquals(value, filter.value);
    case "in":
      return filter.values.some((candidate) => scalarEquals(value, candidate));
    case "contains":
      if (Array.isArray(value)) return value.some((element) => element !== undefined && scalarEquals(element, filter.value, false));
      return typeof value === "string" && typeof filter.value === "string" && value.includes(filter.value);
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      if (typeof value !== typeof filter.value) return false;
      const order =
        typeof value === "number"
          ? Math.sign(value - (filter.value as number))
          : compareCodePoints(value as string, filter.value as string);
      return filter.op === "gt" ? order > 0 : filter.op === "gte" ? order >= 0 : filter.op === "lt" ? order < 0 : order <= 0;
    }
    case "startsWith":
      return typeof value === "string" && value.startsWith(filter.prefix);
    case "matches": {
      if (typeof value !== "string") return false;
      let regex = compiled.get(filter);
      if (regex === undefined) {
        regex = portableRegExp(filter.pattern, filter.flags);
        compiled.set(filter, regex);
      }
      return regex.test(value);
    }
  }
}

/** Equality of a JSON value with a scalar, same type only; `null` also equals a missing value unless `missingIsNull` is false. */
function scalarEquals(value: JsonValue | undefined, scalar: JsonScalar, missingIsNull = true): boolean {
  if (scalar === null) return value === null || (missingIsNull && value === undefined);
  return value === scalar;
}
