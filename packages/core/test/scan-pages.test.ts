import { describe, expect, it } from "vitest";
import {
  categoryIdentifier,
  type EventTarget,
  logIdentifier,
  normaliseScanOptions,
  type ScanOptions,
  type ScanPageQuery,
  type StoredEvent,
  scanInPages,
} from "../src/index.js";

/** Ten events with sequence numbers 1..10, alternating names. */
const log: StoredEvent[] = Array.from({ length: 10 }, (_, index) => ({
  id: `e-${index + 1}`,
  name: index % 2 === 0 ? "odd" : "even",
  category: "c",
  stream: "s",
  position: index,
  sequenceNumber: BigInt(index + 1),
  payload: index,
  metadata: {},
  occurredAt: new Date(0),
  observedAt: new Date(0),
}));

/** A page source over `log` that records every query it is asked. */
function source() {
  const queries: ScanPageQuery[] = [];
  const fetchPage = async (query: ScanPageQuery) => {
    queries.push(query);
    const inRange = log.filter(
      (event) =>
        (query.after === undefined || event.sequenceNumber > query.after) &&
        (query.before === undefined || event.sequenceNumber < query.before) &&
        (query.names === undefined || query.names.includes(event.name)),
    );
    const ordered = query.direction === "forwards" ? inRange : inRange.reverse();
    return ordered.slice(0, query.limit);
  };
  return { queries, fetchPage };
}

async function collect(options: ScanOptions, target: EventTarget = logIdentifier(), defaultPageSize?: number) {
  const { queries, fetchPage } = source();
  const events: StoredEvent[] = [];
  for await (const event of scanInPages(target, normaliseScanOptions(target, options), fetchPage, defaultPageSize)) events.push(event);
  return { sequence: events.map((event) => Number(event.sequenceNumber)), queries };
}

describe("scanInPages", () => {
  it("pages forwards on the sequence number until a short page", async () => {
    const { sequence, queries } = await collect({ pageSize: 3 });
    expect(sequence).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(queries.map((query) => [query.after, query.limit])).toEqual([
      [undefined, 3],
      [3n, 3],
      [6n, 3],
      [9n, 3],
    ]);
  });

  it("asks for one more page when the last page was exactly full", async () => {
    const { sequence, queries } = await collect({ pageSize: 5 });
    expect(sequence).toHaveLength(10);
    expect(queries).toHaveLength(3);
  });

  it("pages backwards on the sequence number", async () => {
    const { sequence, queries } = await collect({ direction: "backwards", pageSize: 4 });
    expect(sequence).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(queries.map((query) => [query.direction, query.before])).toEqual([
      ["backwards", undefined],
      ["backwards", 7n],
      ["backwards", 3n],
    ]);
  });

  it("keeps the caller's bounds, both exclusive", async () => {
    expect((await collect({ after: 2n, before: 6n, pageSize: 2 })).sequence).toEqual([3, 4, 5]);
    expect((await collect({ after: 2n, before: 6n, direction: "backwards", pageSize: 2 })).sequence).toEqual([5, 4, 3]);
    expect((await collect({ after: 0n })).sequence).toHaveLength(10);
    expect((await collect({ after: 10n })).sequence).toEqual([]);
  });

  it("stops at the limit, asking no more than it needs", async () => {
    const { sequence, queries } = await collect({ limit: 5, pageSize: 3 });
    expect(sequence).toEqual([1, 2, 3, 4, 5]);
    expect(queries.map((query) => query.limit)).toEqual([3, 2]);
    expect((await collect({ limit: 2, direction: "backwards" })).sequence).toEqual([10, 9]);
  });

  it("asks nothing for a limit of 0", async () => {
    const { sequence, queries } = await collect({ limit: 0 });
    expect(sequence).toEqual([]);
    expect(queries).toEqual([]);
  });

  it("hands names and positions to every page", async () => {
    const { sequence, queries } = await collect({ names: ["even"], pageSize: 2 });
    expect(sequence).toEqual([2, 4, 6, 8, 10]);
    expect(queries.every((query) => query.names?.join() === "even")).toBe(true);
    const stream = { type: "stream", category: "c", stream: "s" } as const;
    const positioned = await collect({ fromPosition: 2, toPosition: 4 }, stream);
    expect(positioned.queries[0]).toMatchObject({ target: stream, fromPosition: 2, toPosition: 4 });
  });

  it("uses the adapter's default page size when the caller gives none", async () => {
    expect((await collect({}, categoryIdentifier("c"), 4)).queries.map((query) => query.limit)).toEqual([4, 4, 4]);
    expect((await collect({})).queries[0]?.limit).toBe(500);
  });

  it("rejects with the signal's reason once aborted, between and within pages", async () => {
    const controller = new AbortController();
    const { fetchPage } = source();
    const target = logIdentifier();
    const seen: bigint[] = [];
    const iteration = (async () => {
      for await (const event of scanInPages(target, normaliseScanOptions(target, { pageSize: 3, signal: controller.signal }), fetchPage)) {
        seen.push(event.sequenceNumber);
        if (event.sequenceNumber === 2n) controller.abort(new Error("enough"));
      }
    })();
    await expect(iteration).rejects.toThrow("enough");
    expect(seen).toEqual([1n, 2n]);

    const aborted = AbortSignal.abort(new Error("before the start"));
    const { fetchPage: untouched, queries } = source();
    const never = scanInPages(target, normaliseScanOptions(target, { signal: aborted }), untouched);
    await expect(never.next()).rejects.toThrow("before the start");
    expect(queries).toEqual([]);
  });

  describe("with readAhead", () => {
    it("fetches the next page while the consumer works through the current one, from the second page on", async () => {
      const { queries, fetchPage } = source();
      const target = logIdentifier();
      const seen: [number, number][] = [];
      for await (const event of scanInPages(target, normaliseScanOptions(target, { pageSize: 3 }), fetchPage, { readAhead: true })) {
        seen.push([Number(event.sequenceNumber), queries.length]);
      }
      // Page 1 alone; once page 2 is in, page 3 is asked for before page 2 is handed out, and so on.
      expect(seen).toEqual([
        [1, 1],
        [2, 1],
        [3, 1],
        [4, 3],
        [5, 3],
        [6, 3],
        [7, 4],
        [8, 4],
        [9, 4],
        [10, 4],
      ]);
      expect(queries.map((query) => [query.after, query.limit])).toEqual([
        [undefined, 3],
        [3n, 3],
        [6n, 3],
        [9n, 3],
      ]);
    });

    it("gives the same events and asks no more than it needs under a limit, backwards and with a page size option", async () => {
      const target = logIdentifier();
      for (const options of [
        { limit: 7, pageSize: 2 },
        { direction: "backwards", pageSize: 3 },
        { names: ["odd"], pageSize: 1 },
      ] as const) {
        const plain = await collect(options);
        const { queries, fetchPage } = source();
        const events: number[] = [];
        for await (const event of scanInPages(target, normaliseScanOptions(target, options), fetchPage, { readAhead: true })) {
          events.push(Number(event.sequenceNumber));
        }
        expect(events).toEqual(plain.sequence);
        expect(queries).toEqual(plain.queries);
      }
      expect((await collect({}, categoryIdentifier("c"), 4)).queries.map((query) => query.limit)).toEqual([4, 4, 4]);
      const { queries, fetchPage } = source();
      for await (const _ of scanInPages(target, normaliseScanOptions(target, {}), fetchPage, { pageSize: 4, readAhead: true })) {
        // Consumes everything.
      }
      expect(queries.map((query) => query.limit)).toEqual([4, 4, 4]);
    });

    it("rejects with a page's failure only when the consumer reaches that page, and leaves none unhandled when it stops first", async () => {
      const target = logIdentifier();
      const failing = (failAt: number) => {
        const { fetchPage } = source();
        let calls = 0;
        return async (query: ScanPageQuery) => {
          calls += 1;
          if (calls === failAt) throw new Error(`page ${failAt} failed`);
          return fetchPage(query);
        };
      };
      const seen: number[] = [];
      const iteration = (async () => {
        for await (const event of scanInPages(target, normaliseScanOptions(target, { pageSize: 3 }), failing(3), { readAhead: true })) {
          seen.push(Number(event.sequenceNumber));
        }
      })();
      await expect(iteration).rejects.toThrow("page 3 failed");
      expect(seen).toEqual([1, 2, 3, 4, 5, 6]);

      // Stopping on page 2, while page 3's failing read is in flight, is clean.
      const stopped: number[] = [];
      for await (const event of scanInPages(target, normaliseScanOptions(target, { pageSize: 3 }), failing(3), { readAhead: true })) {
        stopped.push(Number(event.sequenceNumber));
        if (event.sequenceNumber === 5n) break;
      }
      expect(stopped).toEqual([1, 2, 3, 4, 5]);
    });

    it("reads no page ahead once the signal is aborted", async () => {
      const controller = new AbortController();
      const { queries, fetchPage } = source();
      const target = logIdentifier();
      const abortingOnPage2 = async (query: ScanPageQuery) => {
        const page = await fetchPage(query);
        if (queries.length === 2) controller.abort(new Error("enough"));
        return page;
      };
      const options = normaliseScanOptions(target, { pageSize: 3, signal: controller.signal });
      const iteration = (async () => {
        for await (const _ of scanInPages(target, options, abortingOnPage2, { readAhead: true })) {
          // Consumes until the abort.
        }
      })();
      await expect(iteration).rejects.toThrow("enough");
      expect(queries).toHaveLength(2);
    });
  });
});
