import type { NormalisedPath, ProjectionPath } from "./paths.js";

/** One key of a sort order. Build it with `asc` or `desc`. */
export interface Sort {
  readonly path: ProjectionPath;
  readonly direction: "asc" | "desc";
}

/** A sort key after validation, as adapters receive it. */
export interface NormalisedSort {
  readonly path: NormalisedPath;
  readonly direction: "asc" | "desc";
}

/** Sorts by the value at `path`, smallest first; `null` and missing sort last. */
export function asc(path: ProjectionPath): Sort {
  return { path, direction: "asc" };
}

/** Sorts by the value at `path`, largest first; `null` and missing sort first. */
export function desc(path: ProjectionPath): Sort {
  return { path, direction: "desc" };
}
