import type { EventTarget, Projection } from "@chronicle/core";
import { describeProjectionStorageAdapter } from "@chronicle/testing/vitest";
import Database from "better-sqlite3";
import { SqliteProjectionStorageAdapter } from "../src/index.js";
import { removeTemporaryFiles, temporaryDatabaseFile } from "./temporary-files.js";

interface ProjectionRow {
  name: string;
  id: string;
  source_type: "log" | "category" | "stream";
  source_category: string | null;
  source_stream: string | null;
  state: string;
  version: number;
  position: string | null;
  event_count: number;
  updated_at: number | null;
}

// One file per storage the suite names; adapters created for the same test id share it.
const files = new Map<string, string>();

function fileFor(testId: string): string {
  const filename = files.get(testId) ?? temporaryDatabaseFile("projections.db");
  files.set(testId, filename);
  return filename;
}

describeProjectionStorageAdapter({
  name: "sqlite",
  // Migrating is left to first use, so the migrate group also covers calls made while the first call migrates.
  create: async ({ testId }) => new SqliteProjectionStorageAdapter({ filename: fileFor(testId) }),
  cleanup: async () => removeTemporaryFiles(),
  // Reads the table through a second connection, not through the adapter.
  oracle: {
    readAll: async (_adapter, { testId }) => {
      const database = new Database(fileFor(testId), { readonly: true });
      try {
        const created = database.prepare("SELECT 1 FROM sqlite_master WHERE name = 'chronicle_projections'").get();
        if (created === undefined) return [];
        const rows = database.prepare("SELECT *, CAST(position AS TEXT) AS position FROM chronicle_projections").all() as ProjectionRow[];
        return rows.map(toProjection);
      } finally {
        database.close();
      }
    },
  },
});

function toProjection(row: ProjectionRow): Projection {
  const source: EventTarget =
    row.source_type === "log"
      ? { type: "log" }
      : row.source_type === "category"
        ? { type: "category", category: row.source_category as string }
        : { type: "stream", category: row.source_category as string, stream: row.source_stream as string };
  return {
    name: row.name,
    id: row.id,
    source,
    state: JSON.parse(row.state),
    version: row.version,
    position: row.position === null ? undefined : BigInt(row.position),
    eventCount: row.event_count,
    updatedAt: row.updated_at === null ? undefined : new Date(row.updated_at),
  };
}
