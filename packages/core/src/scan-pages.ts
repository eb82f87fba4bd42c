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

/** How `scanInPages` pages, beyond the caller's own options. */
export interface ScanInPagesOptions {
  /** Events per page when the caller gives no `pageSize`; defaults to `DEFAULT_PAGE_SIZE`. */
  readonly pageSize?: number;
  /**
   * Fetch the next page while the consumer works through the current one, from
   * the second page on, so a consumer that waits on its own I/O per event (a
   * subscription's checkpoint writes) does not also wait for the next page's
   * round trip. At most one page is fetched ahead, so memory stays flat. Only
   * for page functions that depend on nothing but their query (and what earlier
   * calls returned): a page is fetched before the previous one is consumed.
   * Off by default.
   */
  readonly readAhead?: boolean;
}

/**
 * Turns a function that fetches one page of events in sequence order into an
 * iteration over them all, keyset-paged on the sequence number, so memory stays
 * flat however long the log. A page shorter than asked for ends the iteration.
 * Honours `limit` and `signal`; for adapter authors. The last argument is the
 * default page size, or `ScanInPagesOptions`.
 */
export async function* scanInPages(
  target: EventTarget,
  options: NormalisedScanOptions,
  fetchPage: (query: ScanPageQuery) => Promise<readonly StoredEvent[]>,
  paging: number | ScanInPagesOptions = DEFAULT_PAGE_SIZE,
): AsyncGenerator<StoredEvent, void, undefined> {
  const { pageSize: defaultPageSize = DEFAULT_PAGE_SIZE, readAhead = false } = typeof paging === "number" ? { pageSize: paging } : paging;
  const pageSize = options.pageSize ?? defaultPageSize;
  let remaining = options.limit ?? Number.POSITIVE_INFINITY;
  let after = options.after;
  let before = options.before;
  const query = (limit: number): ScanPageQuery => ({
    target,
    direction: options.direction,
    after,
    before,
    fromPosition: options.fromPosition,
    toPosition: options.toPosition,
    names: options.names,
    limit,
  });
  let pagesFetched = 0;
  let ahead: { readonly page: Promise<readonly StoredEvent[]>; readonly limit: number } | undefined;
  while (remaining > 0) {
    options.signal?.throwIfAborted();
    const limit = ahead?.limit ?? Math.min(pageSize, remaining);
    const page = await (ahead?.page ?? fetchPage(query(limit)));
    ahead = undefined;
    pagesFetched += 1;
    remaining -= page.length;
    const last = page[page.length - 1];
    const more = page.length >= limit && last !== undefined && remaining > 0;
    if (more) {
      if (options.direction === "forwards") after = last.sequenceNumber;
      else before = last.sequenceNumber;
      // Not after the first page: a consumer that wants only a few events should not pay for a second page.
      if (readAhead && pagesFetched >= 2 && !options.signal?.aborted) {
        const nextLimit = Math.min(pageSize, remaining);
        const nextQuery = query(nextLimit);
        // A page function that throws rather than rejects fails when its page is reached, as without read-ahead.
        const next = (async () => fetchPage(nextQuery))();
        // Awaited with the next page; until then (or if the consumer stops first) its failure is no unhandled rejection.
        next.catch(() => undefined);
        ahead = { page: next, limit: nextLimit };
      }
    }
    for (const event of page) {
      options.signal?.throwIfAborted();
      yield event;
    }
    if (!more) return;
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
