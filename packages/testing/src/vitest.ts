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
export {
  type DescribeProjectionStorageAdapterOptions,
  describeProjectionContractGroups,
  describeProjectionStorageAdapter,
} from "./projection-contract/describe-projection-storage-adapter.js";
export {
  PROJECTION_CONTRACT_GROUPS,
  type ProjectionContractContext,
  type ProjectionContractGroup,
  type ProjectionContractOracle,
  type ProjectionContractProperty,
  type ProjectionContractTest,
  type ProjectionContractTestBody,
  type ProjectionContractTestContext,
  type ProjectionContractTestSpec,
} from "./projection-contract/projection-contract-test.js";
export {
  type ProjectionContractTestId,
  projectionContractTestIds,
  projectionContractTestIdsOf,
  projectionContractTests,
} from "./projection-contract/registry.js";
export {
  DEFAULT_PROPERTY,
  type RunProjectionContractTestOptions,
  runProjectionContractTest,
} from "./projection-contract/run-projection-contract-test.js";
export { type DescribeSnapshotsOptions, describeSnapshots } from "./snapshots/describe-snapshots.js";
export {
  type DescribeSubscriptionSupportOptions,
  describeSubscriptionSupport,
} from "./subscription-contract/describe-subscription-support.js";
export { type SubscriptionContractTestId, subscriptionContractTestIds } from "./subscription-contract/registry.js";
export {
  SUBSCRIPTION_CONTRACT_GROUPS,
  type SubscriptionContractConcurrency,
  type SubscriptionContractContext,
  type SubscriptionContractGroup,
  type SubscriptionContractProcess,
} from "./subscription-contract/subscription-contract-test.js";
