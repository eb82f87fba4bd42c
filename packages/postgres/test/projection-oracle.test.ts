import {
  and,
  asc,
  contains,
  desc,
  eq,
  exists,
  type Filter,
  gt,
  gte,
  inArray,
  type JsonScalar,
  type JsonValue,
  lt,
  lte,
  matches,
  ne,
  not,
  or,
  type Projection,
  type ProjectionPath,
  ProjectionStore,
  type Sort,
  startsWith,
  streamIdentifier,
} from "@chronicle/core";
import { InMemoryProjectionStorageAdapter } from "@chronicle/in-memory";
import { createRandom, type Random } from "@chronicle/testing";
import { describe, expect, it } from "vitest";
import { PostgresProjectionStorageAdapter } from "../src/index.js";
import { useTestSchemas } from "./test-schemas.js";

const { pool, schemaFor } = useTestSchemas(4);

const keys = (items: readonly Projection[]) => items.map((item) => `${item.name}/${item.id}`);

async function all(store: ProjectionStore, query: { name?: string; filter?: Filter; sort?: Sort[] }, limit: number): Promise<Projection[]> {
  const found: Projection[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.search({ ...query, limit, ...(after === undefined ? {} : { after }) });
    found.push(...page.items);
    if (page.next === undefined) return found;
    after = page.next;
  }
}

/**
 * Random projections and random queries, asked of this adapter and of the
 * in-memory reference adapter over the same projections: every search (paged
 * by keyset cursor and by offset), and every count, must agree exactly.
 */
describe("random queries against the in-memory adapter", () => {
  for (const seed of [101, 202, 303]) {
    it(`agrees on seed ${seed}`, { timeout: 120_000 }, async () => {
      const random = createRandom(seed);
      const postgres = new ProjectionStore(new PostgresProjectionStorageAdapter({ pool }, { schema: schemaFor(`oracle-${seed}`) }));
      const memory = new ProjectionStore(new InMemoryProjectionStorageAdapter());
      const seen = new Set<string>();
      for (let index = 0; index < 150; index += 1) {
        const item = random.projection();
        const key = JSON.stringify([item.name, item.id]);
        if (seen.has(key)) continue;
        seen.add(key);
        expect(await postgres.save(item)).toBe(true);
        expect(await memory.save(item)).toBe(true);
      }
      for (let index = 0; index < 60; index += 1) {
        const query: { name?: string; filter?: Filter; sort?: Sort[] } = {};
        if (random.next() < 0.3) query.name = random.pick(["profile", "order", "cart"]);
        if (random.next() < 0.9) query.filter = random.filter(3);
        if (random.next() < 0.8) query.sort = random.sort();
        const limit = random.pick([1, 3, 7, 40, 1000]);
        const where = `seed ${seed}, query ${index}: ${JSON.stringify(query)}`;
        const expected = await all(memory, query, 1000);
        expect(keys(await all(postgres, query, limit)), where).toEqual(keys(expected));
        const offset = random.integer(0, expected.length);
        const page = await postgres.search({ ...query, limit: Math.max(limit, 1), offset });
        expect(keys(page.items), `${where}, offset ${offset}`).toEqual(keys(expected.slice(offset, offset + Math.max(limit, 1))));
        const counted = {
          ...(query.name === undefined ? {} : { name: query.name }),
          ...(query.filter === undefined ? {} : { filter: query.filter }),
        };
        expect(await postgres.count(counted), where).toBe(await memory.count(counted));
      }
      await postgres.close();
    });
  }
});

// Values SQL, LIKE, regular expressions and placeholders treat specially, beside values of every type.
const SCALARS: JsonScalar[] = [
  "a'b",
  'q"q',
  "50%",
  "a_b",
  "$1",
  "\\",
  "back\\slash",
  "",
  "𝔸",
  "ｚ",
  "A",
  "a",
  0,
  -1.5,
  2,
  1e15,
  true,
  false,
  null,
];
const PATHS: ProjectionPath[] = [
  "state.v",
  "state.list.0",
  ["state", "list", 1],
  "state.list.01",
  "state.obj.0",
  "state.obj.01",
  ["state", "obj", "a'b"],
  ["state", "obj", "$1"],
  "state.deep.x.y",
  "state.list",
  "state.obj",
];
const PATTERNS = ["^a", "b$", "%", "_", "\\$1", "\\\\", "^$", "[0-9]", "A|ｚ"];

function awkwardValue(random: Random, depth = 0): JsonValue {
  const roll = random.next();
  if (depth < 2 && roll < 0.15) return Array.from({ length: random.integer(0, 3) }, () => awkwardValue(random, depth + 1));
  if (depth < 2 && roll < 0.25) {
    const object: Record<string, JsonValue> = {};
    for (const key of ["0", "01", "a'b", "$1", "x", "y"]) if (random.next() < 0.4) object[key] = awkwardValue(random, depth + 1);
    return object;
  }
  return random.pick(SCALARS);
}

function awkwardState(random: Random): JsonValue {
  const state: Record<string, JsonValue> = {};
  for (const key of ["v", "list", "obj", "deep"]) {
    if (random.next() < 0.8) state[key] = key === "deep" ? { x: { y: awkwardValue(random) } } : awkwardValue(random);
  }
  return state;
}

function awkwardFilter(random: Random, depth = 2): Filter {
  if (depth > 0 && random.next() < 0.35) {
    const parts = Array.from({ length: random.integer(0, 3) }, () => awkwardFilter(random, depth - 1));
    return random.pick([() => and(...parts), () => or(...parts), () => not(awkwardFilter(random, depth - 1))])();
  }
  const path = random.pick(PATHS);
  const value = random.pick(SCALARS);
  const text = random.pick(SCALARS.filter((item): item is string => typeof item === "string"));
  const comparable = typeof value === "number" || typeof value === "string" ? value : text;
  return random.pick<() => Filter>([
    () => eq(path, value),
    () => ne(path, value),
    () => gt(path, comparable),
    () => gte(path, comparable),
    () => lt(path, comparable),
    () => lte(path, comparable),
    () => inArray(path, [value, random.pick(SCALARS)]),
    () => contains(path, value),
    () => startsWith(path, text),
    () => matches(path, new RegExp(random.pick(PATTERNS), random.next() < 0.5 ? "i" : "")),
    () => exists(path),
  ])();
}

describe("awkward values and paths against the in-memory adapter", () => {
  for (const seed of [7, 8]) {
    it(`agrees on seed ${seed}`, { timeout: 120_000 }, async () => {
      const random = createRandom(seed);
      const postgres = new ProjectionStore(new PostgresProjectionStorageAdapter({ pool }, { schema: schemaFor(`awkward-${seed}`) }));
      const memory = new ProjectionStore(new InMemoryProjectionStorageAdapter());
      for (let index = 0; index < 120; index += 1) {
        const item: Projection = {
          name: "awkward",
          id: `${random.pick(["a", "B", "%", "_", "'", "𝔸"])}${index}`,
          source: streamIdentifier("awkward", String(index)),
          state: awkwardState(random),
          version: 1,
          position: BigInt(index),
          eventCount: 1,
          updatedAt: new Date(index),
        };
        expect(await postgres.save(item)).toBe(true);
        expect(await memory.save(item)).toBe(true);
      }
      for (let index = 0; index < 120; index += 1) {
        const filter = awkwardFilter(random);
        const sort: Sort[] = Array.from({ length: random.integer(0, 2) }, () => (random.next() < 0.5 ? asc : desc)(random.pick(PATHS)));
        const query = { filter, sort };
        const where = `seed ${seed}, query ${index}: ${JSON.stringify(query)}`;
        const expected = await all(memory, query, 1000);
        expect(keys(await all(postgres, query, random.pick([2, 5, 1000]))), where).toEqual(keys(expected));
        expect(await postgres.count({ filter }), where).toBe(expected.length);
      }
      await postgres.close();
    });
  }
});
