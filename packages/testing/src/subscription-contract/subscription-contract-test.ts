import type { EventStorageAdapter, EventStore, SerialisationGuarantee, SubscriptionCapabilities } from "@chronicle/core";
import { testDefiner } from "../suite/define-tests.js";

/** The groups of the subscription support suite, in the order they run. */
export const SUBSCRIPTION_CONTRACT_GROUPS = [
  "delivery",
  "checkpoints",
  "parking",
  "administration",
  "lifecycle",
  "notifications",
  "transactional",
  "groups",
  "group-members",
  "crash",
] as const;

/** A group of the subscription support suite. */
export type SubscriptionContractGroup = (typeof SUBSCRIPTION_CONTRACT_GROUPS)[number];

/** What a test needs beyond subscription support itself; without it the test is registered as skipped. */
export type SubscriptionContractRequirement =
  | "notifications"
  | "consumerGroups"
  | "transactional"
  | "not-transactional"
  | "durable-process"
  | "transactional-process";

/** What `create` is told: which test it is for and which serialisation guarantee to use. */
export interface SubscriptionContractContext {
  /** Unique within the suite: name the schema, file or key prefix after it. Opening it again must give the same storage. */
  testId: string;
  /** The guarantee the adapter must be created with. */
  serialisationGuarantee: SerialisationGuarantee;
}

/** What a test body receives. */
export interface SubscriptionContractTestContext {
  /** The test's id. */
  readonly testId: string;
  /** Creates an adapter (closed after the test) for the test's storage; another `testId` gives other storage. */
  readonly createAdapter: (context?: Partial<SubscriptionContractContext>) => Promise<EventStorageAdapter>;
  /** An `EventStore` over a fresh adapter, closed after the test. */
  readonly createStore: (context?: Partial<SubscriptionContractContext>) => Promise<EventStore>;
  /** What the adapter declares. */
  readonly capabilities: SubscriptionCapabilities;
  /** Every serialisation guarantee the adapter offers. */
  readonly guarantees: readonly SerialisationGuarantee[];
  /** The child-process options given to the suite, for the `crash` tests. */
  readonly process: SubscriptionContractProcess | undefined;
  /** Sizes of the concurrency tests. */
  readonly concurrency: SubscriptionContractConcurrency;
}

/** Sizes of the concurrent-writer tests. */
export interface SubscriptionContractConcurrency {
  /** Concurrent writers (default 8). */
  writers: number;
  /** Events each writer publishes, one publish at a time (default 25). */
  eventsPerWriter: number;
}

/**
 * How the `crash` tests start a subscriber in a child process they can
 * `SIGKILL`. The child runs under `node --import tsx` in the module's folder
 * (so tsx must be installed where the module is), imports `module`, and
 * calls its default export with the test's `SubscriptionContractContext`: it
 * must open the same storage as `create` does for that context.
 *
 * ```ts
 * // subscriber-adapter.ts
 * export default async ({ testId }) => new MyAdapter({ prefix: `test-${testId}` });
 * // with transactional support, also:
 * export async function recordEffect(transaction, key: string) { … write one row through the transaction … }
 * ```
 */
export interface SubscriptionContractProcess<A extends EventStorageAdapter = EventStorageAdapter> {
  /** The module the child imports (a `file:` URL or an absolute path). */
  module: URL | string;
  /**
   * For the transactional crash test: reads back, from the parent, the keys the
   * module's `recordEffect` wrote in the test's storage, one per call that committed.
   */
  readEffects?: (adapter: A, context: SubscriptionContractContext) => Promise<string[]>;
  /** Node options of the child process; default `["--conditions=@chronicle/source", "--import", "tsx"]` (the condition resolves Chronicle's workspace packages to their source, and is ignored elsewhere). */
  execArgv?: readonly string[];
}

/** A test body. */
export type SubscriptionContractTestBody = (context: SubscriptionContractTestContext) => Promise<void>;

/** A test: its body, what it needs, and a timeout. */
export interface SubscriptionContractTestSpec {
  readonly run: SubscriptionContractTestBody;
  readonly requires?: readonly SubscriptionContractRequirement[];
  /** Only for adapters offering this serialisation guarantee; the adapter is created with it. */
  readonly serialisationGuarantee?: SerialisationGuarantee;
  readonly timeout?: number;
}

/** A registered test. */
export type SubscriptionContractTest = SubscriptionContractTestSpec & {
  readonly id: string;
  readonly group: SubscriptionContractGroup;
};

/** Registers a group's tests under ids that start with the group's name. */
export const defineSubscriptionTests = testDefiner<SubscriptionContractGroup, SubscriptionContractTestSpec>();
