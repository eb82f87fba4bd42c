import type { JsonValue } from "../json.js";
import type { Projection } from "../projections/projection.js";
import type { NormalisedPath } from "./paths.js";

const CANONICAL_INDEX = /^(?:0|[1-9]\d*)$/;

/**
 * The value at a path of a projection, or `undefined` when the path is missing.
 * `position` reads as a JSON number. The lookup rule is the one every adapter
 * follows: a string segment reads an object's own key, and also an array's
 * element when it is a canonical non-negative integer; a number segment reads
 * only an array's element.
 */
export function readProjectionPath(projection: Projection, path: NormalisedPath): JsonValue | undefined {
  switch (path.root) {
    case "id":
      return projection.id;
    case "name":
      return projection.name;
    case "position":
      return projection.position === undefined ? undefined : Number(projection.position);
    case "source.category":
      return projection.source.type === "log" ? undefined : projection.source.category;
    case "source.stream":
      return projection.source.type === "stream" ? projection.source.stream : undefined;
    case "state":
      return readJsonPath(projection.state, path.segments);
  }
}

/** The value at `segments` inside a JSON value, by the lookup rule above. */
export function readJsonPath(value: JsonValue | undefined, segments: readonly (string | number)[]): JsonValue | undefined {
  let current = value;
  for (const segment of segments) {
    if (current === null || typeof current !== "object") return undefined;
    if (Array.isArray(current)) {
      const index = typeof segment === "number" ? segment : CANONICAL_INDEX.test(segment) ? Number(segment) : -1;
      if (index < 0 || index >= current.length) return undefined;
      current = current[index];
    } else {
      if (typeof segment !== "string" || !Object.hasOwn(current, segment)) return undefined;
      current = current[segment];
    }
  }
  return current;
}
