import type { StoredEvent } from "@chronicle/core";
import type { ContractOracle } from "@chronicle/testing/vitest";
import type { Cluster, Redis } from "ioredis";
import type { RedisEventStorageAdapter } from "../src/index.js";

type RawRecord = [number, number, number, number, string, string, string, string, StoredEvent["payload"], StoredEvent["metadata"]];

/**
 * Reads a store's raw keys with plain commands, not through the adapter, and
 * checks that every index agrees with the stored records: the log, each
 * category and stream set, the id index and the sequence counter.
 */
export function redisOracle(client: Redis | Cluster): ContractOracle<RedisEventStorageAdapter> {
  return {
    async readAll(adapter) {
      const base = `{${adapter.keyPrefix}}`;
      const records = await client.hgetall(`${base}events`);
      const events = Object.entries(records).map(([field, record]): StoredEvent => {
        const [sequenceNumber, position, occurredAt, observedAt, name, id, category, stream, payload, metadata] = JSON.parse(
          record,
        ) as RawRecord;
        if (String(sequenceNumber) !== field) throw new Error(`record under ${field} says sequence number ${sequenceNumber}`);
        return {
          id,
          name,
          category,
          stream,
          position,
          sequenceNumber: BigInt(sequenceNumber),
          payload,
          metadata,
          occurredAt: new Date(occurredAt),
          observedAt: new Date(observedAt),
        };
      });
      events.sort((left, right) => Number(left.sequenceNumber - right.sequenceNumber));
      const sequenceNumbers = (list: readonly StoredEvent[]) => list.map((event) => String(event.sequenceNumber));
      const expectIndex = async (key: string, expected: readonly StoredEvent[]) => {
        const members = await client.zrange(key, 0, -1, "WITHSCORES");
        const pairs = sequenceNumbers(expected).flatMap((sequence) => [sequence, sequence]);
        if (JSON.stringify(members) !== JSON.stringify(pairs)) throw new Error(`index ${key} disagrees with the stored records`);
      };

      await expectIndex(`${base}log`, events);
      const byCategory = groupBy(events, (event) => event.category);
      for (const [category, inCategory] of byCategory) await expectIndex(`${base}category:${category}`, inCategory);
      const byStream = groupBy(events, (event) => JSON.stringify([event.category, event.stream]));
      for (const [stream, inStream] of byStream) {
        inStream.forEach((event, index) => {
          if (event.position !== index) throw new Error(`stream ${stream} has position ${event.position} at rank ${index}`);
        });
        await expectIndex(`${base}stream:${stream}`, inStream);
      }
      const ids = await client.hgetall(`${base}ids`);
      if (Object.keys(ids).length !== events.length) throw new Error("the id index and the records differ in size");
      for (const event of events) {
        if (ids[event.id] !== String(event.sequenceNumber)) throw new Error(`the id index maps ${event.id} elsewhere`);
      }
      const counter = Number((await client.get(`${base}sequence`)) ?? 0);
      if (events.length > 0 && counter < Number(events.at(-1)?.sequenceNumber)) throw new Error("the sequence counter is behind");
      return events;
    },
  };
}

// Map.groupBy arrived in Node 21.
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group === undefined) groups.set(key(item), [item]);
    else group.push(item);
  }
  return groups;
}
