import { type EventStorageAdapter, logIdentifier, type SerialisationGuarantee, type StoredEvent } from "@chronicle/core";
import { createRandom } from "../random.js";
import {
  type ContractConcurrency,
  type ContractContext,
  type ContractOracle,
  type ContractTestContext,
  requirementsOf,
} from "./contract-test.js";
import { collect } from "./helpers.js";
import { type ContractTestId, contractTests } from "./registry.js";

/** The default sizes of the concurrency tests: a few seconds at most in memory. */
export const DEFAULT_CONCURRENCY: ContractConcurrency = { writers: 8, eventsPerWriter: 25 };

/** Options of `runContractTest`. */
export interface RunContractTestOptions<A extends EventStorageAdapter = EventStorageAdapter> {
  /** Creates a fresh adapter with isolated state. */
  create: (context: ContractContext) => Promise<A>;
  /** Raw reads of what the adapter persisted. */
  oracle?: ContractOracle<A>;
  /** Opens another adapter over the same storage as the one given. */
  reopen?: (adapter: A, context: ContractContext) => Promise<A>;
  /** Sizes of the concurrency tests. */
  concurrency?: Partial<ContractConcurrency>;
  /** The guarantee for tests that do not name their own. Defaults to `"log"`. */
  serialisationGuarantee?: SerialisationGuarantee;
}

/**
 * Runs one contract test body against a fresh adapter, outside any test
 * framework's registration, and closes every adapter it created. Resolves when
 * the adapter keeps the contract; rejects with the failed expectation otherwise.
 * Throws when the adapter declares it lacks what the test needs.
 */
export async function runContractTest<A extends EventStorageAdapter>(
  id: ContractTestId,
  options: RunContractTestOptions<A>,
): Promise<void> {
  const test = contractTests[id];
  if (test === undefined) throw new Error(`unknown contract test id ${JSON.stringify(id)}`);
  const serialisationGuarantee = test.serialisationGuarantee ?? options.serialisationGuarantee ?? "log";
  const created: A[] = [];
  const createAdapter = async (): Promise<A> => {
    const adapter = await options.create({ serialisationGuarantee, testId: id });
    created.push(adapter);
    return adapter;
  };
  try {
    const adapter = await createAdapter();
    const requirements = requirementsOf(test);
    if (requirements.includes("multiStreamWrites") && !adapter.capabilities.multiStreamWrites) {
      throw new Error(`contract test ${id} needs multiStreamWrites, which the adapter declares it lacks`);
    }
    if (test.serialisationGuarantee !== undefined && !adapter.capabilities.serialisationGuarantees.includes(test.serialisationGuarantee)) {
      throw new Error(
        `contract test ${id} needs the ${test.serialisationGuarantee} serialisation guarantee, which the adapter does not declare`,
      );
    }
    if (requirements.includes("reopen") && options.reopen === undefined) {
      throw new Error(`contract test ${id} needs the reopen option: another adapter over the same storage`);
    }
    if (requirements.includes("migrate") && typeof (adapter as { migrate?: unknown }).migrate !== "function") {
      throw new Error(`contract test ${id} needs an adapter with a migrate() method`);
    }
    const oracle = options.oracle;
    const reopen = options.reopen;
    const context: ContractTestContext = {
      adapter,
      createAdapter,
      reopen:
        reopen === undefined
          ? undefined
          : async () => {
              const another = await reopen(adapter, { serialisationGuarantee, testId: id });
              created.push(another);
              return another;
            },
      random: createRandom(id),
      testId: id,
      serialisationGuarantee,
      concurrency: { ...DEFAULT_CONCURRENCY, ...options.concurrency },
      hasOracle: oracle !== undefined,
      persisted: async (): Promise<StoredEvent[]> => {
        const events =
          oracle === undefined
            ? await collect(adapter.scan(logIdentifier()))
            : await oracle.readAll(adapter, { serialisationGuarantee, testId: id });
        return [...events].sort((left, right) =>
          left.sequenceNumber < right.sequenceNumber ? -1 : left.sequenceNumber > right.sequenceNumber ? 1 : 0,
        );
      },
    };
    await test.run(context);
  } finally {
    // Closing twice is harmless by contract, so tests that close their adapter are fine.
    await Promise.all(created.map((adapter) => adapter.close()));
  }
}
