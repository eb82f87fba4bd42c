import {
  ClosedError,
  compareCodePoints,
  compareProjections,
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
  sortValuesOf,
} from "@chronicle/core";

/** A projection as kept: its state as JSON text, so no caller can change what is stored. */
type Stored = Omit<PreparedProjection, "state">;

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
    const { state: _, ...kept } = projection;
    this.#projections.set(key, { ...kept, source: { ...projection.source }, updatedAt: copyDate(projection.updatedAt) });
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
    let matching = this.#matching(query);
    const after = query.after;
    if (after !== undefined) {
      matching = matching.filter((projection) => compareSortKeys(sortValuesOf(projection, query.sort), after, query.sort) > 0);
    }
    matching.sort(compareProjections(query.sort));
    const start = query.offset ?? 0;
    return matching.slice(start, start + query.limit);
  }

  async count(query: ProjectionCountQuery): Promise<number> {
    this.#assertOpen();
    return this.#matching(query).length;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #matching(query: ProjectionCountQuery): Projection[] {
    const result: Projection[] = [];
    for (const stored of this.#projections.values()) {
      if (query.name !== undefined && stored.name !== query.name) continue;
      const projection = toProjection(stored);
      if (query.filter === undefined || evaluateFilter(query.filter, projection)) result.push(projection);
    }
    return result;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError("The in-memory projection storage adapter");
  }
}

function keyOf(key: ProjectionKey): string {
  return JSON.stringify([key.name, key.id]);
}

function toProjection(stored: Stored): Projection {
  const { stateJson, ...rest } = stored;
  return { ...rest, source: { ...stored.source }, state: JSON.parse(stateJson), updatedAt: copyDate(stored.updatedAt) };
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
