export { RedisEventStorageAdapter } from "./redis-event-storage-adapter.js";
export type { RedisClientLike, RedisConnection, RedisEventStorageAdapterOptions } from "./redis-options.js";
export type { RedisPersistence } from "./redis-persistence.js";
export type { RedisProjectionStorageAdapterOptions } from "./redis-projection-options.js";
export { RedisProjectionStorageAdapter } from "./redis-projection-storage-adapter.js";
