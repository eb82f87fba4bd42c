import type { AdapterCapabilities, EventStorageAdapter, SerialisationGuarantee } from "@chronicle/core";
import { afterAll, describe, it } from "vitest";
import {
  CONTRACT_GROUPS,
  type ContractConcurrency,
  type ContractContext,
  type ContractGroup,
  type ContractOracle,
} from "./contract-test.js";
import { type ContractTestId, contractTestIdsOf, contractTests } from "./registry.js";
import { runContractTest } from "./run-contract-test.js";

/** Options of `describeEventStorageAdapter`. */
export interface DescribeEventStorageAdapterOptions<A extends EventStorageAdapter = EventStorageAdapter> {
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
  try {
    checkOptions(options);
  } catch (error) {
    // Whatever the caller set up for the suite (pools, files, key prefixes) is released before the options are refused.
    options.cleanup?.().catch(() => {});
    throw error;
  }
  describe(`${options.name}: event storage adapter contract`, async () => {
    const capabilities = await probeCapabilities(options);
    if (options.cleanup !== undefined) afterAll(options.cleanup);
    const defaultGuarantee: SerialisationGuarantee = capabilities.serialisationGuarantees.includes("log")
      ? "log"
      : capabilities.serialisationGuarantee;
    for (const group of groups) {
      const describeGroup = options.concurrent ? describe.concurrent : describe;
      describeGroup(group, () => {
        for (const id of contractTestIdsOf(group)) {
          const reason = skipReason(id, options, capabilities);
          if (reason !== undefined) {
            it.skip(`${id} (skipped: ${reason})`, () => {});
            continue;
          }
          it(id, { timeout: contractTests[id].timeout }, () =>
            runContractTest(id, {
              create: options.create,
              oracle: options.oracle,
              reopen: options.reopen,
              concurrency: options.concurrency,
              serialisationGuarantee: defaultGuarantee,
            }),
          );
        }
      });
    }
  });
}

async function probeCapabilities<A extends EventStorageAdapter>(
  options: DescribeEventStorageAdapterOptions<A>,
): Promise<AdapterCapabilities> {
  const adapter = await options.create({ serialisationGuarantee: "log", testId: "capabilities" });
  try {
    // Copied, since the adapter is closed before the tests read it.
    const { multiStreamWrites, serialisationGuarantees, serialisationGuarantee } = adapter.capabilities;
    return { multiStreamWrites, serialisationGuarantees: [...serialisationGuarantees], serialisationGuarantee };
  } finally {
    await adapter.close();
  }
}

function skipReason<A extends EventStorageAdapter>(
  id: ContractTestId,
  options: DescribeEventStorageAdapterOptions<A>,
  capabilities: AdapterCapabilities,
): string | undefined {
  const test = contractTests[id];
  const byId = options.skip?.[id];
  if (byId !== undefined) return byId;
  const byGroup = options.skipGroups?.[test.group];
  if (byGroup !== undefined) return byGroup;
  if (test.requires === "reopen" && options.reopen === undefined) {
    return "no reopen option was given to open a second adapter over the same storage";
  }
  if (test.requires === "multiStreamWrites" && !capabilities.multiStreamWrites) {
    return "the adapter declares capabilities.multiStreamWrites: false";
  }
  if (test.serialisationGuarantee !== undefined && !capabilities.serialisationGuarantees.includes(test.serialisationGuarantee)) {
    return `the adapter does not declare the "${test.serialisationGuarantee}" serialisation guarantee`;
  }
  return undefined;
}

// Plain JavaScript callers get no type checks, so ids, groups and reasons are checked here too.
function checkOptions<A extends EventStorageAdapter>(options: DescribeEventStorageAdapterOptions<A>): void {
  for (const [id, reason] of Object.entries(options.skip ?? {})) {
    if (!Object.hasOwn(contractTests, id)) throw new Error(`skip names an unknown contract test id ${JSON.stringify(id)}`);
    if (typeof reason !== "string" || reason.trim() === "") throw new Error(`skip of ${id} needs a reason`);
  }
  for (const [group, reason] of Object.entries(options.skipGroups ?? {})) {
    if (!(CONTRACT_GROUPS as readonly string[]).includes(group))
      throw new Error(`skipGroups names an unknown group ${JSON.stringify(group)}`);
    if (typeof reason !== "string" || reason.trim() === "") throw new Error(`skipGroups of ${group} needs a reason`);
  }
}
