import { describeEventStorageAdapter } from "@chronicle/testing/vitest";
import { PostgresEventStorageAdapter } from "../src/index.js";
import { createPool, dropSchemas, POSTGRES_URL, readRaw, uniqueSchema } from "./postgres-test-support.js";

const pool = createPool(12);
const schemas = new Set<string>();

describeEventStorageAdapter({
  name: "postgres",
  // One schema per test: adapters a test creates for itself share it.
  create: async ({ serialisationGuarantee, testId }) => {
    const schema = uniqueSchema(testId);
    schemas.add(schema);
    return new PostgresEventStorageAdapter({ pool }, { schema, serialisationGuarantee });
  },
  // A pool of its own on the same schema, as another process would have.
  reopen: async (adapter, { serialisationGuarantee }) =>
    new PostgresEventStorageAdapter({ connectionString: POSTGRES_URL }, { schema: adapter.schema, serialisationGuarantee }),
  cleanup: async () => {
    await dropSchemas(pool, schemas);
    await pool.end();
  },
  oracle: { readAll: (adapter) => readRaw(pool, adapter.schema) },
  concurrent: true,
});
