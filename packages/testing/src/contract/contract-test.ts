import type { EventStorageAdapter, SerialisationGuarantee, StoredEvent } from "@chronicle/core";
import type { Random } from "../random.js";

/** The groups of the contract suite; each can be switched off with `skipGroups`. */
export const CONTRACT_GROUPS = [
  "save",
  "conditions",
  "idempotency",
  "scan.stream",
  "scan.category",
  "scan.log",
  "latest",
  "round-trip",
  "validation",
  "concurrency",
  "instances",
  "migrate",
  "close",
] as const;

/** A group of contract tests, such as `"conditions"` or `"scan.log"`. */
export type ContractGroup = (typeof CONTRACT_GROUPS)[number];

/** What `create` is told about the test it creates an adapter for. */
export interface ContractContext {
  /** The guarantee the adapter must be created with. */
  serialisationGuarantee: SerialisationGuarantee;
  /** The id of the test, unique within the suite: handy for naming a schema, file or key prefix. */
  testId: string;
}

/**
 * An event as the storage holds it, read by the adapter author's own raw query
 * (SQL, Redis commands, …) rather than through the adapter's read path.
 */
export type OracleEvent = StoredEvent;

/** Raw reads of everything an adapter has persisted, so the suite need not trust the adapter's own reads. */
export interface ContractOracle<A extends EventStorageAdapter = EventStorageAdapter> {
  /**
   * Every event persisted by `adapter`, in any order. `context` is the one
   * `create` received for this adapter, so the storage can be found from the
   * test id (a schema, file or key prefix named after it) without keeping a map
   * from adapters to their storage.
   */
  readAll(adapter: A, context: ContractContext): Promise<OracleEvent[]>;
}

/** Sizes of the concurrency tests. */
export interface ContractConcurrency {
  /** Concurrent writers (and racers on one position). Default 8. */
  writers: number;
  /** Events each writer appends, one save per event. Default 25. */
  eventsPerWriter: number;
}

/** What a contract test body receives. */
export interface ContractTestContext {
  /** A fresh adapter, closed after the test. */
  readonly adapter: EventStorageAdapter;
  /**
   * Creates another adapter with the same context (test id and guarantee), closed
   * after the test too. Whether it shares the first adapter's storage is up to
   * `create`; no contract test relies on either.
   */
  readonly createAdapter: () => Promise<EventStorageAdapter>;
  /** Seeded with the test id, so every run sees the same data. */
  readonly random: Random;
  /** The id of the running test. */
  readonly testId: string;
  /** The guarantee the adapter was created with. */
  readonly serialisationGuarantee: SerialisationGuarantee;
  /** Sizes of the concurrency tests. */
  readonly concurrency: ContractConcurrency;
  /**
   * Opens another adapter over the same storage as `adapter` (the suite's
   * `reopen` option), closed after the test; `undefined` when none was given.
   */
  readonly reopen: (() => Promise<EventStorageAdapter>) | undefined;
  /** Whether `persisted()` reads through an oracle rather than the adapter. */
  readonly hasOracle: boolean;
  /** Everything persisted, in sequence order: through the oracle when one was given, else by scanning the log. */
  persisted(): Promise<StoredEvent[]>;
}

/** A test body: a plain async function that throws (through `expect`) when the adapter breaks the contract. */
export type ContractTestBody = (context: ContractTestContext) => Promise<void>;

/**
 * What a contract test may need beyond the contract itself: a declared
 * capability (`multiStreamWrites`), the suite's `reopen` option (`reopen`), or
 * an adapter with a `migrate()` method, which the contract leaves optional (`migrate`).
 */
export type ContractRequirement = "multiStreamWrites" | "reopen" | "migrate";

/** A test body with what it needs from the adapter. */
export interface ContractTestSpec {
  /** Skipped when the adapter or the suite's options lack any of these. */
  readonly requires?: ContractRequirement | readonly ContractRequirement[];
  /** Creates the adapter with this guarantee; skipped when the adapter does not declare it. */
  readonly serialisationGuarantee?: SerialisationGuarantee;
  /** A timeout above the default, for tests that do a lot of work. */
  readonly timeout?: number;
  readonly run: ContractTestBody;
}

/** A registered contract test. */
export interface ContractTest extends ContractTestSpec {
  readonly id: string;
  readonly group: ContractGroup;
}

/** The requirements of a test, as a list. */
export function requirementsOf(test: ContractTestSpec): readonly ContractRequirement[] {
  const { requires } = test;
  return requires === undefined ? [] : typeof requires === "string" ? [requires] : requires;
}
