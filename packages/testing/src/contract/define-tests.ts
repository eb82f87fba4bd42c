import { testDefiner } from "../suite/define-tests.js";
import type { ContractGroup, ContractTestSpec } from "./contract-test.js";

/**
 * Registers a group's tests under ids that start with the group's name, so ids
 * stay stable and greppable (`"conditions.position-is.rejects-stale"`).
 */
export const defineTests = testDefiner<ContractGroup, ContractTestSpec>();
