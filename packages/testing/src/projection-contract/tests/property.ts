import type { Filter, Projection, Sort } from "@chronicle/core";
import { expect } from "vitest";
import { createRandom, type Random } from "../../random.js";
import { defineProjectionTests } from "../define-tests.js";
import { describeQuery, keysOf, type SearchShape, saveAll, searchAll, searchAllByOffset } from "../helpers.js";
import { modelSearch } from "../model.js";
import type { ProjectionContractTestContext } from "../projection-contract-test.js";

/** One random query: an optional name, a filter, a sort, and a page size. */
interface RandomQuery extends SearchShape {
  limit: number;
}

function randomQuery(random: Random): RandomQuery {
  const query: RandomQuery = { limit: random.pick([1, 2, 4, 7, 12, 25, 1000, 1000]) };
  if (random.next() < 0.3) query.name = random.pick(["profile", "order", "cart"]);
  if (random.next() < 0.9) query.filter = random.filter() as Filter;
  if (random.next() < 0.8) query.sort = random.sort() as Sort[];
  return query;
}

/** Distinct (name, id) keys, first one kept, so every save stores. */
function distinct(list: readonly Projection[]): Projection[] {
  const seen = new Set<string>();
  return list.filter((item) => {
    const key = JSON.stringify([item.name, item.id]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * For each seed of the property option: saves random projections, runs random
 * queries through `check`, then deletes what it saved. A failure names the seed
 * and the query, so `createRandom(seed)` replays it.
 */
function forEachSeed(check: (context: ProjectionContractTestContext, saved: Projection[], query: RandomQuery) => Promise<void>) {
  return async (context: ProjectionContractTestContext): Promise<void> => {
    for (const seed of context.property.seeds) {
      const random = createRandom(seed);
      const saved = distinct(Array.from({ length: context.property.projections }, () => random.projection()));
      await saveAll(context.store, saved);
      for (let index = 0; index < context.property.queries; index += 1) {
        const query = randomQuery(random);
        const where = `seed ${seed}, query ${index}: ${describeQuery(query)}`;
        try {
          await check(context, saved, query);
        } catch (error) {
          if (error instanceof Error) error.message = `${where}\n${error.message}`;
          throw error;
        }
      }
      for (const item of saved) expect(await context.store.delete(item), `seed ${seed}: deleting ${item.name}/${item.id}`).toBe(true);
    }
  };
}

/** Random projections and queries: the adapter agrees with a naive model built on core's evaluation functions. */
export const propertyTests = defineProjectionTests("property", {
  "property.keyset-search-matches-model": {
    timeout: 120_000,
    run: forEachSeed(async ({ store }, saved, { limit, ...shape }) => {
      expect(keysOf(await searchAll(store, shape, limit))).toEqual(keysOf(modelSearch(saved, shape)));
    }),
  },
  "property.offset-search-matches-model": {
    timeout: 120_000,
    run: forEachSeed(async ({ store }, saved, { limit, ...shape }) => {
      expect(keysOf(await searchAllByOffset(store, shape, Math.max(limit, 5)))).toEqual(keysOf(modelSearch(saved, shape)));
    }),
  },
  "property.count-matches-model": {
    timeout: 120_000,
    run: forEachSeed(async ({ store }, saved, { name, filter }) => {
      const shape = { ...(name === undefined ? {} : { name }), ...(filter === undefined ? {} : { filter }) };
      expect(await store.count(shape)).toBe(modelSearch(saved, shape).length);
    }),
  },
  "property.search-returns-what-was-saved": {
    timeout: 120_000,
    run: forEachSeed(async ({ store }, saved, { limit, ...shape }) => {
      const found = (await store.search({ ...shape, limit })).items;
      const byKey = new Map(saved.map((item) => [JSON.stringify([item.name, item.id]), item]));
      for (const item of found) expect(item).toEqual(byKey.get(JSON.stringify([item.name, item.id])));
    }),
  },
});
