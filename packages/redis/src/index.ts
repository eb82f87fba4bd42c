export { RedisEventStorageAdapter } from "./redis-event-storage-adapter.js";
export type { RedisClientLike, RedisConnection, RedisEventStorageAdapterOptions } from "./redis-options.js";
export type { RedisPersistence } from "./redis-persistence.js";
