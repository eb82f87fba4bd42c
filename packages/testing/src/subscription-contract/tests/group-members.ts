import { defineSubscriptionTests } from "../subscription-contract-test.js";

/** Consumer groups at work: member processes sharing a subscription, per-stream order, failover. */
export const groupMemberTests = defineSubscriptionTests("group-members", {});
