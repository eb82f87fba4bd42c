import {
  ClosedError,
  compareCodePoints,
  compareSortKeys,
  type EventTarget,
  evaluateFilter,
  isOlderProjection,
  type PreparedProjection,
  type Projection,
  type ProjectionCountQuery,
  type ProjectionKey,
  type ProjectionSearchQuery,
  type ProjectionStorageAdapter,
  type ProjectionStorageCapabilities,
  type SortValue,
  sortValuesOf,
} from "@chronicle/core";

/**
 * A projection as kept: its state parsed once from the JSON text for filters
 * and sorts, which only read it, and the text itself to give callers copies, so
 * no caller can change what is stored.
 */
type Stored = PreparedProjection;

/** A matching projection with its sort values, read once per search. */
interface Candidate {
  readonly stored: Stored;
  readonly values: SortValue[];
}

/**
 * Keeps projections in this process's memory: the reference implementation of
 * the projection storage contract, evaluating every query with core's own
 * rules. Searches scan every projection, so it suits tests, demos and modest
 * numbers of projections.
 */
export class InMemoryProjectionStorageAdapter implements ProjectionStorageAdapter {
  readonly capabilities: ProjectionStorageCapabilities = { search: true };
  readonly #projections = new Map<string, Stored>();
  #closed = false;

  async save(projection: PreparedProjection): Promise<boolean> {
    this.#assertOpen();
    const key = keyOf(projection);
    const stored = this.#projections.get(key);
    if (stored !== undefined && isOlderProjection(projection, stored)) return false;
    this.#projections.set(key, {
      name: projection.name,
      id: projection.id,
      source: { ...projection.source },
      state: JSON.parse(projection.stateJson),
      stateJson: projection.stateJson,
      version: projection.version,
      position: projection.position,
      eventCount: projection.eventCount,
      updatedAt: copyDate(projection.updatedAt),
    });
    return true;
  }

  async load(key: ProjectionKey): Promise<Projection | undefined> {
    this.#assertOpen();
    const stored = this.#projections.get(keyOf(key));
    return stored === undefined ? undefined : toProjection(stored);
  }

  async locate(name: string, source: EventTarget): Promise<Projection | undefined> {
    this.#assertOpen();
    let found: Stored | undefined;
    for (const stored of this.#projections.values()) {
      if (stored.name !== name || !sameTarget(stored.source, source)) continue;
      if (found === undefined || compareCodePoints(stored.id, found.id) < 0) found = stored;
    }
    return found === undefined ? undefined : toProjection(found);
  }

  async delete(key: ProjectionKey): Promise<boolean> {
    this.#assertOpen();
    return this.#projections.delete(keyOf(key));
  }

  async search(query: ProjectionSearchQuery): Promise<Projection[]> {
    this.#assertOpen();
    const { sort, after } = query;
    const wanted = (query.offset ?? 0) + query.limit;
    const compare = (left: Candidate, right: Candidate) => compareSortKeys(left.values, right.values, sort);
    const candidates: Candidate[] = [];
    for (const stored of this.#matching(query)) {
      const values = sortValuesOf(stored, sort);
      if (after !== undefined && compareSortKeys(values, after, sort) <= 0) continue;
      candidates.push({ stored, values });
    }
    const ordered = wanted * 8 < candidates.length ? smallest(candidates, wanted, compare) : candidates.sort(compare);
    return ordered.slice(query.offset ?? 0, wanted).map((candidate) => toProjection(candidate.stored));
  }

  async count(query: ProjectionCountQuery): Promise<number> {
    this.#assertOpen();
    let count = 0;
    for (const _ of this.#matching(query)) count += 1;
    return count;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  *#matching(query: ProjectionCountQuery): Generator<Stored> {
    for (const stored of this.#projections.values()) {
      if (query.name !== undefined && stored.name !== query.name) continue;
      if (query.filter === undefined || evaluateFilter(query.filter, stored)) yield stored;
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError("The in-memory projection storage adapter");
  }
}

function keyOf(key: ProjectionKey): string {
  return JSON.stringify([key.name, key.id]);
}

function toProjection(stored: Stored): Projection {
  return {
    name: stored.name,
    id: stored.id,
    source: { ...stored.source },
    state: JSON.parse(stored.stateJson),
    version: stored.version,
    position: stored.position,
    eventCount: stored.eventCount,
    updatedAt: copyDate(stored.updatedAt),
  };
}

/** The `count` smallest items in order, kept in a sorted buffer: far cheaper than sorting all when few are wanted. */
function smallest<T>(items: readonly T[], count: number, compare: (left: T, right: T) => number): T[] {
  const kept: T[] = [];
  for (const item of items) {
    if (kept.length === count && compare(item, kept[count - 1] as T) >= 0) continue;
    let low = 0;
    let high = kept.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compare(kept[middle] as T, item) <= 0) low = middle + 1;
      else high = middle;
    }
    kept.splice(low, 0, item);
    if (kept.length > count) kept.pop();
  }
  return kept;
}

function copyDate(date: Date | undefined): Date | undefined {
  return date === undefined ? undefined : new Date(date.getTime());
}

function sameTarget(left: EventTarget, right: EventTarget): boolean {
  if (left.type !== right.type) return false;
  if (left.type === "log") return true;
  if (left.category !== (right as typeof left).category) return false;
  return left.type === "category" || left.stream === (right as typeof left).stream;
}
