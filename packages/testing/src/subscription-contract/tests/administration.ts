import { defineSubscriptionTests } from "../subscription-contract-test.js";

/** What operators do to subscriptions from outside: list checkpoints and move them. */
export const administrationTests = defineSubscriptionTests("administration", {});
