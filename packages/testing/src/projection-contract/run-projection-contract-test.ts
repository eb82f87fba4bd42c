import { type Projection, type ProjectionStorageAdapter, ProjectionStore } from "@chronicle/core";
import { createRandom } from "../random.js";
import { hasMigrate } from "../suite/migrate-calls.js";
import { byKey, collect } from "./helpers.js";
import type {
  ProjectionContractContext,
  ProjectionContractOracle,
  ProjectionContractProperty,
  ProjectionContractTestContext,
} from "./projection-contract-test.js";
import { needsSearch, type ProjectionContractTestId, projectionContractTests } from "./registry.js";

/** The default sizes of the property test: a few seconds in memory. */
export const DEFAULT_PROPERTY: ProjectionContractProperty = { seeds: [1, 2, 3, 4, 5, 6, 7, 8], projections: 60, queries: 40 };

/** Options of `runProjectionContractTest`. */
export interface RunProjectionContractTestOptions<A extends ProjectionStorageAdapter = ProjectionStorageAdapter> {
  /** Creates a fresh adapter with isolated state. */
  create: (context: ProjectionContractContext) => Promise<A>;
  /** Raw reads of what the adapter persisted. */
  oracle?: ProjectionContractOracle<A>;
  /** Sizes of the property test. */
  property?: Partial<ProjectionContractProperty>;
}

/**
 * Runs one projection contract test body against a fresh adapter, outside any
 * test framework's registration, and closes every adapter it created. Resolves
 * when the adapter keeps the contract; rejects with the failed expectation
 * otherwise. Throws when the adapter declares it lacks what the test needs.
 */
export async function runProjectionContractTest<A extends ProjectionStorageAdapter>(
  id: ProjectionContractTestId,
  options: RunProjectionContractTestOptions<A>,
): Promise<void> {
  const test = projectionContractTests[id];
  if (test === undefined) throw new Error(`unknown projection contract test id ${JSON.stringify(id)}`);
  const created: A[] = [];
  const createAdapter = async (testId: string = id): Promise<A> => {
    const adapter = await options.create({ testId });
    created.push(adapter);
    return adapter;
  };
  try {
    const adapter = await createAdapter();
    const capabilities = { search: adapter.capabilities.search };
    if (needsSearch(test) && !capabilities.search) {
      throw new Error(`projection contract test ${id} needs search, which the adapter declares it lacks`);
    }
    if (test.requires === "migrate" && !hasMigrate(adapter)) {
      throw new Error(`projection contract test ${id} needs an adapter with a migrate() method`);
    }
    if (test.requires === "no-search" && capabilities.search) {
      throw new Error(`projection contract test ${id} is for adapters without search, and the adapter declares it has search`);
    }
    const store = new ProjectionStore(adapter);
    const oracle = options.oracle;
    const context: ProjectionContractTestContext = {
      adapter,
      store,
      createAdapter,
      random: createRandom(id),
      testId: id,
      capabilities,
      property: { ...DEFAULT_PROPERTY, ...options.property },
      hasOracle: oracle !== undefined,
      persisted: async (): Promise<Projection[] | undefined> => {
        if (oracle !== undefined) return [...(await oracle.readAll(adapter, { testId: id }))].sort(byKey);
        if (capabilities.search) return collect(store.iterate({}));
        return undefined;
      },
    };
    await test.run(context);
  } finally {
    // Closing twice is harmless by contract, so tests that close their adapter are fine.
    await Promise.all(created.map((adapter) => adapter.close()));
  }
}
