import { Redis } from "ioredis";
import type { RedisClientLike, RedisConnection } from "./redis-options.js";

/** The client an adapter talks through, and the one it opened itself (and so closes), if any. */
export interface OpenedRedisClient {
  readonly client: RedisClientLike;
  readonly owned: Redis | undefined;
}

/**
 * Takes the user's client as it is, or opens one for a URL. `adapter` names
 * the adapter class in the error thrown for a connection that has neither.
 */
export function openRedisClient(connection: RedisConnection, adapter: string): OpenedRedisClient {
  if ("client" in connection && connection.client !== undefined) return { client: connection.client, owned: undefined };
  if ("url" in connection && typeof connection.url === "string") {
    const owned = new Redis(connection.url, connection.redisOptions ?? {});
    // Connection errors reach callers through their commands, as UNAVAILABLE; without a listener ioredis would also log each one.
    owned.on("error", () => {});
    return { client: owned, owned };
  }
  throw new TypeError(`${adapter} needs { client } (an ioredis Redis or Cluster) or { url }`);
}

/** Quits a client the adapter opened, or drops its connection when quitting fails (it is already down). */
export async function quitRedisClient(owned: Redis | undefined): Promise<void> {
  if (owned === undefined) return;
  try {
    await owned.quit();
  } catch {
    owned.disconnect();
  }
}
