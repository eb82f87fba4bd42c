import type { StreamIdentifier } from "./identifiers.js";
import type { WriteCondition } from "./write-conditions.js";
import { describeCondition } from "./write-conditions.js";

/** The stable codes every Chronicle error carries. Match on these, not on classes. */
export type ChronicleErrorCode = "UNMET_WRITE_CONDITION" | "DUPLICATE_EVENT_ID" | "INVALID_INPUT" | "UNAVAILABLE" | "CLOSED";

/** Options every Chronicle error accepts. */
export interface ChronicleErrorOptions {
  /** The error underneath, such as the driver's. */
  cause?: unknown;
}

/**
 * The base of every error Chronicle raises. `code` is stable across versions;
 * `retryable` says whether the same call may succeed if made again unchanged.
 */
export class ChronicleError extends Error {
  override readonly name: string = "ChronicleError";
  readonly code: ChronicleErrorCode;
  readonly retryable: boolean;
  override readonly cause: unknown;

  constructor(code: ChronicleErrorCode, message: string, options: ChronicleErrorOptions & { retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.cause = options.cause;
  }
}

/** A write's condition did not hold: the stream was not where the writer expected. */
export class UnmetWriteConditionError extends ChronicleError {
  override readonly name = "UnmetWriteConditionError";
  /** The stream whose condition failed. */
  readonly target: StreamIdentifier;
  /** The condition that did not hold. */
  readonly condition: WriteCondition;
  /** The stream's latest position when the condition was checked; `undefined` for an empty stream. */
  readonly latestPosition: number | undefined;

  constructor(
    target: StreamIdentifier,
    condition: WriteCondition,
    latestPosition: number | undefined,
    options: ChronicleErrorOptions = {},
  ) {
    super(
      "UNMET_WRITE_CONDITION",
      `Write condition ${describeCondition(condition)} not met for stream ${target.category}/${target.stream}: ` +
        (latestPosition === undefined ? "the stream is empty" : `its latest position is ${latestPosition}`),
      options,
    );
    this.target = target;
    this.condition = condition;
    this.latestPosition = latestPosition;
  }
}

/** An event id is already stored with other content or in another place. */
export class DuplicateEventIdError extends ChronicleError {
  override readonly name = "DuplicateEventIdError";
  /** The id that is already taken. */
  readonly eventId: string;

  constructor(
    eventId: string,
    detail = "is already stored with different content or in another stream",
    options: ChronicleErrorOptions = {},
  ) {
    super("DUPLICATE_EVENT_ID", `Event id ${JSON.stringify(eventId)} ${detail}`, options);
    this.eventId = eventId;
  }
}

/** The input was rejected before anything was written. */
export class InvalidInputError extends ChronicleError {
  override readonly name = "InvalidInputError";

  constructor(message: string, options: ChronicleErrorOptions = {}) {
    super("INVALID_INPUT", message, options);
  }
}

/** The storage could not be reached or did not answer in time. Retrying may succeed. */
export class UnavailableError extends ChronicleError {
  override readonly name = "UnavailableError";

  constructor(message: string, options: ChronicleErrorOptions = {}) {
    super("UNAVAILABLE", message, { ...options, retryable: true });
  }
}

/** The store or adapter was closed. */
export class ClosedError extends ChronicleError {
  override readonly name = "ClosedError";

  constructor(what = "The event storage adapter", options: ChronicleErrorOptions = {}) {
    super("CLOSED", `${what} is closed`, options);
  }
}

/** The error class behind each code, so matching on a code gives the facts that error carries. */
export interface ChronicleErrorByCode {
  UNMET_WRITE_CONDITION: UnmetWriteConditionError;
  DUPLICATE_EVENT_ID: DuplicateEventIdError;
  INVALID_INPUT: InvalidInputError;
  UNAVAILABLE: UnavailableError;
  CLOSED: ClosedError;
}

/**
 * Whether `error` is a Chronicle error with the given code, typed as that
 * code's error (`isChronicleError(error, "UNMET_WRITE_CONDITION")` gives access
 * to `latestPosition`). Works across two installed copies of `@chronicle/core`,
 * where `instanceof` does not.
 */
export function isChronicleError<Code extends ChronicleErrorCode>(error: unknown, code: Code): error is ChronicleErrorByCode[Code];
/** Whether `error` is a Chronicle error of any code. */
export function isChronicleError(error: unknown): error is ChronicleError;
export function isChronicleError(error: unknown, code?: ChronicleErrorCode): error is ChronicleError {
  if (typeof error !== "object" || error === null) return false;
  const candidate = error as { code?: unknown; retryable?: unknown };
  if (typeof candidate.code !== "string" || typeof candidate.retryable !== "boolean") return false;
  if (!CODES.has(candidate.code)) return false;
  return code === undefined || candidate.code === code;
}

const CODES: ReadonlySet<string> = new Set<ChronicleErrorCode>([
  "UNMET_WRITE_CONDITION",
  "DUPLICATE_EVENT_ID",
  "INVALID_INPUT",
  "UNAVAILABLE",
  "CLOSED",
]);
