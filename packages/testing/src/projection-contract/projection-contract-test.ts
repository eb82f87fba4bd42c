import type { Projection, ProjectionStorageAdapter, ProjectionStorageCapabilities, ProjectionStore } from "@chronicle/core";
import type { Random } from "../random.js";

/** The groups of the projection contract suite; each can be switched off with `skipGroups`. */
export const PROJECTION_CONTRACT_GROUPS = [
  "round-trip",
  "save",
  "locate",
  "delete",
  "isolation",
  "validation",
  "search",
  "sort",
  "paging",
  "query-validation",
  "count",
  "property",
  "capabilities",
  "migrate",
  "close",
] as const;

/** A group of projection contract tests, such as `"search"` or `"paging"`. */
export type ProjectionContractGroup = (typeof PROJECTION_CONTRACT_GROUPS)[number];

/** What `create` is told about the storage it creates an adapter for. */
export interface ProjectionContractContext {
  /**
   * Names the storage: the id of the test, or for the second of two storages a
   * test keeps apart (the `isolation` group), the id followed by `".second"`.
   * Name a schema, file or key prefix after it; adapters created with the same
   * `testId` share storage or not as `create` decides, and no test relies on either.
   */
  testId: string;
}

/** Raw reads of everything an adapter has persisted, so the suite need not trust the adapter's own reads. */
export interface ProjectionContractOracle<A extends ProjectionStorageAdapter = ProjectionStorageAdapter> {
  /**
   * Every projection persisted by `adapter`, in any order, read with the
   * driver directly (SQL, Redis commands, …). `context` is the one `create`
   * received for this adapter, so the storage can be found from the test id.
   */
  readAll(adapter: A, context: ProjectionContractContext): Promise<Projection[]>;
}

/** Sizes of the property test. */
export interface ProjectionContractProperty {
  /** The seeds to run, each a separate data set and set of queries. Default `[1, 2, 3, 4, 5, 6, 7, 8]`. */
  seeds: readonly number[];
  /** Projections saved per seed. Default 60. */
  projections: number;
  /** Random queries per seed. Default 40. */
  queries: number;
}

/** What a projection contract test body receives. */
export interface ProjectionContractTestContext {
  /** A fresh adapter, closed after the test. */
  readonly adapter: ProjectionStorageAdapter;
  /** A `ProjectionStore` over `adapter`: the way users reach it. */
  readonly store: ProjectionStore;
  /**
   * Creates another adapter (closed after the test too). With `testId` omitted
   * it gets this test's context, so it may or may not share the first adapter's
   * storage; with another `testId` it must be isolated from it.
   */
  readonly createAdapter: (testId?: string) => Promise<ProjectionStorageAdapter>;
  /** Seeded with the test id, so every run sees the same data. */
  readonly random: Random;
  /** The id of the running test. */
  readonly testId: string;
  /** What the adapter declares. */
  readonly capabilities: ProjectionStorageCapabilities;
  /** Sizes of the property test. */
  readonly property: ProjectionContractProperty;
  /** Whether `persisted()` reads through an oracle rather than the adapter. */
  readonly hasOracle: boolean;
  /**
   * Everything persisted, sorted by name then id: through the oracle when one
   * was given, else through the adapter's search; `undefined` when the adapter
   * offers neither (the test then checks through `load` alone).
   */
  persisted(): Promise<Projection[] | undefined>;
}

/** A test body: a plain async function that throws (through `expect`) when the adapter breaks the contract. */
export type ProjectionContractTestBody = (context: ProjectionContractTestContext) => Promise<void>;

/** A test body with what it needs from the adapter. */
export interface ProjectionContractTestSpec {
  /**
   * `"search"`: skipped when the adapter declares `capabilities.search: false`;
   * `"no-search"`: skipped when it declares `true`; `"migrate"`: skipped when
   * the adapter has no `migrate()` method, which the contract leaves optional.
   */
  readonly requires?: "search" | "no-search" | "migrate";
  /** A timeout above the default, for tests that do a lot of work. */
  readonly timeout?: number;
  readonly run: ProjectionContractTestBody;
}

/** A registered projection contract test. */
export interface ProjectionContractTest extends ProjectionContractTestSpec {
  readonly id: string;
  readonly group: ProjectionContractGroup;
}
