/**
 * The adapter module the subscription suite's crash tests import in a child
 * process: it opens the test's file in the directory the parent names.
 */
import { join } from "node:path";
import type { SerialisationGuarantee } from "@chronicle/core";
import { type SqliteDatabase, SqliteEventStorageAdapter } from "../../src/index.js";

/** The environment variable naming the directory of the suite's files. */
export const DIRECTORY_VARIABLE = "CHRONICLE_SQLITE_SUBSCRIPTION_FILES";

/** The file of one test. */
export function fileOf(testId: string): string {
  const directory = process.env[DIRECTORY_VARIABLE];
  if (directory === undefined) throw new Error(`${DIRECTORY_VARIABLE} is not set`);
  return join(directory, `${testId.replace(/[^a-z0-9-]/gi, "_")}.db`);
}

export default async ({ testId, serialisationGuarantee }: { testId: string; serialisationGuarantee: string }) =>
  new SqliteEventStorageAdapter({ filename: fileOf(testId) }, { serialisationGuarantee: serialisationGuarantee as SerialisationGuarantee });

/** One row per committed call: no key constraint, so an effect committed twice would show. */
export async function recordEffect(transaction: unknown, key: string): Promise<void> {
  const database = transaction as SqliteDatabase;
  database.exec("CREATE TABLE IF NOT EXISTS handler_effects (key TEXT NOT NULL)");
  database.prepare("INSERT INTO handler_effects (key) VALUES (?)").run(key);
}
