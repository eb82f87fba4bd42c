import type { Clock, SerialisationGuarantee } from "@chronicle/core";
import type { RedisOptions } from "ioredis";

/**
 * The part of an ioredis client the adapter uses: `call`, which both `Redis`
 * and `Cluster` have, and `quit` for a client the adapter opened itself.
 */
export interface RedisClientLike {
  call(command: string, ...args: (string | number | Buffer)[]): Promise<unknown>;
}

/** Where the adapter finds Redis: the user's own client (never closed by the adapter), or a URL it connects to and owns. */
export type RedisConnection =
  | {
      /** An ioredis `Redis` or `Cluster` client. The adapter never closes it. */
      client: RedisClientLike;
    }
  | {
      /** A Redis URL such as `redis://127.0.0.1:6379`. The adapter opens the client and `close()` quits it. */
      url: string;
      /** Passed to ioredis when it opens the client. */
      redisOptions?: RedisOptions;
    };

/** Options of `new RedisEventStorageAdapter(connection, options)`. */
export interface RedisEventStorageAdapterOptions {
  /**
   * Prepended to every key, inside a hash tag (`{chronicle:}sequence`), so one store
   * lives in one Redis Cluster slot. Two stores with different prefixes never
   * see each other's events. Defaults to `"chronicle:"`.
   */
  keyPrefix?: string;
  /**
   * Accepted for parity with the other adapters: Redis runs one script at a
   * time, which serialises every write across the whole log and so satisfies
   * all three. Defaults to `"log"`.
   */
  serialisationGuarantee?: SerialisationGuarantee;
  /** Stamps `observedAt` on events saved without one. Defaults to the system clock. */
  clock?: Clock;
  /** Whether the first call runs `migrate()` (checks the key layout version). Defaults to `true`. */
  migrate?: boolean;
  /** Events fetched per round trip when a scan gives no `pageSize`. Defaults to 1,000. */
  pageSize?: number;
}
