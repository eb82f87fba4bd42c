import type { StoredEvent } from "@chronicle/core";
import type { ContractOracle } from "@chronicle/testing/vitest";
import type { Cluster, Redis } from "ioredis";
import type { RedisEventStorageAdapter } from "../src/index.js";

type RawRecord = [number, number, number, number, string, string, string, string, StoredEvent["payload"], StoredEvent["metadata"]];

/**
 * Reads a store's raw keys with plain commands, not through the adapter, and
 * checks that every index agrees with the stored records: a record for each
 * sequence number up to the counter, each category's and stream's list, and
 * the id index.
 */
export function redisOracle(client: Redis | Cluster): ContractOracle<RedisEventStorageAdapter> {
  return {
    async readAll(adapter) {
      const base = `{${adapter.keyPrefix}}`;
      const counter = Number((await client.get(`${base}sequence`)) ?? 0);
      const keys = Array.from({ length: counter }, (_, index) => `${base}event:${index + 1}`);
      const records = keys.length === 0 ? [] : await client.mget(...keys);
      const events = records.map((record, index): StoredEvent => {
        if (record === null) throw new Error(`no record for sequence number ${index + 1} of ${counter}`);
        const [sequenceNumber, position, occurredAt, observedAt, name, id, category, stream, payload, metadata] = JSON.parse(
          record,
        ) as RawRecord;
        if (sequenceNumber !== index + 1) throw new Error(`record ${keys[index]} says sequence number ${sequenceNumber}`);
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
      events.forEach((event, index) => {
        if (event.sequenceNumber !== BigInt(index + 1)) throw new Error(`sequence number ${event.sequenceNumber} at log index ${index}`);
      });
      const expectList = async (key: string, expected: readonly StoredEvent[]) => {
        const entries = await client.lrange(key, 0, -1);
        const sequenceNumbers = expected.map((event) => String(event.sequenceNumber));
        if (JSON.stringify(entries) !== JSON.stringify(sequenceNumbers)) throw new Error(`list ${key} disagrees with the stored records`);
      };
      for (const [category, inCategory] of groupBy(events, (event) => event.category)) {
        await expectList(`${base}category:${category}`, inCategory);
      }
      for (const [stream, inStream] of groupBy(events, (event) => JSON.stringify([event.category, event.stream]))) {
        inStream.forEach((event, index) => {
          if (event.position !== index) throw new Error(`stream ${stream} has position ${event.position} at index ${index}`);
        });
        await expectList(`${base}stream:${stream}`, inStream);
      }
      const ids = await client.hgetall(`${base}ids`);
      if (Object.keys(ids).length !== events.length) throw new Error("the id index and the records differ in size");
      for (const event of events) {
        if (ids[event.id] !== String(event.sequenceNumber)) throw new Error(`the id index maps ${event.id} elsewhere`);
      }
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
