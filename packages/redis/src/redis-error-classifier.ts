import { type ChronicleError, isChronicleError, UnavailableError } from "@chronicle/core";

/**
 * Turns what ioredis rejects with into a Chronicle error, keeping the original
 * as `cause`. Everything Redis or the connection can fail with here (a lost or
 * refused connection, a timeout, BUSY, LOADING, OOM, READONLY, a cluster that
 * is down, an error inside a script) is `UNAVAILABLE`: the scripts check every
 * condition before their first write, so a failure leaves nothing half-written
 * and the same call may succeed later. Unmet conditions and duplicate ids are
 * replies, not errors, and never reach this function.
 */
export function classifyRedisError(error: unknown, doing: string): ChronicleError {
  if (isChronicleError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new UnavailableError(`Redis failed while ${doing}: ${message}`, { cause: error });
}
