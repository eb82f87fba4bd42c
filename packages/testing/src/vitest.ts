export {
  CONTRACT_GROUPS,
  type ContractConcurrency,
  type ContractContext,
  type ContractGroup,
  type ContractOracle,
  type ContractRequirement,
  type ContractTest,
  type ContractTestBody,
  type ContractTestContext,
  type ContractTestSpec,
  type OracleEvent,
} from "./contract/contract-test.js";
export {
  type DescribeEventStorageAdapterOptions,
  describeContractGroups,
  describeEventStorageAdapter,
} from "./contract/describe-event-storage-adapter.js";
export { type ContractTestId, contractTestIds, contractTestIdsOf, contractTests } from "./contract/registry.js";
export { DEFAULT_CONCURRENCY, type RunContractTestOptions, runContractTest } from "./contract/run-contract-test.js";
