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
