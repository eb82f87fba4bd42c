/** Options of `new RedisProjectionStorageAdapter(connection, options)`. */
export interface RedisProjectionStorageAdapterOptions {
  /**
   * Prepended to every key, inside a hash tag (`{chronicle:}projection:…`), so
   * one store lives in one Redis Cluster slot. Two adapters with different
   * prefixes never see each other's projections; an event storage adapter may
   * use the same prefix, since projection keys never clash with event keys.
   * Defaults to `"chronicle:"`.
   */
  keyPrefix?: string;
  /** Whether the first call runs `migrate()` (records or checks the key layout version). Defaults to `true`. */
  migrate?: boolean;
}
