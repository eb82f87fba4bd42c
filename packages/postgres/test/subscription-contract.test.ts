import { randomUUID } from "node:crypto";
import { describeSubscriptionSupport } from "@chronicle/testing/vitest";
import { PostgresEventStorageAdapter } from "../src/index.js";
import { effectsTable, subscriptionTestSchema } from "./fixtures/subscriber-adapter.js";
import { createPool, dropSchemas, POSTGRES_URL } from "./postgres-test-support.js";

// The crash tests' child processes inherit this, so they open the same schemas as the parent.
process.env.CHRONICLE_SUBSCRIPTION_TEST_RUN ??= randomUUID();

const pool = createPool(12);
const schemas = new Set<string>();

describeSubscriptionSupport<PostgresEventStorageAdapter>({
  name: "postgres",
  // One schema per test; adapters opened again for the same test (as another process would) each get a pool of their own.
  create: async ({ testId, serialisationGuarantee }) => {
    const schema = subscriptionTestSchema(testId);
    schemas.add(schema);
    const adapter = new PostgresEventStorageAdapter(
      { connectionString: POSTGRES_URL, maxConnections: 4 },
      { schema, serialisationGuarantee },
    );
    await adapter.migrate();
    await pool.query(`CREATE TABLE IF NOT EXISTS ${effectsTable(schema)} (key text NOT NULL)`);
    return adapter;
  },
  process: {
    module: new URL("./fixtures/subscriber-adapter.ts", import.meta.url),
    readEffects: async (adapter) => {
      const { rows } = await pool.query(`SELECT key FROM ${effectsTable(adapter.schema)}`);
      return rows.map((row) => row.key as string);
    },
  },
  cleanup: async () => {
    await dropSchemas(pool, schemas);
    await pool.end();
  },
});
