export type { SqliteDatabase, SqliteStatement } from "./sqlite-database.js";
export { SqliteEventStorageAdapter } from "./sqlite-event-storage-adapter.js";
export type { SqliteConnectionOptions, SqliteEventStorageAdapterOptions, SqliteSynchronous } from "./sqlite-options.js";
