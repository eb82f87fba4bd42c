import { randomUUID } from "node:crypto";
import { describeEventStorageAdapter } from "@chronicle/testing/vitest";
import { Redis } from "ioredis";
import { RedisEventStorageAdapter } from "../src/index.js";
import { redisOracle } from "./redis-oracle.js";
import { deleteStore, REDIS_URL } from "./redis-test-support.js";

const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
// One key prefix per test: adapters a test creates for itself share it.
const run = `chronicle-contract:${randomUUID()}:`;
const prefixes = new Set<string>();

describeEventStorageAdapter({
  name: "redis",
  create: async ({ serialisationGuarantee, testId }) => {
    const keyPrefix = `${run}${testId}:`;
    prefixes.add(keyPrefix);
    return new RedisEventStorageAdapter({ client }, { keyPrefix, serialisationGuarantee });
  },
  cleanup: async () => {
    for (const keyPrefix of prefixes) await deleteStore(client, keyPrefix);
    client.disconnect();
  },
  oracle: redisOracle(client),
  concurrent: true,
});
