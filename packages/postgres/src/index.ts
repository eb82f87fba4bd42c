export { notificationChannel } from "./notification-channel.js";
export { PostgresEventStorageAdapter } from "./postgres-event-storage-adapter.js";
export { LATEST_SCHEMA_VERSION } from "./postgres-migrations.js";
export type {
  PostgresConnection,
  PostgresEventStorageAdapterOptions,
  PostgresPool,
  PostgresPoolClient,
  PostgresQuery,
  PostgresQueryable,
} from "./postgres-options.js";
export type { PostgresProjectionStorageAdapterOptions } from "./postgres-projection-options.js";
export { PostgresProjectionStorageAdapter } from "./postgres-projection-storage-adapter.js";
export {
  POSTGRES_SUBSCRIPTION_CAPABILITIES,
  PostgresSubscriptionSupport,
  type PostgresTransaction,
} from "./postgres-subscription-support.js";
