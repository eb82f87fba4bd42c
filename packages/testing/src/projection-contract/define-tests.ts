import { testDefiner } from "../suite/define-tests.js";
import type { ProjectionContractGroup, ProjectionContractTestSpec } from "./projection-contract-test.js";

/**
 * Registers a group's projection contract tests under ids that start with the
 * group's name (`"search.gt.string-code-point-order"`).
 */
export const defineProjectionTests = testDefiner<ProjectionContractGroup, ProjectionContractTestSpec>();
