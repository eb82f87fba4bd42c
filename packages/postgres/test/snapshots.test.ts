import { describeSnapshots } from "@chronicle/testing/vitest";
import { PostgresEventStorageAdapter, PostgresProjectionStorageAdapter } from "../src/index.js";
import { createPool, dropSchemas, uniqueSchema } from "./postgres-test-support.js";

const pool = createPool(4);
const schemas = new Set<string>();

// Events and projections in one schema, as an application keeps them.
describeSnapshots({
  name: "postgres",
  create: async ({ testId }) => {
    const schema = uniqueSchema(`snapshots-${testId}`);
    schemas.add(schema);
    return {
      events: new PostgresEventStorageAdapter({ pool }, { schema }),
      projections: new PostgresProjectionStorageAdapter({ pool }, { schema }),
    };
  },
  cleanup: async () => {
    await dropSchemas(pool, schemas);
    await pool.end();
  },
});
