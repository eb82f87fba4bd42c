import type {
  EventTarget,
  NormalisedFilter,
  PreparedProjection,
  Projection,
  ProjectionCountQuery,
  ProjectionKey,
  ProjectionSearchQuery,
  ProjectionStorageAdapter,
  ProjectionStorageCapabilities,
} from "@chronicle/core";
import { type ProjectionContractTestId, runProjectionContractTest } from "@chronicle/testing/vitest";
import { describe, expect, it } from "vitest";
import { InMemoryProjectionStorageAdapter } from "../src/index.js";

// The projection contract suite is only worth running if it fails on adapters
// that break the contract. Each class below is the reference adapter with one
// deliberate bug; the tests check that the contract tests aimed at that bug
// fail on it and pass on the real adapter.

/** Passes every call through to a real in-memory adapter. */
class DelegatingAdapter implements ProjectionStorageAdapter {
  protected readonly inner: ProjectionStorageAdapter = new InMemoryProjectionStorageAdapter();

  get capabilities(): ProjectionStorageCapabilities {
    return this.inner.capabilities;
  }

  save(projection: PreparedProjection): Promise<boolean> {
    return this.inner.save(projection);
  }

  load(key: ProjectionKey): Promise<Projection | undefined> {
    return this.inner.load(key);
  }

  locate(name: string, source: EventTarget): Promise<Projection | undefined> {
    return this.inner.locate(name, source);
  }

  delete(key: ProjectionKey): Promise<boolean> {
    return this.inner.delete(key);
  }

  search(query: ProjectionSearchQuery): Promise<Projection[]> {
    return this.inner.search(query);
  }

  count(query: ProjectionCountQuery): Promise<number> {
    return this.inner.count(query);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Bug: every save overwrites, so an older projection replaces a newer one. */
class MovesBackwards extends DelegatingAdapter {
  override async save(projection: PreparedProjection): Promise<boolean> {
    await this.inner.delete({ name: projection.name, id: projection.id });
    return this.inner.save(projection);
  }
}

/** Bug: keyset paging ignores the cursor and starts from the top again. */
class IgnoresAfter extends DelegatingAdapter {
  override search(query: ProjectionSearchQuery): Promise<Projection[]> {
    const { after: _, ...rest } = query;
    return this.inner.search(rest);
  }
}

/** Bug: keyset paging compares only the first sort key, as a single-column `WHERE key > $1` would. */
class ComparesFirstKeyOnly extends DelegatingAdapter {
  override async search(query: ProjectionSearchQuery): Promise<Projection[]> {
    if (query.after === undefined || query.sort.length < 2) return this.inner.search(query);
    const everything = await this.inner.search({ ...query, after: undefined, limit: 100_000 });
    const firstKey = { ...query, sort: query.sort.slice(0, 1), after: query.after.slice(0, 1), limit: 100_000 };
    const beyond = new Set((await this.inner.search(firstKey)).map((item) => JSON.stringify([item.name, item.id])));
    return everything.filter((item) => beyond.has(JSON.stringify([item.name, item.id]))).slice(0, query.limit);
  }
}

/** Bug: `not` of a comparison excludes projections where the path is missing, as SQL's NULL logic does. */
class NegatesLikeSql extends DelegatingAdapter {
  override search(query: ProjectionSearchQuery): Promise<Projection[]> {
    return this.inner.search(query.filter === undefined ? query : { ...query, filter: sqlNegation(query.filter) });
  }

  override count(query: ProjectionCountQuery): Promise<number> {
    return this.inner.count(query.filter === undefined ? query : { ...query, filter: sqlNegation(query.filter) });
  }
}

function sqlNegation(filter: NormalisedFilter): NormalisedFilter {
  switch (filter.op) {
    case "and":
    case "or":
      return { ...filter, filters: filter.filters.map(sqlNegation) };
    case "not": {
      const inner = filter.filter;
      if (inner.op === "gt" || inner.op === "gte" || inner.op === "lt" || inner.op === "lte") {
        return {
          op: "and",
          filters: [
            { op: "exists", path: inner.path },
            { op: "not", filter: inner },
          ],
        };
      }
      return { op: "not", filter: sqlNegation(inner) };
    }
    default:
      return filter;
  }
}

/** Bug: regular expressions always ignore case. */
class IgnoresCase extends DelegatingAdapter {
  override search(query: ProjectionSearchQuery): Promise<Projection[]> {
    return this.inner.search(query.filter === undefined ? query : { ...query, filter: caseless(query.filter) });
  }
}

function caseless(filter: NormalisedFilter): NormalisedFilter {
  switch (filter.op) {
    case "and":
    case "or":
      return { ...filter, filters: filter.filters.map(caseless) };
    case "not":
      return { op: "not", filter: caseless(filter.filter) };
    case "matches":
      return { ...filter, flags: "i" };
    default:
      return filter;
  }
}

/** Bug: searches ignore the name. */
class IgnoresName extends DelegatingAdapter {
  override search(query: ProjectionSearchQuery): Promise<Projection[]> {
    const { name: _, ...rest } = query;
    return this.inner.search(rest);
  }
}

/** Bug: searches ignore the offset. */
class IgnoresOffset extends DelegatingAdapter {
  override search(query: ProjectionSearchQuery): Promise<Projection[]> {
    const { offset: _, ...rest } = query;
    return this.inner.search(rest);
  }
}

/** Bug: count ignores the filter. */
class CountsEverything extends DelegatingAdapter {
  override count(query: ProjectionCountQuery): Promise<number> {
    return this.inner.count(query.name === undefined ? {} : { name: query.name });
  }
}

/** Bug: delete claims to have deleted whether or not there was a projection. */
class AlwaysDeletes extends DelegatingAdapter {
  override async delete(key: ProjectionKey): Promise<boolean> {
    await this.inner.delete(key);
    return true;
  }
}

/** Bug: locate returns the projection with the largest id over a shared source. */
class LocatesLargestId extends DelegatingAdapter {
  override async locate(name: string, source: EventTarget): Promise<Projection | undefined> {
    const found = await this.inner.locate(name, source);
    if (found === undefined || !this.inner.capabilities.search) return found;
    const all = await this.inner.search({
      name,
      sort: [
        { path: { root: "id", segments: [] }, direction: "desc" },
        { path: { root: "name", segments: [] }, direction: "asc" },
      ],
      limit: 1000,
    });
    return all.find((item) => JSON.stringify(item.source) === JSON.stringify(found.source)) ?? found;
  }
}

/** Bug: close() does nothing. */
class NeverCloses extends DelegatingAdapter {
  override async close(): Promise<void> {}
}

/** Bug: every adapter shares one storage, whatever its test id. */
const shared = new InMemoryProjectionStorageAdapter();
class SharesStorage extends DelegatingAdapter {
  protected override readonly inner = shared;
  override async close(): Promise<void> {}
}

interface BrokenCopy {
  bug: string;
  create: () => ProjectionStorageAdapter;
  caughtBy: ProjectionContractTestId[];
  unaffected: ProjectionContractTestId[];
}

const brokenCopies: BrokenCopy[] = [
  {
    bug: "saves move projections backwards",
    create: () => new MovesBackwards(),
    caughtBy: [
      "save.higher-version-wins-over-later-position",
      "save.same-version-earlier-position-ignored",
      "save.undefined-position-is-before-every-position",
      "save.random-sequences-never-move-back",
    ],
    unaffected: ["save.same-version-later-position-wins", "round-trip.simple"],
  },
  {
    bug: "keyset paging ignores the cursor",
    create: () => new IgnoresAfter(),
    caughtBy: [
      "paging.keyset.default-order",
      "paging.keyset.mixed-directions",
      "paging.adapter-after-across-types",
      "property.keyset-search-matches-model",
    ],
    unaffected: ["paging.offset", "search.eq.string"],
  },
  {
    bug: "keyset paging compares only the first sort key",
    create: () => new ComparesFirstKeyOnly(),
    caughtBy: ["paging.keyset.numbers-with-nulls", "paging.keyset.ties-across-pages", "paging.adapter-after-across-types"],
    unaffected: ["paging.offset"],
  },
  {
    bug: "not() of a comparison drops missing paths",
    create: () => new NegatesLikeSql(),
    caughtBy: ["search.not.negates-comparisons", "count.with-filter"],
    unaffected: ["search.ne.includes-null-and-missing", "search.gt.number"],
  },
  {
    bug: "regular expressions ignore case",
    create: () => new IgnoresCase(),
    caughtBy: ["search.matches.case-sensitive-by-default", "search.matches.case-insensitive"],
    unaffected: ["search.matches.substring"],
  },
  {
    bug: "searches ignore the name",
    create: () => new IgnoresName(),
    caughtBy: ["search.name.scopes-the-search", "search.eq.string"],
    unaffected: ["search.root.name"],
  },
  {
    bug: "searches ignore the offset",
    create: () => new IgnoresOffset(),
    caughtBy: ["paging.offset", "paging.adapter-offset-and-limit", "property.offset-search-matches-model"],
    unaffected: ["paging.keyset.default-order"],
  },
  {
    bug: "count ignores the filter",
    create: () => new CountsEverything(),
    caughtBy: ["count.with-filter", "count.matches-search", "property.count-matches-model"],
    unaffected: ["count.by-name", "count.everything"],
  },
  {
    bug: "delete always resolves true",
    create: () => new AlwaysDeletes(),
    caughtBy: ["delete.missing-resolves-false", "delete.twice-resolves-true-then-false"],
    unaffected: ["delete.existing-resolves-true"],
  },
  {
    bug: "locate picks the largest id",
    create: () => new LocatesLargestId(),
    caughtBy: ["locate.smallest-id-in-code-point-order"],
    unaffected: ["locate.stream-source"],
  },
  {
    bug: "close() does nothing",
    create: () => new NeverCloses(),
    caughtBy: ["close.save-rejects", "close.load-locate-delete-reject", "close.twice-is-harmless"],
    unaffected: ["round-trip.simple"],
  },
  {
    bug: "adapters share one storage",
    create: () => new SharesStorage(),
    caughtBy: ["isolation.separate-storage"],
    unaffected: [],
  },
];

const real = async () => new InMemoryProjectionStorageAdapter();

/** The reference adapter declaring it cannot search, as the Redis adapter does. */
class WithoutSearch extends DelegatingAdapter {
  override get capabilities(): ProjectionStorageCapabilities {
    return { search: false };
  }
}

describe("capability gating", () => {
  it("runs the without-search test on an adapter that declares capabilities.search: false, and no search test", async () => {
    const create = async () => new WithoutSearch();
    await expect(runProjectionContractTest("capabilities.without-search-rejects-search-and-count", { create })).resolves.toBeUndefined();
    await expect(runProjectionContractTest("round-trip.simple", { create })).resolves.toBeUndefined();
    for (const id of [
      "search.eq.string",
      "count.everything",
      "property.count-matches-model",
      "delete.removes-from-search-and-count",
    ] as const) {
      await expect(runProjectionContractTest(id, { create }), id).rejects.toThrow(/needs search/);
    }
  });

  it("refuses the without-search test on an adapter that can search", async () => {
    await expect(runProjectionContractTest("capabilities.without-search-rejects-search-and-count", { create: real })).rejects.toThrow(
      /for adapters without search/,
    );
  });
});

describe("the property tests", () => {
  it("name the seed and the query of a failure, so createRandom(seed) replays it", async () => {
    await expect(
      runProjectionContractTest("property.count-matches-model", { create: async () => new CountsEverything(), property: { seeds: [42] } }),
    ).rejects.toThrow(/^seed 42, query \d+: \{.*\}\n/);
  });
});

describe("the projection contract suite catches broken adapters", () => {
  for (const copy of brokenCopies) {
    describe(copy.bug, () => {
      for (const id of copy.caughtBy) {
        it(`${id} fails on the broken copy and passes on the real adapter`, async () => {
          await expect(runProjectionContractTest(id, { create: async () => copy.create() })).rejects.toThrow();
          await expect(runProjectionContractTest(id, { create: real })).resolves.toBeUndefined();
        });
      }
      it("leaves unrelated contract tests passing", async () => {
        for (const id of copy.unaffected) {
          await expect(runProjectionContractTest(id, { create: async () => copy.create() }), id).resolves.toBeUndefined();
        }
      });
    });
  }
});
