import { asc, desc, eq, gt, type Projection, type Sort, streamIdentifier } from "@chronicle/core";
import { expect } from "vitest";
import { projection } from "../../projection-builder.js";
import { defineProjectionTests } from "../define-tests.js";
import { collect, expectRejection, keysOf, type SearchShape, saveAll, searchAll, searchAllByOffset } from "../helpers.js";
import type { ProjectionContractTestContext } from "../projection-contract-test.js";
import { PERSON, seedPeople } from "../search-world.js";

/** The sort shapes keyset paging must handle. */
const SHAPES: Readonly<Record<string, Sort[]>> = {
  default: [],
  "id-descending": [desc("id")],
  "numbers-with-nulls": [asc("state.age")],
  "numbers-with-nulls-descending": [desc("state.age")],
  "every-type": [asc("state.tags.0")],
  "arrays-as-null": [desc("state.tags")],
  "mixed-directions": [asc("state.active"), desc("state.score")],
  "several-keys": [desc("state.address.city"), asc("state.age"), desc("state.city")],
};

/** Pages through `shape` over the world with limits 1 to 4 and expects what one page of everything gives. */
function keyset(sort: Sort[]) {
  return async ({ store }: ProjectionContractTestContext): Promise<void> => {
    await seedPeople(store);
    const everything = await store.search({ sort, limit: 1000 });
    expect(everything.items).toHaveLength(10);
    expect(everything.next, "one page holds everything").toBeUndefined();
    for (const limit of [1, 2, 3, 4]) {
      expect(keysOf(await searchAll(store, { sort }, limit)), `pages of ${limit}`).toEqual(keysOf(everything.items));
      expect(keysOf(await searchAll(store, { name: PERSON, sort }, limit)), `people in pages of ${limit}`).toEqual(
        keysOf(everything.items.filter((item) => item.name === PERSON)),
      );
    }
  };
}

/** `count` projections named `numbered` with `{ n }` states 0, 1, 2, … and ids `n-000`, `n-001`, …. */
function numbered(count: number, from = 0): Projection[] {
  return Array.from({ length: count }, (_, offset) => {
    const n = from + offset;
    return projection()
      .withName("numbered")
      .withId(`n-${String(n).padStart(3, "0")}`)
      .withSource(streamIdentifier("numbers", String(n)))
      .withState({ n: n % 7 === 3 ? null : n, group: n % 3 })
      .build();
  });
}

/**
 * Pages through a search of 30 projections while saving, changing and deleting
 * others between pages, and expects every projection that stayed unchanged
 * throughout to appear exactly once, and no projection twice.
 */
function changesBetweenPages(sort: Sort[]) {
  return async ({ store, random }: ProjectionContractTestContext): Promise<void> => {
    const initial = numbered(30);
    await saveAll(store, initial);
    const touched = new Set<string>();
    const seen: string[] = [];
    const shape: SearchShape = { name: "numbered", sort };
    let after: string | undefined;
    let fresh = 1000;
    for (let pages = 0; pages < 100; pages += 1) {
      const page = await store.search(after === undefined ? { ...shape, limit: 4 } : { ...shape, limit: 4, after });
      seen.push(...page.items.map((item) => item.id));
      if (page.next === undefined) break;
      after = page.next;
      // Between pages: add projections anywhere in the order, change one, delete one seen and one not yet seen.
      await saveAll(
        store,
        numbered(2, fresh).map((item) => ({ ...item, state: { n: random.integer(-5, 40), group: 1 } })),
      );
      fresh += 2;
      const victims = random.shuffle(initial.filter((item) => !touched.has(item.id)));
      const changed = victims[0];
      const deleted = victims[1];
      if (changed !== undefined) {
        touched.add(changed.id);
        await store.save({ ...changed, state: { n: random.integer(-5, 40), group: 2 } });
      }
      if (deleted !== undefined) {
        touched.add(deleted.id);
        expect(await store.delete({ name: "numbered", id: deleted.id })).toBe(true);
      }
    }
    for (const item of initial) {
      if (touched.has(item.id)) continue;
      expect(
        seen.filter((id) => id === item.id),
        `${item.id}, unchanged throughout, appears exactly once`,
      ).toHaveLength(1);
    }
    // A projection saved once between pages may be missed, if it sorts before the cursor, but never seen twice.
    const added = seen.filter((id) => Number(id.slice(2)) >= 1000);
    expect(new Set(added).size, "no projection added between pages appears twice").toBe(added.length);
  };
}

/** A normalised sort key, as the store hands it to the adapter. */
function key(root: "name" | "id" | "state", segments: (string | number)[], direction: "asc" | "desc") {
  return { path: { root, segments }, direction } as const;
}

/**
 * Asks the adapter directly for the people strictly after `after` in the order
 * of `tags.0` then name then id, and expects `ids`: keyset positions between
 * and across types that a cursor of the store would only reach by chance.
 */
async function expectAfter(
  adapter: ProjectionContractTestContext["adapter"],
  direction: "asc" | "desc",
  after: readonly (string | number | boolean | null)[],
  ids: readonly string[],
): Promise<void> {
  const sort = [key("state", ["tags", 0], direction), key("name", [], "asc"), key("id", [], "asc")];
  const found = await adapter.search({ name: PERSON, sort, limit: 100, after });
  expect(
    found.map((item) => item.id),
    `${direction} after ${JSON.stringify(after)}`,
  ).toEqual(ids);
}

/** Paging: offsets, keyset cursors with every sort shape, changes between pages, and the limits. */
export const pagingTests = defineProjectionTests("paging", {
  "paging.keyset.default-order": keyset(SHAPES.default ?? []),
  "paging.keyset.id-descending": keyset(SHAPES["id-descending"] ?? []),
  "paging.keyset.numbers-with-nulls": keyset(SHAPES["numbers-with-nulls"] ?? []),
  "paging.keyset.numbers-with-nulls-descending": keyset(SHAPES["numbers-with-nulls-descending"] ?? []),
  "paging.keyset.every-type": keyset(SHAPES["every-type"] ?? []),
  "paging.keyset.arrays-as-null": keyset(SHAPES["arrays-as-null"] ?? []),
  "paging.keyset.mixed-directions": keyset(SHAPES["mixed-directions"] ?? []),
  "paging.keyset.several-keys": keyset(SHAPES["several-keys"] ?? []),
  "paging.keyset.awkward-values": async ({ store }) => {
    // Every sort value lands in a cursor and back in a query: quotes, escapes, wildcards, astral characters, extremes.
    const values = ["", "'", '"', "\\", "%", "_", "𝔸", "ｚ", "a'b", "{}", "[]", 1e15, -0.5, 0, -1e15, true, false, null];
    await saveAll(
      store,
      values.map((value, index) =>
        projection()
          .withName("awkward")
          .withId(`v${String(index).padStart(2, "0")}`)
          .withState({ value })
          .build(),
      ),
    );
    for (const sort of [[asc("state.value")], [desc("state.value")], [desc("state.value"), desc("id")]]) {
      const everything = await store.search({ sort, limit: 1000 });
      expect(everything.items).toHaveLength(values.length);
      for (const limit of [1, 2, 5]) {
        expect(keysOf(await searchAll(store, { sort }, limit)), `pages of ${limit}`).toEqual(keysOf(everything.items));
      }
    }
  },
  "paging.keyset.with-filter": async ({ store }) => {
    await saveAll(store, numbered(40));
    const shape: SearchShape = { name: "numbered", filter: gt("state.n", 10), sort: [desc("state.group"), asc("state.n")] };
    const everything = await store.search({ ...shape, limit: 1000 });
    expect(everything.items.length).toBeGreaterThan(20);
    for (const limit of [1, 3, 7])
      expect(keysOf(await searchAll(store, shape, limit)), `pages of ${limit}`).toEqual(keysOf(everything.items));
  },
  "paging.keyset.ties-across-pages": async ({ store }) => {
    // Every sort value ties, so the cursor must carry name and id to go on.
    await saveAll(
      store,
      numbered(12).map((item) => ({ ...item, state: { n: 1 } })),
    );
    const pages = await searchAll(store, { sort: [asc("state.n")] }, 5);
    expect(keysOf(pages)).toEqual(keysOf(numbered(12)));
  },
  "paging.adapter-after-across-types": async ({ adapter, store }) => {
    await seedPeople(store);
    await expectAfter(adapter, "asc", [0.5, "account", "x"], ["fay", "gus", "bob", "ada", "hal", "cy", "dee", "eve"]);
    await expectAfter(adapter, "asc", [1, "person", "fay"], ["gus", "bob", "ada", "hal", "cy", "dee", "eve"]);
    await expectAfter(adapter, "asc", ["Red", "person", "gus"], ["bob", "ada", "hal", "cy", "dee", "eve"]);
    await expectAfter(adapter, "asc", ["zzz", "person", "a"], ["hal", "cy", "dee", "eve"]);
    await expectAfter(adapter, "asc", [false, "person", "zzz"], ["hal", "cy", "dee", "eve"]);
    await expectAfter(adapter, "asc", [true, "person", "hal"], ["cy", "dee", "eve"]);
    await expectAfter(adapter, "asc", [null, "a", "a"], ["cy", "dee", "eve"]);
    await expectAfter(adapter, "asc", [null, "person", "cy"], ["dee", "eve"]);
    await expectAfter(adapter, "asc", [null, "person", "eve"], []);
    await expectAfter(adapter, "desc", [null, "person", "dee"], ["eve", "hal", "ada", "bob", "gus", "fay"]);
    await expectAfter(adapter, "desc", [true, "person", "hal"], ["ada", "bob", "gus", "fay"]);
    await expectAfter(adapter, "desc", ["c", "person", "x"], ["bob", "gus", "fay"]);
    await expectAfter(adapter, "desc", [2, "person", "x"], ["fay"]);
    await expectAfter(adapter, "desc", [1, "person", "fay"], []);
  },
  "paging.adapter-offset-and-limit": async ({ adapter, store }) => {
    await seedPeople(store);
    const sort = [key("name", [], "asc"), key("id", [], "asc")];
    const ids = async (offset: number | undefined, limit: number) =>
      (await adapter.search({ name: PERSON, sort, limit, ...(offset === undefined ? {} : { offset }) })).map((item) => item.id);
    expect(await ids(undefined, 3)).toEqual(["ada", "bob", "cy"]);
    expect(await ids(2, 3)).toEqual(["cy", "dee", "eve"]);
    expect(await ids(7, 3)).toEqual(["hal"]);
    expect(await ids(8, 3)).toEqual([]);
    expect(await ids(0, 1000)).toHaveLength(8);
  },
  "paging.changes-between-pages.default-order": changesBetweenPages([]),
  "paging.changes-between-pages.ascending-with-nulls": changesBetweenPages([asc("state.n")]),
  "paging.changes-between-pages.descending-with-nulls": changesBetweenPages([desc("state.n")]),
  "paging.changes-between-pages.mixed-directions": changesBetweenPages([asc("state.group"), desc("state.n")]),
  "paging.cursor-projection-deleted": async ({ store }) => {
    await saveAll(store, numbered(9));
    const sort = [desc("state.n")];
    const first = await store.search({ name: "numbered", sort, limit: 4 });
    const last = first.items.at(-1);
    expect(last).toBeDefined();
    if (last === undefined || first.next === undefined) throw new Error("expected a full first page with a next cursor");
    await store.delete({ name: last.name, id: last.id });
    const rest = await store.search({ name: "numbered", sort, limit: 1000, after: first.next });
    const everything = await store.search({ name: "numbered", sort, limit: 1000 });
    expect(keysOf(rest.items), "the next page starts right after the deleted projection").toEqual(keysOf(everything.items).slice(3));
  },
  "paging.offset": async ({ store }) => {
    await seedPeople(store);
    const sort = [asc("state.city")];
    const everything = keysOf((await store.search({ sort, limit: 1000 })).items);
    expect(keysOf((await store.search({ sort, limit: 3, offset: 2 })).items)).toEqual(everything.slice(2, 5));
    expect(keysOf((await store.search({ sort, limit: 3, offset: 0 })).items)).toEqual(everything.slice(0, 3));
    expect(keysOf((await store.search({ sort, limit: 5, offset: 8 })).items)).toEqual(everything.slice(8));
    expect((await store.search({ sort, limit: 5, offset: 10 })).items).toEqual([]);
    expect((await store.search({ sort, limit: 5, offset: 500 })).items).toEqual([]);
  },
  "paging.offset-with-filter-and-name": async ({ store }) => {
    await seedPeople(store);
    const shape: SearchShape = { name: PERSON, filter: eq("state.active", true), sort: [desc("state.score")] };
    expect(keysOf(await searchAllByOffset(store, shape, 1))).toEqual(["person/ada", "person/gus"]);
    expect(keysOf((await store.search({ ...shape, limit: 1, offset: 1 })).items)).toEqual(["person/gus"]);
  },
  "paging.next-undefined-on-the-last-page": async ({ store }) => {
    expect(await store.search({ limit: 5 }), "an empty search").toEqual({ items: [], next: undefined });
    await saveAll(store, numbered(8));
    const whole = await store.search({ limit: 8 });
    expect(whole.items).toHaveLength(8);
    expect(whole.next, "exactly limit projections left: no next page").toBeUndefined();
    const first = await store.search({ limit: 4 });
    expect(first.next).toBeTypeOf("string");
    const second = await store.search({ limit: 4, after: first.next });
    expect(second.items).toHaveLength(4);
    expect(second.next).toBeUndefined();
    const beyond = await store.search({ limit: 9 });
    expect(beyond.items).toHaveLength(8);
    expect(beyond.next).toBeUndefined();
  },
  "paging.next-after-a-short-page-by-filter": async ({ store }) => {
    await saveAll(store, numbered(8));
    const page = await store.search({ filter: eq("state.group", 0), limit: 2 });
    expect(page.items).toHaveLength(2);
    expect(page.next).toBeTypeOf("string");
    const rest = await store.search({ filter: eq("state.group", 0), limit: 2, after: page.next });
    expect(keysOf([...page.items, ...rest.items])).toEqual(["numbered/n-000", "numbered/n-003", "numbered/n-006"]);
    expect(rest.next).toBeUndefined();
  },
  "paging.default-limit-is-100": {
    timeout: 60_000,
    run: async ({ store }) => {
      await saveAll(store, numbered(101));
      const page = await store.search({});
      expect(page.items).toHaveLength(100);
      expect(page.next).toBeTypeOf("string");
      const rest = await store.search({ after: page.next });
      expect(keysOf(rest.items)).toEqual(["numbered/n-100"]);
      expect(rest.next).toBeUndefined();
    },
  },
  "paging.limit-bounds": {
    timeout: 60_000,
    run: async ({ store }) => {
      await saveAll(store, numbered(101));
      const one = await store.search({ limit: 1 });
      expect(keysOf(one.items)).toEqual(["numbered/n-000"]);
      expect(one.next).toBeTypeOf("string");
      const most = await store.search({ limit: 1000 });
      expect(most.items).toHaveLength(101);
      expect(most.next).toBeUndefined();
      await expectRejection(store.search({ limit: 0 }), "INVALID_INPUT");
      await expectRejection(store.search({ limit: 1001 }), "INVALID_INPUT");
    },
  },
  "paging.iterate-pages-underneath": {
    timeout: 60_000,
    run: async ({ store }) => {
      await saveAll(store, numbered(130));
      const shape: SearchShape = { name: "numbered", sort: [desc("state.n")] };
      const iterated = await collect(store.iterate(shape));
      expect(iterated).toHaveLength(130);
      expect(keysOf(iterated)).toEqual(keysOf(await searchAll(store, shape, 1000)));
      const filtered = await collect(store.iterate({ filter: eq("state.group", 1) }));
      expect(keysOf(filtered)).toEqual(keysOf(numbered(130).filter((item) => (item.state as { group: number }).group === 1)));
    },
  },
  "paging.cursor-from-another-query-rejects": async ({ store }) => {
    await seedPeople(store);
    const page = await store.search({ name: PERSON, filter: eq("state.active", true), sort: [asc("state.age")], limit: 1 });
    expect(page.next).toBeTypeOf("string");
    const after = page.next;
    const others: SearchShape[] = [
      { name: PERSON, filter: eq("state.active", true), sort: [desc("state.age")] },
      { name: PERSON, filter: eq("state.active", true), sort: [asc("state.score")] },
      { name: PERSON, filter: eq("state.active", true), sort: [asc("state.age"), asc("id")] },
      { name: PERSON, filter: eq("state.active", true) },
      { name: PERSON, filter: eq("state.active", false), sort: [asc("state.age")] },
      { name: PERSON, sort: [asc("state.age")] },
      { name: "account", filter: eq("state.active", true), sort: [asc("state.age")] },
      { filter: eq("state.active", true), sort: [asc("state.age")] },
    ];
    for (const shape of others) await expectRejection(store.search({ ...shape, limit: 1, after }), "INVALID_INPUT");
    const next = await store.search({ name: PERSON, filter: eq("state.active", true), sort: [asc("state.age")], limit: 1, after });
    expect(keysOf(next.items), "the cursor still works with its own query").toEqual(["person/ada"]);
  },
  "paging.malformed-cursor-rejects": async ({ store }) => {
    await seedPeople(store);
    const page = await store.search({ limit: 2 });
    const cursor = page.next ?? "";
    for (const after of ["", "not-a-cursor", cursor.slice(0, -2), "e30", "W10", "null", "🎉"]) {
      await expectRejection(store.search({ limit: 2, after }), "INVALID_INPUT");
    }
  },
  "paging.offset-with-after-rejects": async ({ store }) => {
    await seedPeople(store);
    const page = await store.search({ limit: 2 });
    await expectRejection(store.search({ limit: 2, after: page.next, offset: 2 }), "INVALID_INPUT");
    await expectRejection(store.search({ limit: 2, after: page.next, offset: 0 }), "INVALID_INPUT");
  },
});
