import { createHash } from "node:crypto";
import type { RedisClientLike } from "./redis-options.js";

/**
 * A Lua script run by its SHA1 (`EVALSHA`), sent whole (`EVAL`, which also
 * caches it) only when the server answers NOSCRIPT: after a restart, a
 * `SCRIPT FLUSH`, or on a cluster node that has not seen it yet. Unlike ioredis'
 * `defineCommand`, it adds nothing to the user's client.
 */
export class RedisScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash("sha1").update(source).digest("hex");
  }

  async run(client: RedisClientLike, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.call("EVALSHA", this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return client.call("EVAL", this.#source, keys.length, ...keys, ...args);
    }
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOSCRIPT");
}
