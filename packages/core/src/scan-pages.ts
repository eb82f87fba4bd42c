import type { StoredEvent } from "./events.js";
import type { EventTarget } from "./identifiers.js";
import type { NormalisedScanOptions } from "./validation.js";

/** One page an adapter is asked for: every bound already merged with the cursor. */
export interface ScanPageQuery {
  readonly target: EventTarget;
  readonly direction: "forwards" | "backwards";
  /** Exclusive lower bound on the sequence number. */
  readonly after: bigint | undefined;
  /** Exclusive upper bound on the sequence number. */
  readonly before: bigint | undefined;
  /** Inclusive lower bound on the position (stream targets only). */
  readonly fromPosition: number | undefined;
  /** Inclusive upper bound on the position (stream targets only). */
  readonly toPosition: number | undefined;
  /** Only these event names, when given. */
  readonly names: readonly string[] | undefined;
  /** The most events to return in this page. */
  readonly limit: number;
}

/** The page size adapters use when the caller gives none. */
export const DEFAULT_PAGE_SIZE = 500;

/**
 * Turns a function that fetches one page of events in sequence order into an
 * iteration over them all, keyset-paged on the sequence number, so memory stays
 * flat however long the log. A page shorter than asked for ends the iteration.
 * Honours `limit` and `signal`; for adapter authors.
 */
export async function* scanInPages(
  target: EventTarget,
  options: NormalisedScanOptions,
  fetchPage: (query: ScanPageQuery) => Promise<readonly StoredEvent[]>,
  defaultPageSize: number = DEFAULT_PAGE_SIZE,
): AsyncGenerator<StoredEvent, void, undefined> {
  const pageSize = options.pageSize ?? defaultPageSize;
  let remaining = options.limit ?? Number.POSITIVE_INFINITY;
  let after = options.after;
  let before = options.before;
  while (remaining > 0) {
    options.signal?.throwIfAborted();
    const limit = Math.min(pageSize, remaining);
    const page = await fetchPage({
      target,
      direction: options.direction,
      after,
      before,
      fromPosition: options.fromPosition,
      toPosition: options.toPosition,
      names: options.names,
      limit,
    });
    for (const event of page) {
      options.signal?.throwIfAborted();
      yield event;
    }
    remaining -= page.length;
    const last = page[page.length - 1];
    if (page.length < limit || last === undefined) return;
    if (options.direction === "forwards") after = last.sequenceNumber;
    else before = last.sequenceNumber;
  }
}

/** The one-event page that holds a target's newest event: what `latest()` asks an adapter's page query for. */
export function latestPageQuery(target: EventTarget): ScanPageQuery {
  return {
    target,
    direction: "backwards",
    after: undefined,
    before: undefined,
    fromPosition: undefined,
    toPosition: undefined,
    names: undefined,
    limit: 1,
  };
}
