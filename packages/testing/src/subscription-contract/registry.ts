import type { SubscriptionContractGroup, SubscriptionContractTest } from "./subscription-contract-test.js";
import { administrationTests } from "./tests/administration.js";
import { checkpointTests } from "./tests/checkpoints.js";
import { crashTests } from "./tests/crash.js";
import { deliveryTests } from "./tests/delivery.js";
import { groupMemberTests } from "./tests/group-members.js";
import { groupTests } from "./tests/groups.js";
import { lifecycleTests } from "./tests/lifecycle.js";
import { notificationTests } from "./tests/notifications.js";
import { parkingTests } from "./tests/parking.js";
import { transactionalTests } from "./tests/transactional.js";

/** Every subscription support contract test, keyed by its stable id. */
export const subscriptionContractTests = {
  ...deliveryTests,
  ...checkpointTests,
  ...parkingTests,
  ...administrationTests,
  ...lifecycleTests,
  ...notificationTests,
  ...transactionalTests,
  ...groupTests,
  ...groupMemberTests,
  ...crashTests,
} satisfies Record<string, SubscriptionContractTest>;

/** The stable id of a subscription contract test, such as `"checkpoints.compare-and-set"`. */
export type SubscriptionContractTestId = keyof typeof subscriptionContractTests;

/** Every subscription contract test id, in registry order. */
export const subscriptionContractTestIds = Object.keys(subscriptionContractTests) as SubscriptionContractTestId[];

/** The ids of one group, in registry order. */
export function subscriptionContractTestIdsOf(group: SubscriptionContractGroup): SubscriptionContractTestId[] {
  return subscriptionContractTestIds.filter((id) => subscriptionContractTests[id].group === group);
}
