import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeSubscriptionSupport } from "@chronicle/testing/vitest";
import Database from "better-sqlite3";
import type { SqliteEventStorageAdapter } from "../src/index.js";
import subscriberAdapter, { DIRECTORY_VARIABLE, fileOf } from "./scripts/subscriber-adapter.js";

// One file per test, in a directory the crash tests' child processes find through the environment.
const directory = mkdtempSync(join(tmpdir(), "chronicle-sqlite-subscriptions-"));
process.env[DIRECTORY_VARIABLE] = directory;

describeSubscriptionSupport<SqliteEventStorageAdapter>({
  name: "sqlite",
  create: subscriberAdapter,
  cleanup: async () => rmSync(directory, { recursive: true, force: true }),
  process: {
    module: new URL("./scripts/subscriber-adapter.ts", import.meta.url),
    // Read through a second connection, not through the adapter.
    readEffects: async (_adapter, { testId }) => {
      const database = new Database(fileOf(testId), { readonly: true, fileMustExist: true });
      try {
        const table = database.prepare("SELECT 1 FROM sqlite_master WHERE name = 'handler_effects'").get();
        if (table === undefined) return [];
        return (database.prepare("SELECT key FROM handler_effects").all() as { key: string }[]).map((row) => row.key);
      } finally {
        database.close();
      }
    },
  },
});
