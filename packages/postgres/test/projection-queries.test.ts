import {
  and,
  asc,
  contains,
  eq,
  exists,
  type Filter,
  gt,
  inArray,
  lt,
  matches,
  normaliseFilter,
  not,
  type Projection,
  ProjectionStore,
  startsWith,
  streamIdentifier,
} from "@chronicle/core";
import { describe, expect, it } from "vitest";
import { PostgresProjectionStorageAdapter } from "../src/index.js";
import { ProjectionQueries } from "../src/projection-queries.js";
import { useTestSchemas } from "./test-schemas.js";

const { pool, schemaFor } = useTestSchemas(6);

function person(id: string, state: Projection["state"]): Projection {
  return {
    name: "person",
    id,
    source: streamIdentifier("people", id),
    state,
    version: 1,
    position: 1n,
    eventCount: 1,
    updatedAt: new Date(1),
  };
}

async function storeWith(label: string, people: Projection[]): Promise<ProjectionStore> {
  const store = new ProjectionStore(new PostgresProjectionStorageAdapter({ pool }, { schema: schemaFor(label) }));
  for (const item of people) expect(await store.save(item)).toBe(true);
  return store;
}

async function ids(store: ProjectionStore, filter: Filter): Promise<string[]> {
  return (await store.search({ name: "person", filter, limit: 1000 })).items.map((item) => item.id);
}

// Characters SQL, LIKE, regular expressions and the driver's placeholders treat specially.
const AWKWARD = {
  quote: "it's",
  double: 'say "hi"',
  backslash: "back\\slash",
  percent: "100%",
  underscore: "a_b",
  placeholder: "$1",
  injection: "'; DROP TABLE projections; --",
  dollars: "$$ $2::text $$",
};

describe("values and paths travel as parameters", () => {
  it("matches quotes, backslashes, %, _ and $1 literally in every operator", async () => {
    const store = await storeWith(
      "literal-values",
      Object.entries(AWKWARD).map(([id, text]) => person(id, { text, list: [text], [text]: true })),
    );
    expect(await store.save(person("plain", { text: "a plain text", list: ["plain"] }))).toBe(true);
    for (const [id, text] of Object.entries(AWKWARD)) {
      expect(await ids(store, eq("state.text", text)), `eq ${text}`).toEqual([id]);
      expect(await ids(store, inArray("state.text", [text, "nothing"])), `in ${text}`).toEqual([id]);
      expect(await ids(store, contains("state.list", text)), `contains element ${text}`).toEqual([id]);
      expect(await ids(store, contains("state.text", text)), `contains text ${text}`).toEqual([id]);
      expect(await ids(store, startsWith("state.text", text)), `startsWith ${text}`).toEqual([id]);
      expect(await ids(store, exists(["state", text])), `a key named ${text}`).toEqual([id]);
    }
    // LIKE would read these as wildcards: "%" and "_" match only themselves.
    expect(await ids(store, contains("state.text", "%"))).toEqual(["percent"]);
    expect(await ids(store, contains("state.text", "_"))).toEqual(["underscore"]);
    expect(await ids(store, startsWith("state.text", "a_"))).toEqual(["underscore"]);
    expect(await ids(store, startsWith("state.text", "a%"))).toEqual([]);
    expect(await ids(store, contains("state.text", "\\"))).toEqual(["backslash"]);
    expect(await ids(store, matches("state.text", "^\\$1$"))).toEqual(["placeholder"]);
    expect(await ids(store, gt("state.text", "'; DROP"))).toContain("quote");
    // The table is still there.
    expect(await store.count({ name: "person" })).toBe(Object.keys(AWKWARD).length + 1);
  });

  it("never puts a value or path segment into the statement text", () => {
    const queries = new ProjectionQueries('"chronicle"');
    const marker = "MARKER'\"$1%_\\";
    const filter = normaliseFilter(
      and(
        eq(["state", marker, "x"], marker),
        not(contains(["state", marker], marker)),
        inArray(["state", "01", marker], [marker, 1, null]),
        lt(["state", marker, 3], marker),
        startsWith("id", marker),
        matches(["state", marker], /MARKER/i),
      ),
    );
    const sort = [
      { path: { root: "state" as const, segments: [marker, 0] }, direction: "desc" as const },
      { path: { root: "name" as const, segments: [] }, direction: "asc" as const },
      { path: { root: "id" as const, segments: [] }, direction: "asc" as const },
    ];
    for (const query of [
      queries.search({ name: marker, filter, sort, limit: 10, after: [marker, marker, marker] }),
      queries.search({ filter, sort, limit: 10, offset: 5 }),
      queries.count({ name: marker, filter }),
    ]) {
      expect(query.text).not.toContain("MARKER");
      expect(query.values.map((value) => JSON.stringify(value)).join()).toContain("MARKER");
      const placeholders = new Set([...query.text.matchAll(/\$(\d+)/g)].map((match) => Number(match[1])));
      expect(placeholders, "every parameter is used").toEqual(new Set(query.values.map((_, index) => index + 1)));
    }
  });
});

describe("the path rule", () => {
  it("reads array elements only at canonical indexes, never from the end, and never inside scalars", async () => {
    const store = await storeWith("path-rule", [
      person("array", { list: ["zero", "one", "two"] }),
      person("object", { list: { "0": "key zero", "01": "key 01", "-1": "key -1", " 1": "key space 1", "+1": "key plus 1" } }),
      person("scalar", { list: "zero" }),
      person("nested", { list: [["inner"], { "0": "object in array" }] }),
    ]);
    expect(await ids(store, eq("state.list.0", "zero"))).toEqual(["array"]);
    expect(await ids(store, eq("state.list.0", "key zero"))).toEqual(["object"]);
    expect(await ids(store, eq(["state", "list", 0], "zero"))).toEqual(["array"]);
    expect(await ids(store, exists(["state", "list", 0]))).toEqual(["array", "nested"]);
    for (const key of ["01", "-1", " 1", "+1"]) {
      expect(await ids(store, exists(["state", "list", key])), `"${key}" reads only object keys`).toEqual(["object"]);
    }
    expect(await ids(store, exists(["state", "list", 2 ** 31]))).toEqual([]);
    expect(await ids(store, exists("state.list.99999999999"))).toEqual([]);
    expect(await ids(store, eq("state.list.0.0", "inner"))).toEqual(["nested"]);
    expect(await ids(store, eq("state.list.1.0", "object in array"))).toEqual(["nested"]);
    expect(await ids(store, eq(["state", "list", 1, 0], "object in array"))).toEqual([]);
    expect(await ids(store, exists("state.list.0.0"))).toEqual(["nested"]);
  });
});

describe("U+0000 and U+0001", () => {
  it("round-trip exactly, and compare as the characters they are", async () => {
    const state = { text: "a\u0000b", "key\u0000": ["\u0000"], escaped: "\\u0000 stays text", one: "a\u0001" };
    const store = await storeWith("nul", [
      person("nul", state),
      person("replacement", { text: "a\uFFFDb", one: "a\u0000" }),
      person("one", { text: "a\u0001b", one: "a\u0001\u0001" }),
      person("plain", { text: "ab", one: "a" }),
    ]);
    expect((await store.load({ name: "person", id: "nul" }))?.state).toEqual(state);
    expect((await store.load({ name: "person", id: "one" }))?.state).toEqual({ text: "a\u0001b", one: "a\u0001\u0001" });
    expect(await ids(store, eq("state.text", "a\u0000b"))).toEqual(["nul"]);
    expect(await ids(store, eq("state.text", "a\u0001b"))).toEqual(["one"]);
    expect(await ids(store, eq("state.one", "a\u0001"))).toEqual(["nul"]);
    expect(await ids(store, eq("state.escaped", "\\u0000 stays text"))).toEqual(["nul"]);
    expect(await ids(store, exists(["state", "key\u0000"]))).toEqual(["nul"]);
    expect(await ids(store, startsWith("state.text", "a\u0000"))).toEqual(["nul"]);
    expect(await ids(store, contains("state.text", "\u0000"))).toEqual(["nul"]);
    expect(await ids(store, contains("state.key\u0000", "\u0000"))).toEqual(["nul"]);
    // Code point order: "a" < "a\0" < "a\u0001" < "a\u0001\u0001" < "ab" < "a\uFFFDb".
    expect(await ids(store, lt("state.text", "ab"))).toEqual(["nul", "one"]);
    expect(await ids(store, gt("state.text", "a\u0000b"))).toEqual(["one", "plain", "replacement"]);
    const sorted = await store.search({ name: "person", sort: [asc("state.one")], limit: 10 });
    expect(sorted.items.map((item) => item.id)).toEqual(["plain", "replacement", "nul", "one"]);
  });
});
