import type { EventTarget, JsonValue, Projection } from "@chronicle/core";
import { Cluster, type Redis } from "ioredis";
import { RedisProjectionKeys } from "../src/redis-projection-keys.js";

type RawRecord = [string, string, EventTarget, number, string | null, number, number | null, JsonValue];

/**
 * Every projection stored under `keyPrefix`, read with raw commands (SCAN on
 * every master, then HGETALL) rather than through the adapter. A large COUNT
 * keeps the walk to a few round trips on a server shared with other tests. Throws when a
 * hash's fields disagree with its record, or a projection is missing from its
 * locate index: what the scripts keep in step.
 */
export async function readRawProjections(client: Redis | Cluster, keyPrefix: string): Promise<Projection[]> {
  const keys = new RedisProjectionKeys(keyPrefix);
  const nodes = client instanceof Cluster ? client.nodes("master") : [client];
  const projections: Projection[] = [];
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, found] = await node.scan(cursor, "MATCH", keys.projectionPattern(), "COUNT", 20_000);
      cursor = next;
      for (const key of found) {
        const fields = await node.hgetall(key);
        const [name, id, source, version, position, eventCount, updatedAt, state] = JSON.parse(fields.r as string) as RawRecord;
        if (key !== keys.projection(name, id)) throw new Error(`${key} holds the projection ${name}/${id}`);
        if (fields.v !== String(version) || fields.p !== (position ?? "")) throw new Error(`${key}: fields disagree with the record`);
        if (fields.s !== keys.source(name, source)) throw new Error(`${key}: indexed under ${fields.s}`);
        if ((await node.zscore(fields.s, id)) === null) throw new Error(`${key} is missing from its locate index`);
        projections.push({
          name,
          id,
          source,
          state,
          version,
          position: position === null ? undefined : BigInt(position),
          eventCount,
          updatedAt: updatedAt === null ? undefined : new Date(updatedAt),
        });
      }
    } while (cursor !== "0");
  }
  return projections;
}
