import { InvalidInputError } from "../errors.js";
import type { NormalisedFilter } from "./filters.js";
import type { SortValue } from "./sort-values.js";
import type { NormalisedSort } from "./sorting.js";

/** What a cursor is tied to: the query's name, filter and sort. */
export interface CursorQuery {
  readonly name: string | undefined;
  readonly filter: NormalisedFilter | undefined;
  readonly sort: readonly NormalisedSort[];
}

/** A short, stable fingerprint of a query: FNV-1a over its JSON, twice with different seeds. */
export function queryFingerprint(query: CursorQuery): string {
  const text = JSON.stringify([query.name ?? null, query.filter ?? null, query.sort]);
  let first = 0x811c9dc5;
  let second = 0x01000193 ^ text.length;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    first = Math.imul(first ^ code, 0x01000193);
    second = Math.imul(second ^ code, 0x5bd1e995);
  }
  return (first >>> 0).toString(36) + (second >>> 0).toString(36);
}

/** An opaque keyset cursor: the query's fingerprint and the last item's sort values. */
export function encodeCursor(query: CursorQuery, values: readonly SortValue[]): string {
  return Buffer.from(JSON.stringify({ q: queryFingerprint(query), v: values }), "utf8").toString("base64url");
}

/** The sort values a cursor carries, after checking it belongs to this query. Throws `INVALID_INPUT` otherwise. */
export function decodeCursor(cursor: unknown, query: CursorQuery): SortValue[] {
  const refuse = (why: string): never => {
    throw new InvalidInputError(`after: ${why}; pass the next cursor of a previous page of this same search`);
  };
  if (typeof cursor !== "string" || cursor === "") return refuse("not a cursor");
  let decoded: { q?: unknown; v?: unknown };
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    return refuse("not a cursor");
  }
  if (typeof decoded !== "object" || decoded === null || !Array.isArray(decoded.v)) return refuse("not a cursor");
  if (decoded.q !== queryFingerprint(query)) return refuse("the cursor belongs to another query (a different name, filter or sort)");
  const values = decoded.v as unknown[];
  if (values.length !== query.sort.length) return refuse("the cursor does not fit this sort");
  for (const value of values) {
    if (
      !(value === null || typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value)))
    ) {
      refuse("not a cursor");
    }
  }
  return values as SortValue[];
}
