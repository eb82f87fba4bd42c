import { type EventStorageAdapter, EventStore, type SerialisationGuarantee, type SubscriptionCapabilities } from "@chronicle/core";
import { registerSuite, type SuiteOptions } from "../suite/register-suite.js";
import { type SubscriptionContractTestId, subscriptionContractTestIdsOf, subscriptionContractTests } from "./registry.js";
import {
  SUBSCRIPTION_CONTRACT_GROUPS,
  type SubscriptionContractConcurrency,
  type SubscriptionContractContext,
  type SubscriptionContractGroup,
  type SubscriptionContractProcess,
  type SubscriptionContractTest,
} from "./subscription-contract-test.js";

/** Options of `describeSubscriptionSupport`. */
export interface DescribeSubscriptionSupportOptions<A extends EventStorageAdapter = EventStorageAdapter>
  extends SuiteOptions<SubscriptionContractTestId, SubscriptionContractGroup> {
  /** Names the suite in test reports. */
  name: string;
  /**
   * Creates an adapter for a test's storage. Called with the same `testId` more
   * than once in a test, it must open the same storage again (as another process
   * would); another `testId` gives fresh, isolated storage. Also called once up
   * front, with the test id `"capabilities"`, to read what the adapter declares.
   */
  create: (context: SubscriptionContractContext) => Promise<A>;
  /** Runs after all tests, e.g. to drop schemas or delete files; also when the options are refused. */
  cleanup?: () => Promise<void>;
  /** Tests to skip, by id, each with the reason. */
  skip?: Partial<Record<SubscriptionContractTestId, string>>;
  /** Whole groups to skip, each with the reason. */
  skipGroups?: Partial<Record<SubscriptionContractGroup, string>>;
  /** How the `crash` tests start a subscriber in a child process; without it they are skipped. */
  process?: SubscriptionContractProcess<A>;
  /** Sizes of the concurrent-writer tests (defaults: 8 writers, 25 events each). */
  concurrency?: Partial<SubscriptionContractConcurrency>;
  /** Runs the tests of each group concurrently; safe only when `create` isolates every test. Defaults to `false`. */
  concurrent?: boolean;
}

interface Probed {
  readonly subscriptions: SubscriptionCapabilities | undefined;
  readonly guarantees: readonly SerialisationGuarantee[];
  readonly guarantee: SerialisationGuarantee;
}

/**
 * Registers the subscription support contract suite: one `describe` per group,
 * one test per stable id. Tests that need a capability the adapter does not
 * declare in `capabilities.subscriptions` (notifications, transactional,
 * durable storage for the `SIGKILL` tests) are registered as skipped, with the reason.
 */
export function describeSubscriptionSupport<A extends EventStorageAdapter>(options: DescribeSubscriptionSupportOptions<A>): void {
  registerSuite<SubscriptionContractTestId, SubscriptionContractGroup, Probed>(options, {
    title: "subscription support contract",
    groups: SUBSCRIPTION_CONTRACT_GROUPS,
    allGroups: SUBSCRIPTION_CONTRACT_GROUPS,
    tests: subscriptionContractTests,
    idsOf: subscriptionContractTestIdsOf,
    probe: async () => {
      const adapter = await options.create({ testId: "capabilities", serialisationGuarantee: "log" });
      try {
        const { subscriptions, serialisationGuarantees, serialisationGuarantee } = adapter.capabilities;
        return {
          subscriptions: subscriptions === undefined ? undefined : { ...subscriptions },
          guarantees: [...serialisationGuarantees],
          guarantee: serialisationGuarantee,
        };
      } finally {
        await adapter.close();
      }
    },
    skipReason: (id, probed) => skipReason(subscriptionContractTests[id], probed, options),
    run: (id, probed) => runSubscriptionContractTest(id, probed, options),
  });
}

function skipReason(
  test: SubscriptionContractTest,
  probed: Probed,
  options: { readonly process?: { readonly readEffects?: unknown } },
): string | undefined {
  const capabilities = probed.subscriptions;
  if (capabilities === undefined) return "the adapter declares no capabilities.subscriptions";
  if (test.serialisationGuarantee !== undefined && !probed.guarantees.includes(test.serialisationGuarantee)) {
    return `the adapter does not offer the "${test.serialisationGuarantee}" serialisation guarantee`;
  }
  for (const requirement of test.requires ?? []) {
    switch (requirement) {
      case "notifications":
        if (!capabilities.notifications) return "the adapter declares capabilities.subscriptions.notifications: false";
        break;
      case "consumerGroups":
        if (!capabilities.consumerGroups) return "the adapter declares capabilities.subscriptions.consumerGroups: false";
        break;
      case "transactional":
        if (!capabilities.transactional) return "the adapter declares capabilities.subscriptions.transactional: false";
        break;
      case "not-transactional":
        if (capabilities.transactional) return "the adapter declares capabilities.subscriptions.transactional: true";
        break;
      case "durable-process":
      case "transactional-process":
        if (!capabilities.durable) return "the adapter declares capabilities.subscriptions.durable: false";
        if (options.process === undefined) return "no process option was given to run a subscriber in a child process";
        if (requirement === "transactional-process") {
          if (!capabilities.transactional) return "the adapter declares capabilities.subscriptions.transactional: false";
          if (options.process.readEffects === undefined) return "no process.readEffects was given";
        }
        break;
    }
  }
  return undefined;
}

async function runSubscriptionContractTest<A extends EventStorageAdapter>(
  id: SubscriptionContractTestId,
  probed: Probed,
  options: DescribeSubscriptionSupportOptions<A>,
): Promise<void> {
  const test = subscriptionContractTests[id] as SubscriptionContractTest;
  const guarantee = test.serialisationGuarantee ?? (probed.guarantees.includes("log") ? "log" : probed.guarantee);
  const created: EventStorageAdapter[] = [];
  const createAdapter = async (context: Partial<SubscriptionContractContext> = {}) => {
    const adapter = await options.create({ testId: id, serialisationGuarantee: guarantee, ...context });
    created.push(adapter);
    return adapter;
  };
  try {
    await test.run({
      testId: id,
      createAdapter,
      createStore: async (context) => new EventStore(await createAdapter(context)),
      capabilities: probed.subscriptions as SubscriptionCapabilities,
      guarantees: probed.guarantees,
      process: options.process as SubscriptionContractProcess | undefined,
      concurrency: { writers: 8, eventsPerWriter: 25, ...options.concurrency },
    });
  } finally {
    for (const adapter of created) await adapter.close().catch(() => undefined);
  }
}
