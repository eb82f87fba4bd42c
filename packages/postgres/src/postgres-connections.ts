import { InvalidInputError } from "@chronicle/core";
import pg from "pg";
import type { PostgresConnection, PostgresPool } from "./postgres-options.js";

/** Where an adapter's queries go, and the pool it must end on close (only one it opened itself). */
export interface OpenedPool {
  readonly pool: PostgresPool;
  readonly owned: pg.Pool | undefined;
}

/** Takes the user's pool as it is, or opens one from a connection string, which the adapter then owns. */
export function openPool(connection: PostgresConnection, adapterName: string): OpenedPool {
  if ("pool" in connection && connection.pool !== undefined) return { pool: connection.pool, owned: undefined };
  if ("connectionString" in connection && typeof connection.connectionString === "string") {
    const owned = new pg.Pool({ connectionString: connection.connectionString, max: connection.maxConnections ?? 10 });
    // An idle connection that drops must not crash the process; the next query reconnects.
    owned.on("error", () => undefined);
    return { pool: owned as unknown as PostgresPool, owned };
  }
  throw new InvalidInputError(`${adapterName} needs { pool } or { connectionString }`);
}

/** Checks a schema name: PostgreSQL keeps 63 bytes of a name, and NUL or `$` could not be quoted into every statement. */
export function validateSchemaName(schema: unknown): string {
  if (
    typeof schema !== "string" ||
    schema.length === 0 ||
    Buffer.byteLength(schema) > 63 ||
    schema.includes("\u0000") ||
    schema.includes("$")
  ) {
    throw new InvalidInputError("schema must be a name of 1 to 63 bytes without NUL or $ characters");
  }
  return schema;
}
