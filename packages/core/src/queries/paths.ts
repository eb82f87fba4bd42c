/**
 * Where a filter or sort reads a projection: a dotted string
 * (`"state.address.city"`) or an array of keys and array indexes
 * (`["state", "tags", 0]`). It starts at `id`, `name`, `position`,
 * `source.category`, `source.stream` or `state`; only `state` goes deeper.
 */
export type ProjectionPath = string | readonly (string | number)[];

/** The fields a path can start at. */
export type ProjectionPathRoot = "id" | "name" | "position" | "source.category" | "source.stream" | "state";

/**
 * A path after validation. `segments` lead into `state` (empty for the other
 * roots and for the whole state). Lookup rule, the same in every adapter:
 * a string segment reads an object's key, and also an array's element when it
 * is a canonical non-negative integer (`"0"`, `"12"`, not `"01"` or `"-1"`);
 * a number segment reads only an array's element. Anything else reads as missing.
 */
export interface NormalisedPath {
  readonly root: ProjectionPathRoot;
  readonly segments: readonly (string | number)[];
}
