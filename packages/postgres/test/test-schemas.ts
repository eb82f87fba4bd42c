import type pg from "pg";
import { afterAll } from "vitest";
import { createPool, dropSchemas, uniqueSchema } from "./postgres-test-support.js";

/**
 * A pool for one test file and a way to name schemas that are dropped, with the
 * pool ended, after the file's tests; `dropAfterwards` adds a schema named otherwise.
 */
export function useTestSchemas(poolSize: number): {
  pool: pg.Pool;
  schemaFor(label: string): string;
  dropAfterwards(schema: string): void;
} {
  const pool = createPool(poolSize);
  const schemas: string[] = [];
  afterAll(async () => {
    await dropSchemas(pool, schemas);
    await pool.end();
  });
  const dropAfterwards = (schema: string) => {
    schemas.push(schema);
  };
  return {
    pool,
    schemaFor(label) {
      const schema = uniqueSchema(label);
      dropAfterwards(schema);
      return schema;
    },
    dropAfterwards,
  };
}
