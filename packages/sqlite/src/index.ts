export type { SqliteDatabase, SqliteStatement } from "./sqlite-database.js";
export { SqliteEventStorageAdapter } from "./sqlite-event-storage-adapter.js";
export type { SqliteConnectionOptions, SqliteEventStorageAdapterOptions, SqliteSynchronous } from "./sqlite-options.js";
export type {
  SqliteProjectionConnectionOptions,
  SqliteProjectionDatabase,
  SqliteProjectionStorageAdapterOptions,
} from "./sqlite-projection-options.js";
export { SqliteProjectionStorageAdapter } from "./sqlite-projection-storage-adapter.js";
export { SqliteSubscriptionSupport } from "./sqlite-subscription-support.js";
