import type { ContractGroup, ContractTest, ContractTestBody, ContractTestSpec } from "./contract-test.js";

/**
 * Registers a group's tests under ids that start with the group's name, so ids
 * stay stable and greppable (`"conditions.position-is.rejects-stale"`).
 */
export function defineTests<G extends ContractGroup, T extends Record<`${G}.${string}`, ContractTestBody | ContractTestSpec>>(
  group: G,
  tests: T,
): { readonly [K in keyof T]: ContractTest } {
  const result: Record<string, ContractTest> = {};
  for (const [id, test] of Object.entries(tests) as [string, ContractTestBody | ContractTestSpec][]) {
    if (!id.startsWith(`${group}.`)) throw new Error(`contract test id ${id} does not start with its group ${group}.`);
    result[id] = typeof test === "function" ? { id, group, run: test } : { ...test, id, group };
  }
  return result as { readonly [K in keyof T]: ContractTest };
}
