import { ChronicleError, UnavailableError } from "@chronicle/core";

/** File system error codes that may clear up if the same call is made again. */
const TRANSIENT = new Set(["EAGAIN", "EBUSY", "EIO", "EMFILE", "ENFILE", "ENOSPC", "EINTR"]);

/**
 * Classifies a file system error into Chronicle's codes: a transient failure
 * becomes `UNAVAILABLE` (retryable), with the original as `cause`. Chronicle's own
 * errors pass through unchanged, and anything else is rethrown as it is.
 */
export function classifyFileError(error: unknown): unknown {
  if (error instanceof ChronicleError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && TRANSIENT.has(code)) {
    return new UnavailableError(`The JSON-lines log file is unavailable (${code})`, { cause: error });
  }
  return error;
}
