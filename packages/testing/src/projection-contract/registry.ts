import type { ProjectionContractGroup, ProjectionContractTest } from "./projection-contract-test.js";
import { capabilitiesTests } from "./tests/capabilities.js";
import { closeTests } from "./tests/close.js";
import { countTests } from "./tests/count.js";
import { deleteTests } from "./tests/delete.js";
import { isolationTests } from "./tests/isolation.js";
import { locateTests } from "./tests/locate.js";
import { migrateTests } from "./tests/migrate.js";
import { pagingTests } from "./tests/paging.js";
import { propertyTests } from "./tests/property.js";
import { queryValidationTests } from "./tests/query-validation.js";
import { roundTripTests } from "./tests/round-trip.js";
import { saveTests } from "./tests/save.js";
import { searchTests } from "./tests/search.js";
import { sortTests } from "./tests/sort.js";
import { validationTests } from "./tests/validation.js";

/** Every projection contract test, keyed by its stable id. */
export const projectionContractTests = {
  ...roundTripTests,
  ...saveTests,
  ...locateTests,
  ...deleteTests,
  ...isolationTests,
  ...validationTests,
  ...searchTests,
  ...sortTests,
  ...pagingTests,
  ...queryValidationTests,
  ...countTests,
  ...propertyTests,
  ...capabilitiesTests,
  ...migrateTests,
  ...closeTests,
} satisfies Record<string, ProjectionContractTest>;

/** The stable id of a projection contract test, such as `"search.gt.string-code-point-order"`. */
export type ProjectionContractTestId = keyof typeof projectionContractTests;

/** Every projection contract test id, in registry order. */
export const projectionContractTestIds = Object.keys(projectionContractTests) as ProjectionContractTestId[];

/** The ids of a group's tests. */
export function projectionContractTestIdsOf(group: ProjectionContractGroup): ProjectionContractTestId[] {
  return projectionContractTestIds.filter((id) => projectionContractTests[id].group === group);
}

/** The groups whose every test searches or counts, and so needs `capabilities.search`. */
export const SEARCH_GROUPS: readonly ProjectionContractGroup[] = ["search", "sort", "paging", "query-validation", "count", "property"];

/** Whether a test needs `capabilities.search`: it says so, or its group searches. */
export function needsSearch(test: ProjectionContractTest): boolean {
  return test.requires === "search" || SEARCH_GROUPS.includes(test.group);
}
