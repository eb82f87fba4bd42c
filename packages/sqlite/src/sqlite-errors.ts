import { ChronicleError, ClosedError, InvalidInputError, UnavailableError } from "@chronicle/core";

/** The extended result code better-sqlite3 puts on its `SqliteError`, such as `"SQLITE_BUSY_SNAPSHOT"`. */
export function sqliteErrorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && code.startsWith("SQLITE_") ? code : undefined;
}

/** Whether another connection holds the lock the operation needed: worth waiting and trying again. */
export function isBusy(error: unknown): boolean {
  const code = sqliteErrorCode(error);
  return code !== undefined && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

/** Which unique backstop a constraint violation hit, if any. */
export function violatedBackstop(error: unknown): "event id" | "stream position" | undefined {
  const code = sqliteErrorCode(error);
  if (code !== "SQLITE_CONSTRAINT_UNIQUE" && code !== "SQLITE_CONSTRAINT_PRIMARYKEY") return undefined;
  const message = (error as Error).message;
  if (message.includes(".id")) return "event id";
  if (message.includes(".position") || message.includes(".sequence_number")) return "stream position";
  return undefined;
}

/**
 * Turns a driver error into a Chronicle error, keeping the original as `cause`.
 * Busy and I/O failures are retryable `UNAVAILABLE`; a closed connection is
 * `CLOSED`; a value SQLite cannot store is `INVALID_INPUT`. Constraint
 * violations on the backstops are classified where the write is known, not here.
 * Errors that are not the driver's (programming errors) pass through unchanged.
 */
export function classifySqliteError(error: unknown, database: { readonly open: boolean }): unknown {
  if (error instanceof ChronicleError) return error;
  if (!database.open || isNotOpenError(error)) return new ClosedError("The SQLite database", { cause: error });
  const code = sqliteErrorCode(error);
  if (code === undefined) return error;
  const message = (error as Error).message;
  if (isBusy(error)) {
    return new UnavailableError(`The SQLite database is locked by another connection (${code}): ${message}`, { cause: error });
  }
  if (code === "SQLITE_TOOBIG" || code === "SQLITE_RANGE") {
    return new InvalidInputError(`SQLite cannot store this value (${code}): ${message}`, { cause: error });
  }
  if (RETRYABLE.some((prefix) => code.startsWith(prefix))) {
    return new UnavailableError(`The SQLite database failed (${code}): ${message}`, { cause: error });
  }
  // Corruption, a missing schema and the like: the storage is unusable, and retrying alone will not help.
  return new ChronicleError("UNAVAILABLE", `The SQLite database failed (${code}): ${message}`, { cause: error, retryable: false });
}

const RETRYABLE = ["SQLITE_IOERR", "SQLITE_FULL", "SQLITE_CANTOPEN", "SQLITE_PROTOCOL", "SQLITE_NOMEM", "SQLITE_INTERRUPT"];

/** better-sqlite3 throws a plain `TypeError` when a closed connection is used. */
function isNotOpenError(error: unknown): boolean {
  return error instanceof TypeError && /database connection is not open/i.test(error.message);
}
