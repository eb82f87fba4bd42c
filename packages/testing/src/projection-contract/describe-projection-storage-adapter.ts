import type { ProjectionStorageAdapter, ProjectionStorageCapabilities } from "@chronicle/core";
import { hasMigrate } from "../suite/migrate-calls.js";
import { registerSuite, type SuiteOptions } from "../suite/register-suite.js";
import {
  PROJECTION_CONTRACT_GROUPS,
  type ProjectionContractContext,
  type ProjectionContractGroup,
  type ProjectionContractOracle,
  type ProjectionContractProperty,
} from "./projection-contract-test.js";
import { needsSearch, type ProjectionContractTestId, projectionContractTestIdsOf, projectionContractTests } from "./registry.js";
import { runProjectionContractTest } from "./run-projection-contract-test.js";

/** Options of `describeProjectionStorageAdapter`. */
export interface DescribeProjectionStorageAdapterOptions<A extends ProjectionStorageAdapter = ProjectionStorageAdapter>
  extends SuiteOptions<ProjectionContractTestId, ProjectionContractGroup> {
  /** Names the suite in test reports. */
  name: string;
  /**
   * Creates an adapter with fresh, isolated state: called once per test (twice,
   * with two test ids, by the `isolation` tests), and once up front, with the
   * test id `"capabilities"`, to read its capabilities.
   */
  create: (context: ProjectionContractContext) => Promise<A>;
  /** Runs after all tests, e.g. to drop schemas or delete files; also when the options are refused. */
  cleanup?: () => Promise<void>;
  /** Tests to skip, by id, each with the reason. */
  skip?: Partial<Record<ProjectionContractTestId, string>>;
  /** Whole groups to skip, each with the reason. */
  skipGroups?: Partial<Record<ProjectionContractGroup, string>>;
  /** Raw reads of everything persisted, bypassing the adapter's read path. */
  oracle?: ProjectionContractOracle<A>;
  /** Sizes of the property test (defaults: seeds 1 to 8, 60 projections and 40 queries each). */
  property?: Partial<ProjectionContractProperty>;
  /**
   * Runs the tests of each group concurrently. Safe only when `create` isolates
   * every adapter from the others (and the backing service copes with the load).
   * Defaults to `false`.
   */
  concurrent?: boolean;
}

/** What the suite reads from an adapter before registering its tests. */
interface Probed extends ProjectionStorageCapabilities {
  /** Whether the adapter has a `migrate()` method. */
  readonly migrate: boolean;
}

/**
 * Registers the whole projection storage adapter contract suite, one `describe`
 * per group and one test per id. Reads the adapter's capabilities from one
 * adapter created up front: with `capabilities.search: false`, the search and
 * count tests are registered as skipped, with the reason, and a test checks
 * that the `ProjectionStore` rejects them.
 */
export function describeProjectionStorageAdapter<A extends ProjectionStorageAdapter>(
  options: DescribeProjectionStorageAdapterOptions<A>,
): void {
  describeProjectionContractGroups(PROJECTION_CONTRACT_GROUPS, options);
}

/**
 * Registers only some groups of the projection contract suite, for adapters
 * whose authors want to run them from separate files. Takes the same options
 * as `describeProjectionStorageAdapter`.
 */
export function describeProjectionContractGroups<A extends ProjectionStorageAdapter>(
  groups: readonly ProjectionContractGroup[],
  options: DescribeProjectionStorageAdapterOptions<A>,
): void {
  registerSuite<ProjectionContractTestId, ProjectionContractGroup, Probed>(options, {
    title: "projection storage adapter contract",
    groups,
    allGroups: PROJECTION_CONTRACT_GROUPS,
    tests: projectionContractTests,
    idsOf: projectionContractTestIdsOf,
    probe: async () => {
      const adapter = await options.create({ testId: "capabilities" });
      try {
        // Copied, since the adapter is closed before the tests read it.
        return { search: adapter.capabilities.search, migrate: hasMigrate(adapter) };
      } finally {
        await adapter.close();
      }
    },
    skipReason: (id, capabilities) => {
      const test = projectionContractTests[id];
      if (needsSearch(test) && !capabilities.search) return "the adapter declares capabilities.search: false";
      if (test.requires === "no-search" && capabilities.search) return "the adapter declares capabilities.search: true";
      if (test.requires === "migrate" && !capabilities.migrate) return "the adapter has no migrate() method";
      return undefined;
    },
    run: (id) => runProjectionContractTest(id, { create: options.create, oracle: options.oracle, property: options.property }),
  });
}
