import { afterAll, describe, it } from "vitest";

/** The options every contract suite shares. */
export interface SuiteOptions<Id extends string, Group extends string> {
  /** Names the suite in test reports. */
  name: string;
  /** Runs after all tests; also when the options are refused. */
  cleanup?: () => Promise<void>;
  /** Tests to skip, by id, each with the reason. */
  skip?: Partial<Record<Id, string>>;
  /** Whole groups to skip, each with the reason. */
  skipGroups?: Partial<Record<Group, string>>;
  /** Runs the tests of each group concurrently. */
  concurrent?: boolean;
}

/** How `registerSuite` registers one contract suite. */
export interface SuiteRegistration<Id extends string, Group extends string, Capabilities> {
  /** The title of the outer `describe`, after the suite's name. */
  readonly title: string;
  /** The groups to register, in order. */
  readonly groups: readonly Group[];
  /** Every group of the suite, to check `skipGroups`. */
  readonly allGroups: readonly Group[];
  /** Every test of the suite, keyed by id, to check `skip`. */
  readonly tests: Readonly<Record<Id, { readonly group: Group; readonly timeout?: number }>>;
  /** The ids of one group, in order. */
  idsOf(group: Group): readonly Id[];
  /** Reads what the adapter declares, from an adapter created for it and closed again. */
  probe(): Promise<Capabilities>;
  /** Why a test cannot run on an adapter with these capabilities, beyond `skip` and `skipGroups`. */
  skipReason(id: Id, capabilities: Capabilities): string | undefined;
  /** Runs one test. */
  run(id: Id, capabilities: Capabilities): Promise<void>;
}

/**
 * Registers a contract suite: checks `skip` and `skipGroups` (plain JavaScript
 * callers get no type checks), reads the adapter's capabilities up front, then
 * registers one `describe` per group and one test per id. What cannot run is
 * registered as skipped, with the reason in its title.
 */
export function registerSuite<Id extends string, Group extends string, Capabilities>(
  options: SuiteOptions<Id, Group>,
  registration: SuiteRegistration<Id, Group, Capabilities>,
): void {
  try {
    checkSkipOptions(options, registration);
  } catch (error) {
    // Whatever the caller set up for the suite (pools, files, key prefixes) is released before the options are refused.
    options.cleanup?.().catch(() => {});
    throw error;
  }
  describe(`${options.name}: ${registration.title}`, async () => {
    const capabilities = await registration.probe();
    if (options.cleanup !== undefined) afterAll(options.cleanup);
    for (const group of registration.groups) {
      // A group with no tests (yet) registers nothing, rather than a failing empty `describe`.
      if (registration.idsOf(group).length === 0) continue;
      const describeGroup = options.concurrent ? describe.concurrent : describe;
      describeGroup(group, () => {
        for (const id of registration.idsOf(group)) {
          const reason =
            options.skip?.[id] ?? options.skipGroups?.[registration.tests[id].group] ?? registration.skipReason(id, capabilities);
          if (reason !== undefined) {
            it.skip(`${id} (skipped: ${reason})`, () => {});
            continue;
          }
          it(id, { timeout: registration.tests[id].timeout }, () => registration.run(id, capabilities));
        }
      });
    }
  });
}

function checkSkipOptions<Id extends string, Group extends string, Capabilities>(
  options: SuiteOptions<Id, Group>,
  registration: SuiteRegistration<Id, Group, Capabilities>,
): void {
  for (const [id, reason] of Object.entries(options.skip ?? {})) {
    if (!Object.hasOwn(registration.tests, id)) throw new Error(`skip names an unknown contract test id ${JSON.stringify(id)}`);
    if (typeof reason !== "string" || reason.trim() === "") throw new Error(`skip of ${id} needs a reason`);
  }
  for (const [group, reason] of Object.entries(options.skipGroups ?? {})) {
    if (!(registration.allGroups as readonly string[]).includes(group))
      throw new Error(`skipGroups names an unknown group ${JSON.stringify(group)}`);
    if (typeof reason !== "string" || reason.trim() === "") throw new Error(`skipGroups of ${group} needs a reason`);
  }
}
