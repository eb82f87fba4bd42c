import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { classifySqliteError, isBusy } from "../src/sqlite-errors.js";
import { removeTemporaryFiles, temporaryDatabaseFile } from "./temporary-files.js";

afterAll(removeTemporaryFiles);

/** The error `action` throws. */
function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected the action to throw");
}

describe("classifying better-sqlite3's errors", () => {
  it("makes a lock held by another connection a retryable UNAVAILABLE", () => {
    const filename = temporaryDatabaseFile();
    const holder = new Database(filename);
    holder.pragma("journal_mode = WAL");
    holder.exec("BEGIN IMMEDIATE");
    const waiter = new Database(filename, { timeout: 0 });
    const busy = thrownBy(() => waiter.exec("BEGIN IMMEDIATE"));
    expect(isBusy(busy)).toBe(true);
    expect(classifySqliteError(busy, waiter)).toMatchObject({ code: "UNAVAILABLE", retryable: true, cause: busy });
    holder.exec("ROLLBACK");
    holder.close();
    waiter.close();
  });

  it("makes a closed connection CLOSED", () => {
    const database = new Database(":memory:");
    database.close();
    const closed = thrownBy(() => database.prepare("SELECT 1"));
    expect(classifySqliteError(closed, database)).toMatchObject({ code: "CLOSED", cause: closed });
  });

  it("makes other SQLite failures, such as a missing table, UNAVAILABLE and not retryable", () => {
    const database = new Database(":memory:");
    const missing = thrownBy(() => database.prepare("SELECT * FROM chronicle_events"));
    expect(isBusy(missing)).toBe(false);
    expect(classifySqliteError(missing, database)).toMatchObject({ code: "UNAVAILABLE", retryable: false, cause: missing });
    database.close();
  });

  it("passes errors that are not SQLite's through unchanged", () => {
    const bug = new RangeError("a bug");
    expect(classifySqliteError(bug, { open: true })).toBe(bug);
  });
});
