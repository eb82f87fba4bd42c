import { describeEventStorageAdapter } from "@chronicle/testing/vitest";
import Database from "better-sqlite3";
import { SqliteEventStorageAdapter } from "../src/index.js";
import { removeTemporaryFiles, temporaryDatabaseFile } from "./temporary-files.js";

interface EventRow {
  sequence_number: number;
  id: string;
  category: string;
  stream: string;
  position: number;
  name: string;
  payload: string;
  metadata: string;
  occurred_at: number;
  observed_at: number;
}

// One file per test; adapters a test creates for itself share it.
const files = new Map<string, string>();
const fileOf = new WeakMap<SqliteEventStorageAdapter, string>();

describeEventStorageAdapter({
  name: "sqlite",
  create: async ({ serialisationGuarantee, testId }) => {
    const filename = files.get(testId) ?? temporaryDatabaseFile();
    files.set(testId, filename);
    const adapter = new SqliteEventStorageAdapter({ filename }, { serialisationGuarantee });
    fileOf.set(adapter, filename);
    return adapter;
  },
  // A second connection to the same file, as another process would open.
  reopen: async (adapter, { serialisationGuarantee }) => {
    const another = new SqliteEventStorageAdapter({ filename: fileOf.get(adapter) as string }, { serialisationGuarantee });
    fileOf.set(another, fileOf.get(adapter) as string);
    return another;
  },
  cleanup: async () => removeTemporaryFiles(),
  // Reads the table through a second connection, not through the adapter.
  oracle: {
    readAll: async (adapter) => {
      const database = new Database(fileOf.get(adapter) as string, { readonly: true, fileMustExist: true });
      try {
        // A test whose saves all failed validation never touched the database, so the schema may not be there.
        const created = database.prepare("SELECT 1 FROM sqlite_master WHERE name = 'chronicle_events'").get();
        if (created === undefined) return [];
        const rows = database.prepare("SELECT * FROM chronicle_events").all() as EventRow[];
        return rows.map((row) => ({
          id: row.id,
          name: row.name,
          category: row.category,
          stream: row.stream,
          position: row.position,
          sequenceNumber: BigInt(row.sequence_number),
          payload: JSON.parse(row.payload),
          metadata: JSON.parse(row.metadata),
          occurredAt: new Date(row.occurred_at),
          observedAt: new Date(row.observed_at),
        }));
      } finally {
        database.close();
      }
    },
  },
});
