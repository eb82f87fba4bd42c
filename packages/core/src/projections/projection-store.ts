import { ClosedError, InvalidInputError } from "../errors.js";
import type { EventTarget } from "../identifiers.js";
import { decodeCursor, encodeCursor } from "../queries/cursors.js";
import type { Filter, NormalisedFilter } from "../queries/filters.js";
import { normaliseFilter } from "../queries/normalise-filter.js";
import { normaliseSort, sortValuesOf, TIE_BREAKERS } from "../queries/sort-order.js";
import type { NormalisedSort, Sort } from "../queries/sorting.js";
import { describeValue, validateName, validateTarget } from "../validation.js";
import { prepareProjection } from "./prepare-projection.js";
import type { Projection, ProjectionKey } from "./projection.js";
import type { ProjectionStorageAdapter } from "./projection-storage-adapter.js";

/** The page size of a search without `limit`, and of `iterate` without `pageSize`. */
export const DEFAULT_SEARCH_LIMIT = 100;
/** The largest `limit` of a search. */
export const MAX_SEARCH_LIMIT = 1000;

/** What `search` finds: projections of a name, matching a filter, in an order. */
export interface ProjectionQuery {
  /** Only projections of this name. */
  name?: string;
  /** Only projections this filter matches: `and(eq("state.city", "Leeds"), gt("state.age", 30))`. */
  filter?: Filter;
  /** The order, key by key; ties are broken by name then id, so the order is total. */
  sort?: readonly Sort[];
}

/** Options of `search`: a query and which page of it. */
export interface ProjectionSearchOptions extends ProjectionQuery {
  /** Projections per page: 1 to 1000, default 100. */
  limit?: number;
  /** The `next` cursor of the previous page of the same query. */
  after?: string;
  /** Skip this many matching projections (not together with `after`). */
  offset?: number;
}

/** One page of a search. */
export interface ProjectionPage<State extends Projection["state"] = Projection["state"]> {
  items: Projection<State>[];
  /** The cursor of the next page, or `undefined` on the last page. */
  next: string | undefined;
}

/** Something that reads a target: a log, category or stream handle. */
type SourceLike = EventTarget | { readonly target: EventTarget };

/**
 * Keeps projections (read models and snapshots) in a projection storage
 * adapter, and searches them with the query language.
 *
 * ```ts
 * const projections = new ProjectionStore(new InMemoryProjectionStorageAdapter());
 * await projections.save(projection);
 * const page = await projections.search({ name: "profile", filter: eq("state.city", "Leeds"), sort: [desc("state.age")] });
 * ```
 */
export class ProjectionStore implements AsyncDisposable {
  /** The storage underneath. */
  readonly adapter: ProjectionStorageAdapter;
  #closed = false;

  constructor(adapter: ProjectionStorageAdapter) {
    this.adapter = adapter;
  }

  /**
   * Stores a projection under its `(name, id)` unless that would move it
   * backwards: resolves `false` and changes nothing when the stored one has a
   * higher version, or the same version and a later position.
   */
  async save(projection: Projection): Promise<boolean> {
    this.#assertOpen();
    return this.adapter.save(prepareProjection(projection));
  }

  /** The projection stored under `(name, id)`, or `undefined`. */
  async load<State extends Projection["state"] = Projection["state"]>(key: ProjectionKey): Promise<Projection<State> | undefined> {
    this.#assertOpen();
    return (await this.adapter.load(checkKey(key))) as Projection<State> | undefined;
  }

  /** The projection of this name over exactly this source, or `undefined`. */
  async locate<State extends Projection["state"] = Projection["state"]>(query: {
    name: string;
    source: SourceLike;
  }): Promise<Projection<State> | undefined> {
    this.#assertOpen();
    const name = validateName(query?.name, "projection name");
    const source = validateTarget(targetOf(query?.source), "projection source");
    return (await this.adapter.locate(name, source)) as Projection<State> | undefined;
  }

  /** Deletes the projection stored under `(name, id)`; resolves whether there was one. */
  async delete(key: ProjectionKey): Promise<boolean> {
    this.#assertOpen();
    return this.adapter.delete(checkKey(key));
  }

  /**
   * One page of matching projections, with the cursor of the next page. Every
   * part of the query is checked first: a bad path, operator, value, limit or
   * cursor rejects with `INVALID_INPUT`.
   */
  async search<State extends Projection["state"] = Projection["state"]>(
    options: ProjectionSearchOptions = {},
  ): Promise<ProjectionPage<State>> {
    this.#assertOpen();
    const query = this.#checkQuery(options);
    const limit = checkLimit(options.limit);
    if (options.after !== undefined && options.offset !== undefined) {
      throw new InvalidInputError("search takes after or offset, not both");
    }
    const offset = options.offset === undefined ? undefined : checkOffset(options.offset);
    const after = options.after === undefined ? undefined : decodeCursor(options.after, query);
    const found = await this.adapter.search({
      ...(query.name === undefined ? {} : { name: query.name }),
      ...(query.filter === undefined ? {} : { filter: query.filter }),
      sort: query.sort,
      limit: limit + 1,
      ...(offset === undefined ? {} : { offset }),
      ...(after === undefined ? {} : { after }),
    });
    const items = found.slice(0, limit) as Projection<State>[];
    const last = items[items.length - 1];
    const next = found.length > limit && last !== undefined ? encodeCursor(query, sortValuesOf(last, query.sort)) : undefined;
    return { items, next };
  }

  /**
   * Every matching projection in order, fetched `pageSize` (1 to 1000, default
   * 100) at a time with keyset cursors.
   */
  async *iterate<State extends Projection["state"] = Projection["state"]>(
    query: ProjectionQuery & { pageSize?: number } = {},
  ): AsyncGenerator<Projection<State>, void, undefined> {
    const { pageSize, ...rest } = query ?? {};
    if (pageSize !== undefined && !isLimit(pageSize)) {
      throw new InvalidInputError(`pageSize must be an integer from 1 to ${MAX_SEARCH_LIMIT}, got ${describeValue(pageSize)}`);
    }
    let after: string | undefined;
    do {
      const page: ProjectionPage<State> = await this.search<State>({
        ...rest,
        limit: pageSize ?? DEFAULT_SEARCH_LIMIT,
        ...(after === undefined ? {} : { after }),
      });
      yield* page.items;
      after = page.next;
    } while (after !== undefined);
  }

  /** How many projections match `name` and `filter`. */
  async count(query: Omit<ProjectionQuery, "sort"> = {}): Promise<number> {
    this.#assertOpen();
    const { name, filter } = this.#checkQuery(query);
    return this.adapter.count({ ...(name === undefined ? {} : { name }), ...(filter === undefined ? {} : { filter }) });
  }

  /** Closes the adapter. Later calls reject with `CLOSED`; closing twice is harmless. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.adapter.close();
  }

  /** Closes the store, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #checkQuery(options: ProjectionQuery): { name: string | undefined; filter: NormalisedFilter | undefined; sort: NormalisedSort[] } {
    if (!this.adapter.capabilities.search) {
      throw new InvalidInputError(
        "this projection storage adapter declares capabilities.search: false, so it cannot search or count; load projections by (name, id) or with locate",
      );
    }
    if (typeof options !== "object" || options === null)
      throw new InvalidInputError(`a search takes an options object, got ${describeValue(options)}`);
    return {
      name: options.name === undefined ? undefined : validateName(options.name, "projection name"),
      filter: options.filter === undefined ? undefined : normaliseFilter(options.filter),
      sort: [...normaliseSort(options.sort), ...TIE_BREAKERS],
    };
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError("The projection store");
  }
}

function checkKey(key: ProjectionKey): ProjectionKey {
  return { name: validateName(key?.name, "projection name"), id: validateName(key?.id, "projection id") };
}

function targetOf(source: SourceLike | undefined): unknown {
  return source !== null && typeof source === "object" && "target" in source ? source.target : source;
}

function isLimit(limit: unknown): limit is number {
  return typeof limit === "number" && Number.isSafeInteger(limit) && limit >= 1 && limit <= MAX_SEARCH_LIMIT;
}

function checkLimit(limit: unknown): number {
  if (limit === undefined) return DEFAULT_SEARCH_LIMIT;
  if (!isLimit(limit)) {
    throw new InvalidInputError(`limit must be an integer from 1 to ${MAX_SEARCH_LIMIT}, got ${describeValue(limit)}`);
  }
  return limit;
}

function checkOffset(offset: unknown): number {
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) {
    throw new InvalidInputError(`offset must be a non-negative integer, got ${describeValue(offset)}`);
  }
  return offset;
}
