import {
  and,
  asc,
  contains,
  desc,
  eq,
  exists,
  type Filter,
  gt,
  inArray,
  type JsonValue,
  lt,
  matches,
  not,
  type Projection,
  ProjectionStore,
  type Sort,
  startsWith,
  streamIdentifier,
} from "@chronicle/core";
import { InMemoryProjectionStorageAdapter } from "@chronicle/in-memory";
import { createRandom, projection } from "@chronicle/testing";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteProjectionStorageAdapter } from "../src/index.js";
import { removeTemporaryFiles, temporaryDatabaseFile } from "./temporary-files.js";

afterAll(removeTemporaryFiles);

/** A store on a fresh SQLite file beside an in-memory store holding the same projections. */
async function storesWith(states: Record<string, JsonValue>) {
  const sqlite = new ProjectionStore(new SqliteProjectionStorageAdapter({ filename: temporaryDatabaseFile("projections.db") }));
  const reference = new ProjectionStore(new InMemoryProjectionStorageAdapter());
  for (const [id, state] of Object.entries(states)) {
    const item = projection().withName("thing").withId(id).withSource(streamIdentifier("things", id)).withState(state).build();
    expect(await sqlite.save(item)).toBe(true);
    expect(await reference.save(item)).toBe(true);
  }
  return { sqlite, reference };
}

async function all(store: ProjectionStore, filter?: Filter, sort?: Sort[]): Promise<string[]> {
  const ids: string[] = [];
  for await (const item of store.iterate({ ...(filter === undefined ? {} : { filter }), ...(sort === undefined ? {} : { sort }) })) {
    ids.push(item.id);
  }
  return ids;
}

describe("SqliteProjectionStorageAdapter queries", () => {
  it("matches quotes, backslashes, %, _ and $1 in values and keys literally", async () => {
    const awkward = ["it's", 'say "hi"', "a\\b", "100%", "a_b", "$1", "%", "_", "'; DROP TABLE chronicle_projections; --"];
    const states: Record<string, JsonValue> = {
      plain: { text: "abc", tags: ["x"] },
      percent: { text: "100 per cent", tags: ["100"] },
      underscore: { text: "aXb", tags: ["ab"] },
    };
    for (const [index, value] of awkward.entries()) states[`awkward-${index}`] = { text: value, tags: [value], [value]: index };
    const { sqlite, reference } = await storesWith(states);

    for (const [index, value] of awkward.entries()) {
      expect(await all(sqlite, eq("state.text", value))).toEqual([`awkward-${index}`]);
      expect(await all(sqlite, contains("state.tags", value))).toEqual([`awkward-${index}`]);
      expect(await all(sqlite, startsWith("state.text", value)), value).toEqual(await all(reference, startsWith("state.text", value)));
      expect(await all(sqlite, contains("state.text", value)), value).toEqual(await all(reference, contains("state.text", value)));
      // The value is also a key: a path segment of quotes, backslashes and the like reads exactly that key.
      expect(await all(sqlite, eq(["state", value], index))).toEqual([`awkward-${index}`]);
    }
    // LIKE would let % and _ match anything; these must not.
    expect(await all(sqlite, contains("state.text", "%"))).toEqual(["awkward-3", "awkward-6"]);
    expect(await all(sqlite, startsWith("state.text", "a_"))).toEqual(["awkward-4"]);
    expect(await all(sqlite, inArray("state.text", ["$1", "a\\b"]))).toEqual(["awkward-2", "awkward-5"]);
    expect(await sqlite.count({})).toBe(Object.keys(states).length);
  });

  it('follows the path rule: a key like "0" reads an array element or an object key, a number only an element', async () => {
    const { sqlite, reference } = await storesWith({
      array: { list: ["first", "second"] },
      object: { list: { "0": "first", "1": "second" } },
      nested: { list: [{ "0": ["first"] }] },
      padded: { list: { "01": "first" } },
    });
    const cases: Filter[] = [
      eq("state.list.0", "first"),
      eq(["state", "list", 0], "first"),
      eq(["state", "list", "0"], "first"),
      eq("state.list.01", "first"),
      exists("state.list.1"),
      eq("state.list.0.0.0", "first"),
      eq(["state", "list", 0, 0, 0], "first"),
      eq(["state", "list", 0, "0", 0], "first"),
    ];
    const expected = [["array", "object"], ["array"], ["array", "object"], ["padded"], ["array", "object"], ["nested"], [], ["nested"]];
    for (const [index, filter] of cases.entries()) {
      expect(await all(sqlite, filter), JSON.stringify(filter)).toEqual(expected[index]);
      expect(await all(reference, filter), JSON.stringify(filter)).toEqual(expected[index]);
    }
  });

  it("tells booleans from numbers, and never compares across types", async () => {
    const { sqlite } = await storesWith({
      one: { value: 1 },
      yes: { value: true },
      no: { value: false },
      zero: { value: 0 },
      text: { value: "1" },
      nothing: { value: null },
      missing: {},
    });
    expect(await all(sqlite, eq("state.value", 1))).toEqual(["one"]);
    expect(await all(sqlite, eq("state.value", true))).toEqual(["yes"]);
    expect(await all(sqlite, eq("state.value", false))).toEqual(["no"]);
    expect(await all(sqlite, eq("state.value", null))).toEqual(["missing", "nothing"]);
    expect(await all(sqlite, gt("state.value", -1))).toEqual(["one", "zero"]);
    expect(await all(sqlite, lt("state.value", "2"))).toEqual(["text"]);
    expect(await all(sqlite, not(eq("state.value", 1)))).toEqual(["missing", "no", "nothing", "text", "yes", "zero"]);
    expect(await all(sqlite, and(exists("state.value"), not(gt("state.value", 0))))).toEqual(["no", "nothing", "text", "yes", "zero"]);
    expect(await all(sqlite, undefined, [asc("state.value")])).toEqual(["zero", "one", "text", "no", "yes", "missing", "nothing"]);
    expect(await all(sqlite, undefined, [desc("state.value")])).toEqual(["missing", "nothing", "yes", "no", "text", "one", "zero"]);
  });

  it("evaluates matches with JavaScript's regular expressions, flag i included", async () => {
    const { sqlite, reference } = await storesWith({ a: { name: "Joe" }, b: { name: "joey" }, c: { name: "Jo.e" }, d: { name: 7 } });
    for (const filter of [
      matches("state.name", /^jo/i),
      matches("state.name", "^Jo\\.e$"),
      matches("state.name", /e$/),
      matches("state.name", "7"),
    ]) {
      expect(await all(sqlite, filter)).toEqual(await all(reference, filter));
    }
    expect(await all(sqlite, matches("state.name", /^jo/i))).toEqual(["a", "b", "c"]);
  });

  it("finds what the in-memory adapter finds, page after page, for random queries over random and awkward states", async () => {
    for (const seed of [11, 12, 13, 14]) {
      const random = createRandom(seed);
      const sqlite = new ProjectionStore(new SqliteProjectionStorageAdapter({ filename: temporaryDatabaseFile("projections.db") }));
      const reference = new ProjectionStore(new InMemoryProjectionStorageAdapter());
      const saved: Projection[] = [];
      for (let index = 0; index < 80; index += 1) {
        const item = random.projection();
        // Some states put arrays where objects were, and objects keyed "0" where arrays were, to exercise the path rule.
        if (index % 5 === 0 && typeof item.state === "object" && item.state !== null && !Array.isArray(item.state)) {
          item.state = { ...item.state, tags: { "0": random.pick(["red", 1, true, null]) }, address: [random.pick(["Leeds", 2])] };
        }
        saved.push(item);
        expect(await sqlite.save(item)).toBe(await reference.save(item));
      }
      for (let query = 0; query < 40; query += 1) {
        const shape = { filter: random.filter(), sort: random.sort() };
        const description = `seed ${seed}, query ${query}: ${JSON.stringify(shape)}`;
        expect(await sqlite.count(shape), description).toBe(await reference.count(shape));
        const limit = random.integer(1, 7);
        const pages = async (store: ProjectionStore) => {
          const keys: string[] = [];
          let after: string | undefined;
          do {
            const page = await store.search({ ...shape, limit, ...(after === undefined ? {} : { after }) });
            keys.push(...page.items.map((item) => `${item.name}/${item.id}`));
            after = page.next;
          } while (after !== undefined);
          return keys;
        };
        expect(await pages(sqlite), description).toEqual(await pages(reference));
      }
    }
  }, 120_000);
});

describe("matches, as every adapter evaluates it", () => {
  it("lets . match a newline and a character above U+FFFF, as PostgreSQL does", async () => {
    const { ProjectionStore, matches, streamIdentifier } = await import("@chronicle/core");
    const { SqliteProjectionStorageAdapter } = await import("../src/index.js");
    const store = new ProjectionStore(new SqliteProjectionStorageAdapter({ filename: ":memory:" }));
    const base = { name: "p", source: streamIdentifier("c", "s"), version: 1, position: 1n, eventCount: 1, updatedAt: undefined };
    await store.save({ ...base, id: "newline", state: { text: "a\nb" } });
    await store.save({ ...base, id: "astral", state: { text: "a\u{1F600}b" } });
    const found = await store.search({ name: "p", filter: matches("state.text", "^a.b$") });
    expect(found.items.map((item) => item.id).sort()).toEqual(["astral", "newline"]);
    await store.close();
  });
});
