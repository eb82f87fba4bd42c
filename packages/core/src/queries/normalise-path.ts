import { InvalidInputError } from "../errors.js";
import { describeValue } from "../validation.js";
import type { NormalisedPath, ProjectionPathRoot } from "./paths.js";

/** Roots that name one field and go no deeper. */
const LEAF_ROOTS = new Set<string>(["id", "name", "position", "source.category", "source.stream"]);

/** A path as text for messages: `state.address.city` or `["state","tags",0]`. */
export function describePath(path: unknown): string {
  return typeof path === "string" ? JSON.stringify(path) : describeValue(path);
}

/**
 * Checks a path and brings it to one form. A dotted string splits on `.`; an
 * array gives its keys and array indexes one by one (`["source", "category"]`
 * and `["source.category"]` both name that root). Only `state` goes deeper.
 * Throws `INVALID_INPUT`, naming the path, otherwise.
 */
export function normalisePath(path: unknown): NormalisedPath {
  const fail = (why: string): never => {
    throw new InvalidInputError(
      `path ${describePath(path)} ${why}; a path starts at id, name, position, source.category, source.stream or state, such as "state.address.city" or ["state", "tags", 0]`,
    );
  };
  let parts: (string | number)[];
  if (typeof path === "string") {
    if (path === "") fail("is empty");
    parts = path.split(".");
  } else if (Array.isArray(path) && path.length > 0) {
    parts = [...path];
  } else {
    return fail("is not a string or a non-empty array");
  }
  let root: ProjectionPathRoot;
  let rest: (string | number)[];
  const [first, second] = parts;
  if (first === "source" && (second === "category" || second === "stream")) {
    root = `source.${second}`;
    rest = parts.slice(2);
  } else if (typeof first === "string" && (LEAF_ROOTS.has(first) || first === "state")) {
    root = first as ProjectionPathRoot;
    rest = parts.slice(1);
  } else {
    return fail(`starts at ${describeValue(first)}`);
  }
  if (root !== "state" && rest.length > 0) fail(`goes into ${root}, which holds no fields`);
  for (const segment of rest) {
    if (typeof segment === "string") {
      if (segment === "") fail("has an empty key");
    } else if (typeof segment === "number") {
      if (!Number.isSafeInteger(segment) || segment < 0) fail(`has the index ${describeValue(segment)}, not a non-negative integer`);
    } else {
      fail(`has the segment ${describeValue(segment)}, neither a key nor an index`);
    }
  }
  return { root, segments: rest };
}
