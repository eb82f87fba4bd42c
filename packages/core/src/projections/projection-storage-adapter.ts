import type { EventTarget } from "../identifiers.js";
import type { NormalisedFilter } from "../queries/filters.js";
import type { SortValue } from "../queries/sort-values.js";
import type { NormalisedSort } from "../queries/sorting.js";
import type { PreparedProjection, Projection, ProjectionKey } from "./projection.js";

/** What a projection storage adapter can do, declared up front. */
export interface ProjectionStorageCapabilities {
  /**
   * Whether `search` and `count` are offered. An adapter that could only answer
   * them by reading every projection of a name declares `false`; the
   * `ProjectionStore` then rejects those calls with `INVALID_INPUT`.
   */
  readonly search: boolean;
}

/**
 * One page of a search, validated by the `ProjectionStore`: the adapter returns
 * the projections that match `name` and `filter`, in the order of `sort`,
 * strictly after the `after` key when given, skipping `offset`, at most `limit`.
 */
export interface ProjectionSearchQuery {
  /** Only projections of this name. */
  readonly name?: string;
  /** Only projections this filter matches. */
  readonly filter?: NormalisedFilter;
  /**
   * The order: the caller's keys followed by `asc("name")` and `asc("id")`, so it
   * is total. Compare values as `SortValue` says.
   */
  readonly sort: readonly NormalisedSort[];
  /** At most this many projections (the store asks for one more than the page to know whether another follows). */
  readonly limit: number;
  /** Skip this many matching projections first. Never given together with `after`. */
  readonly offset?: number;
  /**
   * A keyset position: the sort values (one per entry of `sort`, `name` and `id`
   * included) of the last projection of the previous page. Return only
   * projections that come strictly after it in the order of `sort`.
   */
  readonly after?: readonly SortValue[];
}

/** What `count` counts: the projections that match `name` and `filter`. */
export interface ProjectionCountQuery {
  readonly name?: string;
  readonly filter?: NormalisedFilter;
}

/**
 * The projection storage contract. Implement it, run
 * `describeProjectionStorageAdapter` from `@chronicle/testing/vitest`, and a
 * `ProjectionStore` works on your storage. Input arrives validated.
 */
export interface ProjectionStorageAdapter extends AsyncDisposable {
  /** What this adapter supports. */
  readonly capabilities: ProjectionStorageCapabilities;
  /**
   * Stores the projection under `(name, id)` unless that would move it backwards,
   * decided atomically with the write: resolves `false` and changes nothing when
   * the stored one has a higher version, or the same version and a later
   * position (`undefined` counts as before every position). Otherwise stores it
   * (equal version and position overwrite) and resolves `true`.
   */
  save(projection: PreparedProjection): Promise<boolean>;
  /** The projection stored under `(name, id)`, or `undefined`. */
  load(key: ProjectionKey): Promise<Projection | undefined>;
  /**
   * The projection of this name over exactly this source (same type, category
   * and stream), or `undefined`. When several ids share one source, the one
   * with the smallest id (code point order).
   */
  locate(name: string, source: EventTarget): Promise<Projection | undefined>;
  /** Deletes the projection stored under `(name, id)`; resolves whether there was one. */
  delete(key: ProjectionKey): Promise<boolean>;
  /** One page of matching projections in order. Only called when `capabilities.search`. */
  search(query: ProjectionSearchQuery): Promise<Projection[]>;
  /** How many projections match. Only called when `capabilities.search`. */
  count(query: ProjectionCountQuery): Promise<number>;
  /** Releases what the adapter opened. Later calls reject with `CLOSED`; closing twice is harmless. */
  close(): Promise<void>;
}
