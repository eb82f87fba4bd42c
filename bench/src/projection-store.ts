import { desc, eq, type Projection, ProjectionStore, streamIdentifier } from "@chronicle/core";
import { InMemoryProjectionStorageAdapter } from "@chronicle/in-memory";
import { alternate, type BenchSuite, compare } from "./harness.js";

const SUITE = "projection-store";
const PROJECTIONS = 100_000;
const CITIES = 5;
const PAGE = 100;
/** The page measured deep into the results: reached by following keyset cursors. */
const DEEP_PAGE = 100;
const SEARCHES = 20;
/** Each scenario alternates Chronicle and the baseline this many times, so a load spike on the machine hits both. */
const ROUNDS = 3;

interface Person {
  id: string;
  state: { city: string; age: number; tags: string[] };
}

const person = (index: number): Person => ({
  id: `person-${String(index).padStart(6, "0")}`,
  state: { city: `city-${index % CITIES}`, age: (index * 7919) % 100, tags: [`tag-${index % 7}`] },
});

/**
 * What a user would write by hand over a plain array of the same objects: keep
 * one city, sort by age descending then id, optionally start after a key, take
 * a page.
 */
function searchByHand(people: readonly Person[], city: string, after?: { age: number; id: string }): Person[] {
  const found = people.filter(
    (entry) =>
      entry.state.city === city &&
      (after === undefined || entry.state.age < after.age || (entry.state.age === after.age && entry.id > after.id)),
  );
  found.sort((left, right) => right.state.age - left.state.age || (left.id < right.id ? -1 : left.id > right.id ? 1 : 0));
  return found.slice(0, PAGE);
}

/**
 * The in-memory projection store over 100,000 projections: a search with one
 * `eq` on a state path and one sort, the first page and the hundredth page
 * reached through keyset cursors, each beside the same filter, sort and slice
 * written by hand over a plain array in the same run.
 */
export const projectionStoreSuite: BenchSuite = {
  name: SUITE,
  async run() {
    const store = new ProjectionStore(new InMemoryProjectionStorageAdapter());
    const people = Array.from({ length: PROJECTIONS }, (_, index) => person(index));
    for (const entry of people) {
      const projection: Projection = {
        name: "person",
        id: entry.id,
        source: streamIdentifier("people", entry.id),
        state: entry.state,
        version: 1,
        position: 1n,
        eventCount: 1,
        updatedAt: undefined,
      };
      await store.save(projection);
    }
    const query = { name: "person", filter: eq("state.city", "city-3"), sort: [desc("state.age")], limit: PAGE };

    const [firstChronicle, firstBaseline] = await alternate(
      { suite: SUITE, scenario: `search eq(state.city) + desc(state.age), first page of ${PAGE}, over ${PROJECTIONS}`, unit: "searches" },
      ROUNDS,
      () => async () => {
        let found = 0;
        for (let index = 0; index < SEARCHES; index += 1) found += (await store.search(query)).items.length;
        return { count: SEARCHES, found };
      },
      () => async () => {
        let found = 0;
        for (let index = 0; index < SEARCHES; index += 1) found += searchByHand(people, "city-3").length;
        return { count: SEARCHES, found };
      },
    );
    compare(firstChronicle, firstBaseline, { minimumRatio: 0.25, description: "at least a quarter of a hand-written filter and sort" });

    // The cursor of page 99 (and the hand-written key it stands for), so page 100 is what is timed.
    let after: string | undefined;
    let last: Projection | undefined;
    for (let page = 1; page < DEEP_PAGE; page += 1) {
      const result = await store.search({ ...query, ...(after === undefined ? {} : { after }) });
      after = result.next;
      last = result.items.at(-1);
    }
    if (after === undefined || last === undefined) throw new Error(`expected more than ${DEEP_PAGE - 1} pages`);
    const cursor = after;
    const key = { age: (last.state as Person["state"]).age, id: last.id };

    const [deepChronicle, deepBaseline] = await alternate(
      {
        suite: SUITE,
        scenario: `search eq(state.city) + desc(state.age), page ${DEEP_PAGE} by keyset cursor, over ${PROJECTIONS}`,
        unit: "searches",
      },
      ROUNDS,
      () => async () => {
        let found = 0;
        for (let index = 0; index < SEARCHES; index += 1) found += (await store.search({ ...query, after: cursor })).items.length;
        return { count: SEARCHES, found };
      },
      () => async () => {
        let found = 0;
        for (let index = 0; index < SEARCHES; index += 1) found += searchByHand(people, "city-3", key).length;
        return { count: SEARCHES, found };
      },
    );
    compare(deepChronicle, deepBaseline, { minimumRatio: 0.25, description: "at least a quarter of a hand-written filter and sort" });
    await store.close();
  },
};
