import type { AdapterCapabilities, EventStorageAdapter } from "@chronicle/core";
import { registerSuite, type SuiteOptions } from "../suite/register-suite.js";
import {
  CONTRACT_GROUPS,
  type ContractConcurrency,
  type ContractContext,
  type ContractGroup,
  type ContractOracle,
  requirementsOf,
} from "./contract-test.js";
import { type ContractTestId, contractTestIdsOf, contractTests } from "./registry.js";
import { runContractTest } from "./run-contract-test.js";

/** Options of `describeEventStorageAdapter`. */
export interface DescribeEventStorageAdapterOptions<A extends EventStorageAdapter = EventStorageAdapter>
  extends SuiteOptions<ContractTestId, ContractGroup> {
  /** Names the suite in test reports. */
  name: string;
  /** Creates an adapter with fresh, isolated state: called once per test (and once up front to read its capabilities). */
  create: (context: ContractContext) => Promise<A>;
  /** Runs after all tests, e.g. to drop schemas or delete files. */
  cleanup?: () => Promise<void>;
  /** Tests to skip, by id, each with the reason. */
  skip?: Partial<Record<ContractTestId, string>>;
  /** Whole groups to skip (capabilities the adapter does not offer), each with the reason. */
  skipGroups?: Partial<Record<ContractGroup, string>>;
  /** Raw reads of everything persisted, bypassing the adapter's read path. */
  oracle?: ContractOracle<A>;
  /**
   * Opens another adapter over the same storage as `adapter` (the same file,
   * schema or key prefix), as a second process would. When given, the
   * `instances` group checks conditions, idempotency and tailing across the two
   * instances; without it that group is skipped. Safety across processes belongs
   * in the adapter's own tests (see the SQLite adapter's multi-process tests).
   */
  reopen?: (adapter: A, context: ContractContext) => Promise<A>;
  /** Sizes of the concurrency tests (defaults: 8 writers, 25 events each). */
  concurrency?: Partial<ContractConcurrency>;
  /**
   * Runs the tests of each group concurrently. Safe only when `create` isolates
   * every adapter from the others (and the backing service copes with the load).
   * Defaults to `false`.
   */
  concurrent?: boolean;
}

/**
 * Registers the whole adapter contract suite, one `describe` per group and one
 * test per contract test id. Reads the adapter's capabilities from one adapter
 * created up front, and registers what it cannot do as skipped, with the reason.
 */
export function describeEventStorageAdapter<A extends EventStorageAdapter>(options: DescribeEventStorageAdapterOptions<A>): void {
  describeContractGroups(CONTRACT_GROUPS, options);
}

/**
 * Registers only some groups of the contract suite, for adapters whose authors
 * want to run them from separate files. Takes the same options as `describeEventStorageAdapter`.
 */
export function describeContractGroups<A extends EventStorageAdapter>(
  groups: readonly ContractGroup[],
  options: DescribeEventStorageAdapterOptions<A>,
): void {
  registerSuite<ContractTestId, ContractGroup, ProbedAdapter>(options, {
    title: "event storage adapter contract",
    groups,
    allGroups: CONTRACT_GROUPS,
    tests: contractTests,
    idsOf: contractTestIdsOf,
    probe: () => probeCapabilities(options),
    skipReason: (id, capabilities) => skipReason(id, options, capabilities),
    run: (id, capabilities) =>
      runContractTest(id, {
        create: options.create,
        oracle: options.oracle,
        reopen: options.reopen,
        concurrency: options.concurrency,
        serialisationGuarantee: capabilities.serialisationGuarantees.includes("log") ? "log" : capabilities.serialisationGuarantee,
      }),
  });
}

/** What the adapter created up front declares, and whether it has the optional `migrate()` method. */
interface ProbedAdapter extends AdapterCapabilities {
  readonly migrate: boolean;
}

async function probeCapabilities<A extends EventStorageAdapter>(options: DescribeEventStorageAdapterOptions<A>): Promise<ProbedAdapter> {
  const adapter = await options.create({ serialisationGuarantee: "log", testId: "capabilities" });
  try {
    // Copied, since the adapter is closed before the tests read it.
    const { multiStreamWrites, serialisationGuarantees, serialisationGuarantee } = adapter.capabilities;
    return {
      multiStreamWrites,
      serialisationGuarantees: [...serialisationGuarantees],
      serialisationGuarantee,
      migrate: typeof (adapter as { migrate?: unknown }).migrate === "function",
    };
  } finally {
    await adapter.close();
  }
}

/** Why a test cannot run on this adapter, beyond the caller's `skip` and `skipGroups`. */
function skipReason<A extends EventStorageAdapter>(
  id: ContractTestId,
  options: DescribeEventStorageAdapterOptions<A>,
  capabilities: ProbedAdapter,
): string | undefined {
  const test = contractTests[id];
  const requirements = requirementsOf(test);
  if (requirements.includes("reopen") && options.reopen === undefined) {
    return "no reopen option was given to open a second adapter over the same storage";
  }
  if (requirements.includes("multiStreamWrites") && !capabilities.multiStreamWrites) {
    return "the adapter declares capabilities.multiStreamWrites: false";
  }
  if (requirements.includes("migrate") && !capabilities.migrate) {
    return "the adapter has no migrate() method";
  }
  if (test.serialisationGuarantee !== undefined && !capabilities.serialisationGuarantees.includes(test.serialisationGuarantee)) {
    return `the adapter does not declare the "${test.serialisationGuarantee}" serialisation guarantee`;
  }
  return undefined;
}
