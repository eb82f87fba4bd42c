import {
  and,
  asc,
  categoryIdentifier,
  compareProjections,
  desc,
  eq,
  evaluateFilter,
  type Filter,
  gt,
  type JsonValue,
  normaliseFilter,
  normaliseSort,
  not,
  type Projection,
  ProjectionStore,
  type Sort,
  streamIdentifier,
  TIE_BREAKERS,
} from "@chronicle/core";
import { describe, expect, it } from "vitest";
import { InMemoryProjectionStorageAdapter } from "../src/index.js";

const store = () => new ProjectionStore(new InMemoryProjectionStorageAdapter());

const projection = (id: string, state: JsonValue, extra: Partial<Projection> = {}): Projection => ({
  name: "profile",
  id,
  source: streamIdentifier("profiles", id),
  state,
  version: 1,
  position: 1n,
  eventCount: 1,
  updatedAt: new Date("2025-01-01T00:00:00.000Z"),
  ...extra,
});

/** A small seeded generator (mulberry32), so a failing run can be repeated. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const CITIES = ["Leeds", "York", "leeds", "Ýork", "𝔸rles", null, undefined];

const randomState = (next: () => number): JsonValue => {
  const city = CITIES[Math.floor(next() * CITIES.length)];
  const age = next() < 0.15 ? undefined : Math.floor(next() * 6) * 10 - 10;
  return {
    ...(city === undefined ? {} : { city }),
    ...(age === undefined ? {} : { age }),
    active: next() < 0.5,
  };
};

describe("InMemoryProjectionStorageAdapter save", () => {
  it("never moves a projection backwards", async () => {
    const projections = store();
    const at = (version: number, position: bigint | undefined, label: string) => projection("joe", { label }, { version, position });
    expect(await projections.save(at(2, 5n, "v2@5"))).toBe(true);
    expect(await projections.save(at(1, 9n, "v1@9"))).toBe(false);
    expect(await projections.save(at(2, 4n, "v2@4"))).toBe(false);
    expect(await projections.save(at(2, undefined, "v2@none"))).toBe(false);
    expect((await projections.load({ name: "profile", id: "joe" }))?.state).toEqual({ label: "v2@5" });
    expect(await projections.save(at(2, 5n, "v2@5 again"))).toBe(true);
    expect((await projections.load({ name: "profile", id: "joe" }))?.state).toEqual({ label: "v2@5 again" });
    expect(await projections.save(at(2, 6n, "v2@6"))).toBe(true);
    expect(await projections.save(at(3, undefined, "v3@none"))).toBe(true);
    expect(await projections.load({ name: "profile", id: "joe" })).toMatchObject({ version: 3, position: undefined });
  });

  it("keeps copies, so changing what was saved or loaded changes nothing stored", async () => {
    const projections = store();
    const saved = projection("joe", { tags: ["a"] });
    await projections.save(saved);
    (saved.state as { tags: string[] }).tags.push("saved");
    saved.updatedAt?.setFullYear(1990);
    const loaded = await projections.load({ name: "profile", id: "joe" });
    if (loaded === undefined) throw new Error("expected the saved projection");
    (loaded.state as { tags: string[] }).tags.push("loaded");
    loaded.updatedAt?.setFullYear(1980);
    (loaded.source as { category: string }).category = "changed";
    const [found] = (await projections.search({ name: "profile" })).items;
    expect(found).toEqual(projection("joe", { tags: ["a"] }));
    expect(await projections.load({ name: "profile", id: "joe" })).toEqual(projection("joe", { tags: ["a"] }));
  });

  it("deletes by name and id, and says whether there was one", async () => {
    const projections = store();
    await projections.save(projection("joe", {}));
    await projections.save(projection("joe", {}, { name: "other" }));
    expect(await projections.delete({ name: "profile", id: "joe" })).toBe(true);
    expect(await projections.delete({ name: "profile", id: "joe" })).toBe(false);
    expect(await projections.load({ name: "other", id: "joe" })).toBeDefined();
  });
});

describe("InMemoryProjectionStorageAdapter locate", () => {
  it("finds the projection of a name over exactly that source, the smallest id first", async () => {
    const projections = store();
    const source = streamIdentifier("profiles", "joe");
    await projections.save(projection("𝔸", {}, { source }));
    await projections.save(projection("\uFF21", {}, { source }));
    await projections.save(projection("b", {}, { source: categoryIdentifier("profiles") }));
    expect((await projections.locate({ name: "profile", source }))?.id).toBe("\uFF21");
    expect((await projections.locate({ name: "profile", source: categoryIdentifier("profiles") }))?.id).toBe("b");
    expect(await projections.locate({ name: "profile", source: streamIdentifier("profiles", "ann") })).toBeUndefined();
    expect(await projections.locate({ name: "other", source })).toBeUndefined();
  });
});

describe("InMemoryProjectionStorageAdapter search", () => {
  const seeded = async (count: number, seed: number) => {
    const projections = store();
    const next = random(seed);
    const all: Projection[] = [];
    for (let index = 0; index < count; index += 1) {
      const item = projection(`p${index}`, randomState(next), { name: next() < 0.2 ? "other" : "profile" });
      all.push(item);
      await projections.save(item);
    }
    return { projections, all };
  };

  const expected = (all: readonly Projection[], query: { name?: string; filter?: Filter; sort?: readonly Sort[] }) => {
    const filter = query.filter === undefined ? undefined : normaliseFilter(query.filter);
    return all
      .filter((p) => (query.name === undefined || p.name === query.name) && (filter === undefined || evaluateFilter(filter, p)))
      .sort(compareProjections([...normaliseSort(query.sort), ...TIE_BREAKERS]))
      .map((p) => `${p.name}/${p.id}`);
  };

  const keys = (items: readonly Projection[]) => items.map((p) => `${p.name}/${p.id}`);

  const queries: { name?: string; filter?: Filter; sort?: readonly Sort[] }[] = [
    {},
    { sort: [asc("state.city"), desc("state.age")] },
    { name: "profile", sort: [desc("state.city"), asc("state.age")] },
    { filter: and(gt("state.age", 0), not(eq("state.city", "York"))), sort: [desc("state.age"), desc("id")] },
    { name: "profile", filter: eq("state.active", true), sort: [asc("state.active"), desc("state.city")] },
    { sort: [desc("position"), asc("source.stream")] },
  ];

  it("pages with keyset cursors and offsets to the same order as the reference comparator", async () => {
    const { projections, all } = await seeded(120, 7);
    for (const query of queries) {
      const want = expected(all, query);
      const byCursor: string[] = [];
      let after: string | undefined;
      do {
        const page = await projections.search({ ...query, limit: 7, ...(after === undefined ? {} : { after }) });
        byCursor.push(...keys(page.items));
        after = page.next;
      } while (after !== undefined);
      expect(byCursor, JSON.stringify(query)).toEqual(want);
      const byOffset: string[] = [];
      for (let offset = 0; offset < want.length + 7; offset += 7) {
        byOffset.push(...keys((await projections.search({ ...query, limit: 7, offset })).items));
      }
      expect(byOffset, JSON.stringify(query)).toEqual(want);
      expect(await projections.count(query.filter === undefined ? { ...query } : query)).toBe(want.length);
    }
  });

  it("returns every projection left unchanged exactly once while others are saved and deleted between pages", async () => {
    for (const seed of [1, 2, 3]) {
      const { projections, all } = await seeded(90, seed);
      const next = random(seed * 101);
      const touched = new Set<string>();
      const seen: string[] = [];
      const query = { sort: [asc("state.city"), desc("state.age")] };
      let after: string | undefined;
      let added = 0;
      do {
        const page = await projections.search({ ...query, limit: 6, ...(after === undefined ? {} : { after }) });
        seen.push(...keys(page.items));
        after = page.next;
        for (let change = 0; change < 4; change += 1) {
          const victim = all[Math.floor(next() * all.length)] as Projection;
          const key = `${victim.name}/${victim.id}`;
          const roll = next();
          if (roll < 0.35) {
            await projections.delete({ name: victim.name, id: victim.id });
          } else if (roll < 0.7) {
            await projections.save({ ...victim, state: randomState(next), position: 2n });
          } else {
            const fresh = projection(`new${added++}`, randomState(next));
            await projections.save(fresh);
            touched.add(`${fresh.name}/${fresh.id}`);
            continue;
          }
          touched.add(key);
        }
      } while (after !== undefined);
      const counts = new Map<string, number>();
      for (const key of seen) counts.set(key, (counts.get(key) ?? 0) + 1);
      for (const key of keys(all)) {
        if (!touched.has(key)) expect(counts.get(key), `seed ${seed}: ${key}`).toBe(1);
      }
      // A changed projection may be missed or, if its sort values moved past the cursor, seen again.
      for (const [key, count] of counts) if (!touched.has(key)) expect(count, key).toBe(1);
    }
  });

  it("goes on after the projection a cursor points at is deleted", async () => {
    const projections = store();
    for (const id of ["a", "b", "c", "d"]) await projections.save(projection(id, { n: id.charCodeAt(0) }));
    const first = await projections.search({ sort: [desc("state.n")], limit: 2 });
    expect(keys(first.items)).toEqual(["profile/d", "profile/c"]);
    await projections.delete({ name: "profile", id: "c" });
    const second = await projections.search({ sort: [desc("state.n")], limit: 2, after: first.next });
    expect(keys(second.items)).toEqual(["profile/b", "profile/a"]);
    expect(second.next).toBeUndefined();
  });

  it("sorts ties and nulls in both directions with name and id deciding", async () => {
    const projections = store();
    const rows: [string, JsonValue][] = [
      ["e", { v: null }],
      ["b", { v: 1 }],
      ["d", {}],
      ["a", { v: 1 }],
      ["c", { v: "1" }],
      ["f", { v: [1] }],
      ["g", { v: true }],
    ];
    for (const [id, state] of rows) await projections.save(projection(id, state));
    const order = async (sort: Sort) => keys((await projections.search({ sort: [sort], limit: 2 })).items);
    const all = async (sort: Sort) => {
      const ids: string[] = [];
      for await (const p of projections.iterate({ sort: [sort], pageSize: 2 })) ids.push(p.id);
      return ids;
    };
    expect(await all(asc("state.v"))).toEqual(["a", "b", "c", "g", "d", "e", "f"]);
    expect(await all(desc("state.v"))).toEqual(["d", "e", "f", "g", "c", "a", "b"]);
    expect(await order(desc("state.v"))).toEqual(["profile/d", "profile/e"]);
  });
});

describe("InMemoryProjectionStorageAdapter close", () => {
  it("rejects every call after close with CLOSED, and closing twice is harmless", async () => {
    const adapter = new InMemoryProjectionStorageAdapter();
    await adapter.close();
    await adapter.close();
    const closed = expect.objectContaining({ code: "CLOSED" });
    await expect(adapter.load({ name: "profile", id: "joe" })).rejects.toThrow(closed);
    await expect(adapter.delete({ name: "profile", id: "joe" })).rejects.toThrow(closed);
    await expect(adapter.locate("profile", streamIdentifier("profiles", "joe"))).rejects.toThrow(closed);
    await expect(adapter.search({ sort: [...TIE_BREAKERS], limit: 1 })).rejects.toThrow(closed);
    await expect(adapter.count({})).rejects.toThrow(closed);
  });
});
