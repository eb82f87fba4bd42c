import { InvalidInputError } from "../errors.js";
import { describeValue } from "../validation.js";
import type { JsonScalar, NormalisedFilter } from "./filters.js";
import { normalisePath } from "./normalise-path.js";
import { checkPortableRegex } from "./portable-regex.js";

/** How deeply filters may nest. */
const MAX_FILTER_DEPTH = 64;

/**
 * Checks a filter and brings it to the form adapters receive: paths
 * normalised, `ne` rewritten as `not(eq)`, values and regular expressions
 * checked. Bad input throws `INVALID_INPUT` naming what is wrong.
 */
export function normaliseFilter(filter: unknown): NormalisedFilter {
  return normalise(filter, 0);
}

function normalise(filter: unknown, depth: number): NormalisedFilter {
  if (depth > MAX_FILTER_DEPTH) throw new InvalidInputError(`filters nest deeper than ${MAX_FILTER_DEPTH} levels`);
  if (typeof filter !== "object" || filter === null || Array.isArray(filter)) {
    throw new InvalidInputError(`a filter must be built with eq, ne, gt, … and, or, not; got ${describeValue(filter)}`);
  }
  const node = filter as Partial<Record<string, unknown>> & { op?: unknown };
  const op = node.op;
  switch (op) {
    case "eq":
    case "contains":
      return { op, path: normalisePath(node.path), value: scalar(node.value, op) };
    case "ne":
      return { op: "not", filter: { op: "eq", path: normalisePath(node.path), value: scalar(node.value, op) } };
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      const value = node.value;
      if (!(typeof value === "string" || (typeof value === "number" && Number.isFinite(value)))) {
        throw new InvalidInputError(`${op} compares with a finite number or a string, got ${describeValue(value)}`);
      }
      return { op, path: normalisePath(node.path), value };
    }
    case "in": {
      if (!Array.isArray(node.values))
        throw new InvalidInputError(`inArray takes an array of JSON scalars, got ${describeValue(node.values)}`);
      return { op, path: normalisePath(node.path), values: Array.from(node.values, (value) => scalar(value, "inArray")) };
    }
    case "startsWith": {
      if (typeof node.prefix !== "string")
        throw new InvalidInputError(`startsWith takes a string prefix, got ${describeValue(node.prefix)}`);
      return { op, path: normalisePath(node.path), prefix: node.prefix };
    }
    case "matches": {
      const { pattern, flags } = node;
      if (typeof pattern !== "string") throw new InvalidInputError(`matches takes a RegExp or a string, got ${describeValue(pattern)}`);
      if (flags !== "" && flags !== "i") {
        throw new InvalidInputError(
          `matches allows only the i flag, got ${describeValue(flags)}: other flags mean different things in each storage`,
        );
      }
      checkPortableRegex(pattern);
      return { op, path: normalisePath(node.path), pattern, flags };
    }
    case "exists":
      return { op, path: normalisePath(node.path) };
    case "and":
    case "or": {
      if (!Array.isArray(node.filters)) throw new InvalidInputError(`${op} takes filters, got ${describeValue(node.filters)}`);
      return { op, filters: Array.from(node.filters, (inner) => normalise(inner, depth + 1)) };
    }
    case "not":
      return { op, filter: normalise(node.filter, depth + 1) };
    default:
      throw new InvalidInputError(`unknown filter operator ${describeValue(op)}`);
  }
}

function scalar(value: unknown, op: string): JsonScalar {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  throw new InvalidInputError(`${op} takes a JSON scalar (string, finite number, boolean or null), got ${describeValue(value)}`);
}
