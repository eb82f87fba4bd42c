import type { ContractGroup, ContractTest } from "./contract-test.js";
import { closeTests } from "./tests/close.js";
import { concurrencyTests } from "./tests/concurrency.js";
import { conditionsTests } from "./tests/conditions.js";
import { idempotencyTests } from "./tests/idempotency.js";
import { instancesTests } from "./tests/instances.js";
import { latestTests } from "./tests/latest.js";
import { migrateTests } from "./tests/migrate.js";
import { roundTripTests } from "./tests/round-trip.js";
import { saveTests } from "./tests/save.js";
import { scanCategoryTests, scanLogTests, scanStreamTests } from "./tests/scan.js";
import { validationTests } from "./tests/validation.js";

/** Every contract test, keyed by its stable id. */
export const contractTests = {
  ...saveTests,
  ...conditionsTests,
  ...idempotencyTests,
  ...scanStreamTests,
  ...scanCategoryTests,
  ...scanLogTests,
  ...latestTests,
  ...roundTripTests,
  ...validationTests,
  ...concurrencyTests,
  ...instancesTests,
  ...migrateTests,
  ...closeTests,
} satisfies Record<string, ContractTest>;

/** The stable id of a contract test, such as `"conditions.position-is.rejects-stale"`. */
export type ContractTestId = keyof typeof contractTests;

/** Every contract test id, in registry order. */
export const contractTestIds = Object.keys(contractTests) as ContractTestId[];

/** The ids of a group's tests. */
export function contractTestIdsOf(group: ContractGroup): ContractTestId[] {
  return contractTestIds.filter((id) => contractTests[id].group === group);
}
