import { type ChronicleError, InvalidInputError, isChronicleError, UnavailableError } from "@chronicle/core";

/** What the adapter does with a driver error. */
export type PostgresErrorClass =
  /** Serialisation failure or deadlock: run the same statement again. */
  | { kind: "retry" }
  /** A backstop unique constraint fired: another writer got there first; judging the save again gives the right answer. */
  | { kind: "conflict"; constraint: "id" | "position" | "sequence" }
  /** Anything else, already turned into a Chronicle error. */
  | { kind: "fail"; error: ChronicleError | Error };

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

/**
 * Sorts a `pg` error into what Chronicle does with it: SQLSTATE 40001/40P01 are
 * retried, 23505 on the backstop constraints is re-judged, and lost or refused
 * connections, pool timeouts, cancelled statements (57014), lock timeouts and
 * server shutdowns become `UNAVAILABLE` (retryable) with the pg error as `cause`.
 */
export function classifyPostgresError(error: unknown): PostgresErrorClass {
  if (isChronicleError(error)) return { kind: "fail", error };
  const candidate = (typeof error === "object" && error !== null ? error : {}) as {
    code?: unknown;
    constraint?: unknown;
    message?: unknown;
  };
  const code = typeof candidate.code === "string" ? candidate.code : "";
  const message = typeof candidate.message === "string" ? candidate.message : String(error);
  if (code === "40001" || code === "40P01") return { kind: "retry" };
  if (code === "23505") {
    if (candidate.constraint === "events_id_key") return { kind: "conflict", constraint: "id" };
    if (candidate.constraint === "events_stream_position_key") return { kind: "conflict", constraint: "position" };
    if (candidate.constraint === "events_pkey") return { kind: "conflict", constraint: "sequence" };
  }
  if (
    CONNECTION_CODES.has(code) ||
    code.startsWith("08") || // connection exception
    code === "57014" || // query_canceled: statement_timeout or a cancel request
    code === "55P03" || // lock_not_available: lock_timeout
    code === "57P01" || // admin_shutdown
    code === "57P02" || // crash_shutdown
    code === "57P03" || // cannot_connect_now
    code === "53300" || // too_many_connections
    code === "53400" // configuration_limit_exceeded
  ) {
    return { kind: "fail", error: new UnavailableError(`PostgreSQL is unavailable: ${message}`, { cause: error }) };
  }
  // The schema is missing or older than the code: nothing works until migrate() runs.
  if (code === "42P01" || code === "3F000" || code === "42883") {
    return {
      kind: "fail",
      error: new UnavailableError(`the Chronicle schema is not migrated (${message}): run migrate() first`, { cause: error }),
    };
  }
  // Text PostgreSQL cannot hold: reported for the save that carried it. A regular expression
  // PostgreSQL cannot compile (2201B) is a filter it cannot evaluate.
  if (code === "22P02" || code === "22P05" || code === "22021" || code === "22008" || code === "54000" || code === "2201B") {
    return { kind: "fail", error: new InvalidInputError(`PostgreSQL rejected the input: ${message}`, { cause: error }) };
  }
  // pg and pg-pool report these without a code.
  if (
    /timeout exceeded when trying to connect|Connection terminated|connection timeout|Client has encountered a connection error/i.test(
      message,
    )
  ) {
    return { kind: "fail", error: new UnavailableError(`PostgreSQL is unavailable: ${message}`, { cause: error }) };
  }
  return { kind: "fail", error: error instanceof Error ? error : new Error(message) };
}

/** The event id named by a 23505 on the id constraint, from its detail text. */
export function conflictingEventId(cause: unknown): string {
  const detail = typeof cause === "object" && cause !== null ? String((cause as { detail?: unknown }).detail ?? "") : "";
  return /\(id\)=\((.*)\) already exists/.exec(detail)?.[1] ?? "";
}
