import type { NormalisedPath, ProjectionPath } from "./paths.js";

/** A JSON value that is not an array or object: what filters compare with. */
export type JsonScalar = null | boolean | number | string;

/**
 * A filter over projections: plain data, so every adapter can compile it where
 * the data lives. Build it with `eq`, `ne`, `gt`, … `and`, `or`, `not`.
 */
export type Filter =
  | { readonly op: "eq" | "ne" | "contains"; readonly path: ProjectionPath; readonly value: JsonScalar }
  | { readonly op: "gt" | "gte" | "lt" | "lte"; readonly path: ProjectionPath; readonly value: number | string }
  | { readonly op: "in"; readonly path: ProjectionPath; readonly values: readonly JsonScalar[] }
  | { readonly op: "startsWith"; readonly path: ProjectionPath; readonly prefix: string }
  | { readonly op: "matches"; readonly path: ProjectionPath; readonly pattern: string; readonly flags: "" | "i" }
  | { readonly op: "exists"; readonly path: ProjectionPath }
  | { readonly op: "and" | "or"; readonly filters: readonly Filter[] }
  | { readonly op: "not"; readonly filter: Filter };

/**
 * A filter after validation, as adapters receive it: paths normalised, `ne`
 * rewritten as `not(eq)`, the regular expression's source and flags checked.
 */
export type NormalisedFilter =
  | { readonly op: "eq" | "contains"; readonly path: NormalisedPath; readonly value: JsonScalar }
  | { readonly op: "gt" | "gte" | "lt" | "lte"; readonly path: NormalisedPath; readonly value: number | string }
  | { readonly op: "in"; readonly path: NormalisedPath; readonly values: readonly JsonScalar[] }
  | { readonly op: "startsWith"; readonly path: NormalisedPath; readonly prefix: string }
  | { readonly op: "matches"; readonly path: NormalisedPath; readonly pattern: string; readonly flags: "" | "i" }
  | { readonly op: "exists"; readonly path: NormalisedPath }
  | { readonly op: "and" | "or"; readonly filters: readonly NormalisedFilter[] }
  | { readonly op: "not"; readonly filter: NormalisedFilter };

/** Matches when the value at `path` equals `value` (same JSON type); `eq(path, null)` also matches a missing path. */
export function eq(path: ProjectionPath, value: JsonScalar): Filter {
  return { op: "eq", path, value };
}

/** Matches when `eq(path, value)` does not: exactly `not(eq(path, value))`. */
export function ne(path: ProjectionPath, value: JsonScalar): Filter {
  return { op: "ne", path, value };
}

/** Matches when the value at `path` is greater than `value`: numbers numerically, strings by code point, never across types. */
export function gt(path: ProjectionPath, value: number | string): Filter {
  return { op: "gt", path, value };
}

/** Matches when the value at `path` is greater than or equal to `value` (same type only). */
export function gte(path: ProjectionPath, value: number | string): Filter {
  return { op: "gte", path, value };
}

/** Matches when the value at `path` is less than `value` (same type only). */
export function lt(path: ProjectionPath, value: number | string): Filter {
  return { op: "lt", path, value };
}

/** Matches when the value at `path` is less than or equal to `value` (same type only). */
export function lte(path: ProjectionPath, value: number | string): Filter {
  return { op: "lte", path, value };
}

/** Matches when the value at `path` equals one of `values` (as `eq` does; an empty list matches nothing). */
export function inArray(path: ProjectionPath, values: readonly JsonScalar[]): Filter {
  return { op: "in", path, values };
}

/** Matches an array with an element equal to `value`, or a string containing the string `value`. */
export function contains(path: ProjectionPath, value: JsonScalar): Filter {
  return { op: "contains", path, value };
}

/** Matches a string starting with `prefix`. */
export function startsWith(path: ProjectionPath, prefix: string): Filter {
  return { op: "startsWith", path, prefix };
}

/**
 * Matches a string in which the regular expression finds a match. Only the `i`
 * flag is allowed (`u` and `s` are implied and dropped), and only the syntax
 * JavaScript shares with POSIX extended expressions, so every adapter evaluates
 * it the same way.
 */
export function matches(path: ProjectionPath, regex: RegExp | string): Filter {
  if (regex instanceof RegExp) {
    // Matching is always by code point with `.` matching newlines, so `u` and `s` add nothing.
    return { op: "matches", path, pattern: regex.source, flags: regex.flags.replace(/[su]/g, "") as "" | "i" };
  }
  return { op: "matches", path, pattern: regex, flags: "" };
}

/** Matches when the path is present, even if its value is `null`. */
export function exists(path: ProjectionPath): Filter {
  return { op: "exists", path };
}

/** Matches when every filter does (no filters: everything). */
export function and(...filters: Filter[]): Filter {
  return { op: "and", filters };
}

/** Matches when any filter does (no filters: nothing). */
export function or(...filters: Filter[]): Filter {
  return { op: "or", filters };
}

/** Matches when the filter does not. */
export function not(filter: Filter): Filter {
  return { op: "not", filter };
}
