import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const directories: string[] = [];

/** A path for a database file in a fresh temporary directory; `removeTemporaryFiles` deletes them all. */
export function temporaryDatabaseFile(name = "events.db"): string {
  const directory = mkdtempSync(join(tmpdir(), "chronicle-sqlite-"));
  directories.push(directory);
  return join(directory, name);
}

/** Deletes every directory `temporaryDatabaseFile` made. */
export function removeTemporaryFiles(): void {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
}
