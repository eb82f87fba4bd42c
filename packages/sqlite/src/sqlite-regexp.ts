import { portableRegExp } from "@chronicle/core";

/** The SQL function that evaluates `matches` filters. */
export const REGEXP_FUNCTION = "chronicle_regexp";

const CACHE_SIZE = 64;

/**
 * `chronicle_regexp(pattern, flags, text)`: 1 when the pattern finds a match in
 * `text`, else 0, compiled by core's `portableRegExp` so SQLite matches exactly
 * as PostgreSQL and the in-memory adapter do (by code point, `.` matching
 * newlines). Core has already checked the pattern and flags.
 * Deterministic, so SQLite may evaluate it once per distinct input.
 */
export function regexpFunction(): (pattern: unknown, flags: unknown, text: unknown) => number {
  const cache = new Map<string, RegExp>();
  return (pattern, flags, text) => {
    if (typeof pattern !== "string" || typeof text !== "string") return 0;
    const normalisedFlags = flags === "i" ? "i" : "";
    const cacheKey = `${normalisedFlags}/${pattern}`;
    let regex = cache.get(cacheKey);
    if (regex === undefined) {
      regex = portableRegExp(pattern, normalisedFlags);
      if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      cache.set(cacheKey, regex);
    }
    return regex.test(text) ? 1 : 0;
  };
}
