import type { EventTarget, Filter, Projection, ProjectionKey, ProjectionStorageAdapter, Sort } from "@chronicle/core";
import * as core from "@chronicle/core";

/** What the suite uses of core's `ProjectionStore`, as the public contract describes it. */
export interface ProjectionStore {
  save(projection: Projection): Promise<boolean>;
  load(key: ProjectionKey): Promise<Projection | undefined>;
  locate(query: { name: string; source: EventTarget }): Promise<Projection | undefined>;
  delete(key: ProjectionKey): Promise<boolean>;
  search(query: {
    name?: string;
    filter?: Filter;
    sort?: Sort[];
    limit?: number;
    after?: string;
    offset?: number;
  }): Promise<{ items: Projection[]; next: string | undefined }>;
  iterate(query: { name?: string; filter?: Filter; sort?: Sort[] }): AsyncIterable<Projection>;
  count(query: { name?: string; filter?: Filter }): Promise<number>;
}

/**
 * A `ProjectionStore` of the installed `@chronicle/core` over `adapter`. Looked
 * up at run time, so the suite loads with a core that predates projection
 * stores and says so when a test runs.
 */
export function createProjectionStore(adapter: ProjectionStorageAdapter): ProjectionStore {
  const Store = (core as unknown as { ProjectionStore?: new (adapter: ProjectionStorageAdapter) => ProjectionStore }).ProjectionStore;
  if (typeof Store !== "function") throw new Error("the installed @chronicle/core has no ProjectionStore");
  return new Store(adapter);
}
