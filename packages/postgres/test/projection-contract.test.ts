import { describeProjectionStorageAdapter } from "@chronicle/testing/vitest";
import { PostgresProjectionStorageAdapter } from "../src/index.js";
import { createPool, dropSchemas, uniqueSchema } from "./postgres-test-support.js";
import { readRawProjections } from "./projection-test-support.js";

const pool = createPool(12);
const schemas = new Set<string>();

describeProjectionStorageAdapter({
  name: "postgres",
  // One schema per test id; migrating is left to first use, so the migrate group sees it.
  create: async ({ testId }) => {
    const schema = uniqueSchema(testId);
    schemas.add(schema);
    return new PostgresProjectionStorageAdapter({ pool }, { schema });
  },
  cleanup: async () => {
    await dropSchemas(pool, schemas);
    await pool.end();
  },
  oracle: { readAll: (adapter) => readRawProjections(pool, adapter.schema) },
  concurrent: true,
});
