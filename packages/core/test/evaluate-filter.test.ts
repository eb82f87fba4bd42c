import { describe, expect, it } from "vitest";
import {
  and,
  asc,
  categoryIdentifier,
  compareCodePoints,
  compareProjections,
  compareSortValues,
  contains,
  desc,
  eq,
  evaluateFilter,
  exists,
  type Filter,
  gt,
  gte,
  inArray,
  type JsonValue,
  logIdentifier,
  lt,
  lte,
  matches,
  ne,
  normaliseFilter,
  normalisePath,
  normaliseSort,
  not,
  or,
  type Projection,
  portableRegExp,
  readProjectionPath,
  type Sort,
  sortValueOf,
  startsWith,
  streamIdentifier,
  TIE_BREAKERS,
} from "../src/index.js";

const projection = (state: JsonValue, extra: Partial<Projection> = {}): Projection => ({
  name: "profile",
  id: "joe",
  source: streamIdentifier("profiles", "joe"),
  state,
  version: 1,
  position: 7n,
  eventCount: 1,
  updatedAt: undefined,
  ...extra,
});

/** Which of the given states a filter matches, as the indexes of those states. */
const matching = (filter: Filter, states: readonly object[]): number[] => {
  const normalised = normaliseFilter(filter);
  return states.flatMap((state, index) => (evaluateFilter(normalised, projection(state as JsonValue)) ? [index] : []));
};

describe("evaluateFilter on strings", () => {
  // BMP private use U+E000, fullwidth U+FF21, astral U+1F600 and U+10000: code point order puts astral last.
  const states = [{ s: "a" }, { s: "b" }, { s: "\uE000" }, { s: "\uFF21" }, { s: "\u{10000}" }, { s: "\u{1F600}" }, { s: "" }, {}];

  it("compares by code point, so astral characters come after every BMP character", () => {
    expect(matching(gt("state.s", "\uFFFF"), states)).toEqual([4, 5]);
    expect(matching(lt("state.s", "\u{10000}"), states)).toEqual([0, 1, 2, 3, 6]);
    expect(matching(gte("state.s", "\uFF21"), states)).toEqual([3, 4, 5]);
    expect(matching(lte("state.s", "b"), states)).toEqual([0, 1, 6]);
  });

  it("matches equality, lists, prefixes and substrings exactly", () => {
    expect(matching(eq("state.s", "a"), states)).toEqual([0]);
    expect(matching(ne("state.s", "a"), states)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(matching(inArray("state.s", ["b", "\u{1F600}"]), states)).toEqual([1, 5]);
    expect(matching(startsWith("state.s", ""), states)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(matching(contains("state.s", "\u{1F600}"), states)).toEqual([5]);
    expect(matching(eq("state.s", ""), states)).toEqual([6]);
  });

  it("is case-sensitive except in matches with the i flag", () => {
    const cities = [{ city: "Leeds" }, { city: "leeds" }, { city: "LEEDS" }];
    expect(matching(eq("state.city", "leeds"), cities)).toEqual([1]);
    expect(matching(startsWith("state.city", "Le"), cities)).toEqual([0]);
    expect(matching(matches("state.city", /^leeds$/i), cities)).toEqual([0, 1, 2]);
    expect(matching(matches("state.city", "^leeds$"), cities)).toEqual([1]);
  });
});

describe("evaluateFilter on numbers", () => {
  const states = [{ n: -10 }, { n: -0.5 }, { n: 0 }, { n: 0.25 }, { n: 3 }, { n: 1e21 }, { n: 2 ** 53 }, { n: "3" }, {}];

  it("compares numerically, negatives, fractions and large numbers included", () => {
    expect(matching(gt("state.n", 0), states)).toEqual([3, 4, 5, 6]);
    expect(matching(gte("state.n", -0.5), states)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(matching(lt("state.n", -0.5), states)).toEqual([0]);
    expect(matching(lte("state.n", 0.25), states)).toEqual([0, 1, 2, 3]);
    expect(matching(gt("state.n", 2 ** 53 - 1), states)).toEqual([5, 6]);
  });

  it("never matches a string that looks like a number, nor a missing value", () => {
    expect(matching(eq("state.n", 3), states)).toEqual([4]);
    expect(matching(eq("state.n", "3"), states)).toEqual([7]);
    expect(matching(gt("state.n", "2"), states)).toEqual([7]);
    expect(matching(inArray("state.n", [3, "3"]), states)).toEqual([4, 7]);
  });
});

describe("evaluateFilter on booleans, null and missing paths", () => {
  const states = [{ b: true }, { b: false }, { b: null }, {}, { b: "true" }, { b: 1 }, { b: [true] }];

  it("matches booleans by equality only", () => {
    expect(matching(eq("state.b", true), states)).toEqual([0]);
    expect(matching(eq("state.b", false), states)).toEqual([1]);
    expect(matching(ne("state.b", true), states)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(matching(contains("state.b", true), states)).toEqual([6]);
  });

  it("reads missing as null for eq and inArray, but not for exists or comparisons", () => {
    expect(matching(eq("state.b", null), states)).toEqual([2, 3]);
    expect(matching(inArray("state.b", [null]), states)).toEqual([2, 3]);
    expect(matching(exists("state.b"), states)).toEqual([0, 1, 2, 4, 5, 6]);
    expect(matching(not(exists("state.b")), states)).toEqual([3]);
    expect(matching(gte("state.b", ""), states)).toEqual([4]);
  });

  it("reads paths through scalars, nulls and missing parents as missing", () => {
    const deep = [{ a: { b: { c: 1 } } }, { a: { b: null } }, { a: "text" }, { a: null }, {}];
    expect(matching(eq("state.a.b.c", 1), deep)).toEqual([0]);
    expect(matching(eq("state.a.b.c", null), deep)).toEqual([1, 2, 3, 4]);
    expect(matching(exists("state.a.b"), deep)).toEqual([0, 1]);
  });
});

describe("evaluateFilter on arrays and roots", () => {
  it("reads array elements by index in either path form", () => {
    const states = [{ tags: ["red", "blue"] }, { tags: ["blue"] }, { tags: [] }, { tags: { "0": "red" } }];
    expect(matching(eq("state.tags.0", "red"), states)).toEqual([0, 3]);
    expect(matching(eq(["state", "tags", 0], "red"), states)).toEqual([0]);
    expect(matching(eq(["state", "tags", 1], "blue"), states)).toEqual([0]);
    expect(matching(exists("state.tags.1"), states)).toEqual([0]);
    expect(matching(contains("state.tags", "blue"), states)).toEqual([0, 1]);
    expect(matching(eq("state.tags", null), states)).toEqual([]);
  });

  it("contains never matches nested arrays or objects as elements", () => {
    expect(matching(contains("state.x", 1), [{ x: [[1]] }, { x: [{ a: 1 }] }, { x: [2, 1] }])).toEqual([2]);
  });

  it("reads id, name, position and the source", () => {
    const p = projection({}, { source: categoryIdentifier("profiles"), position: 12n });
    expect(readProjectionPath(p, normalisePath("position"))).toBe(12);
    expect(readProjectionPath(p, normalisePath("source.category"))).toBe("profiles");
    expect(readProjectionPath(p, normalisePath("source.stream"))).toBeUndefined();
    const log = projection({}, { source: logIdentifier(), position: undefined });
    expect(evaluateFilter(normaliseFilter(eq("source.category", null)), log)).toBe(true);
    expect(evaluateFilter(normaliseFilter(exists("position")), log)).toBe(false);
    expect(evaluateFilter(normaliseFilter(and(eq("id", "joe"), eq("name", "profile"), gt("position", 6))), projection({}))).toBe(true);
  });
});

describe("evaluateFilter combinations", () => {
  const states = [{ age: 30, city: "Leeds" }, { age: 40, city: "Leeds" }, { age: 40, city: "York" }, { age: null, city: "York" }, {}];

  it("nests and, or and not", () => {
    expect(matching(and(eq("state.city", "Leeds"), gt("state.age", 35)), states)).toEqual([1]);
    expect(matching(or(eq("state.city", "Leeds"), eq("state.age", null)), states)).toEqual([0, 1, 3, 4]);
    expect(matching(not(or(eq("state.city", "Leeds"), lt("state.age", 50))), states)).toEqual([3, 4]);
    expect(matching(and(or(eq("state.age", 30), eq("state.age", 40)), not(eq("state.city", "York"))), states)).toEqual([0, 1]);
    expect(matching(or(and(eq("state.city", "York"), not(exists("state.age"))), and()), states)).toEqual([0, 1, 2, 3, 4]);
    expect(matching(or(), states)).toEqual([]);
  });
});

describe("portable regular expressions", () => {
  it("match by code point and let . match newlines, as PostgreSQL does", () => {
    expect(matching(matches("state.s", "^.$"), [{ s: "\u{1F600}" }, { s: "\n" }, { s: "ab" }])).toEqual([0, 1]);
    expect(matching(matches("state.s", "^a.b$"), [{ s: "a\nb" }, { s: "a\r\nb" }])).toEqual([0]);
    expect(portableRegExp("^[😀-😂]$", "").test("😁")).toBe(true);
  });

  it("drop the implied u and s flags of a RegExp and refuse the others", () => {
    expect(normaliseFilter(matches("state.s", /a/su))).toEqual(normaliseFilter(matches("state.s", "a")));
    for (const regex of [/a/g, /a/m, /a/y, /a/d]) {
      expect(() => normaliseFilter(matches("state.s", regex)), String(regex)).toThrow(/only the i flag/);
    }
  });

  it("refuse braces that are not a repetition count, and counts PostgreSQL refuses", () => {
    for (const pattern of ["a{", "a}", "a{,3}", "{2}", "a{256}", "a{1,300}", "a{2}?", "a\\-b", "\\n", "a\0"]) {
      expect(() => normaliseFilter(matches("state.s", pattern)), pattern).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
    }
    for (const pattern of ["a{2}", "a{2,}", "a{0,255}", "\\{", "[{}]", "a\\}"]) {
      expect(() => normaliseFilter(matches("state.s", pattern)), pattern).not.toThrow();
    }
  });
});

describe("filter validation", () => {
  it("names the path and the operator in its messages", () => {
    expect(() => normaliseFilter(eq("state..city", 1))).toThrow(/"state\.\.city"/);
    expect(() => normaliseFilter(eq("status", 1))).toThrow(/"status"/);
    expect(() => normaliseFilter(gt("state.a", false as never))).toThrow(/gt compares/);
    expect(() => normaliseFilter(inArray("state.a", [1, [2]] as never))).toThrow(/inArray/);
  });

  it("rejects non-finite numbers, objects and arrays where scalars are expected", () => {
    for (const bad of [
      eq("state.a", Number.POSITIVE_INFINITY),
      contains("state.a", [1] as never),
      lte("state.a", Number.NaN),
      inArray("state.a", [undefined] as never),
      not(undefined as never),
      and(eq("state.a", 1), "x" as never),
      { op: "exists" },
      { op: "matches", path: "state.a", pattern: 1, flags: "" },
    ]) {
      expect(() => normaliseFilter(bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
    }
  });

  it("treats holes in lists as undefined, so they reject", () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point.
    expect(() => normaliseFilter({ op: "in", path: "state.a", values: [1, , 2] })).toThrow(/inArray/);
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point.
    expect(() => normaliseFilter({ op: "and", filters: [eq("state.a", 1), , eq("state.b", 2)] })).toThrow(/filter/);
  });
});

describe("the sort order", () => {
  it("is numbers < strings < booleans < null ascending, and desc the exact reverse", () => {
    const values = ["b", null, 2, true, -1.5, "\u{1F600}", false, "\uFF21", 0];
    const ascending = [-1.5, 0, 2, "b", "\uFF21", "\u{1F600}", false, true, null];
    expect([...values].sort(compareSortValues)).toEqual(ascending);
    expect([...values].sort((a, b) => -compareSortValues(a, b))).toEqual([...ascending].reverse());
  });

  it("reads missing, null, arrays and objects as one value", () => {
    const [key] = normaliseSort([asc("state.v")]);
    const path = key?.path ?? normalisePath("state.v");
    expect(([{}, { v: null }, { v: [1] }, { v: { a: 1 } }] as JsonValue[]).map((state) => sortValueOf(projection(state), path))).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });

  const ordered = (sort: readonly Sort[], rows: readonly [string, JsonValue][]) => {
    const comparator = compareProjections([...normaliseSort(sort), ...TIE_BREAKERS]);
    return rows
      .map(([id, state]) => projection(state, { id }))
      .sort(comparator)
      .map((p) => p.id);
  };
  const rows: [string, JsonValue][] = [
    ["e", { age: null }],
    ["b", { age: 30 }],
    ["d", {}],
    ["a", { age: 30 }],
    ["c", { age: 20 }],
    ["f", { age: "old" }],
  ];

  it("puts null and missing last ascending and first descending, ties by id ascending either way", () => {
    expect(ordered([asc("state.age")], rows)).toEqual(["c", "a", "b", "f", "d", "e"]);
    expect(ordered([desc("state.age")], rows)).toEqual(["d", "e", "f", "a", "b", "c"]);
  });

  it("breaks ties by name before id", () => {
    const comparator = compareProjections([...normaliseSort([desc("state.age")]), ...TIE_BREAKERS]);
    const items = [projection({ age: 1 }, { name: "b", id: "a" }), projection({ age: 1 }, { name: "a", id: "z" })];
    expect(items.sort(comparator).map((p) => `${p.name}/${p.id}`)).toEqual(["a/z", "b/a"]);
  });

  it("applies several keys in order with mixed directions", () => {
    const people: [string, JsonValue][] = [
      ["a", { city: "York", age: 30 }],
      ["b", { city: "Leeds", age: 30 }],
      ["c", { city: "Leeds", age: 40 }],
      ["d", { city: "York", age: 20 }],
      ["e", { age: 50 }],
    ];
    expect(ordered([asc("state.city"), desc("state.age")], people)).toEqual(["c", "b", "a", "d", "e"]);
    expect(ordered([desc("state.city"), asc("state.age")], people)).toEqual(["e", "d", "a", "b", "c"]);
  });
});

describe("compareCodePoints", () => {
  it("agrees with comparing the strings' code points one by one", () => {
    const alphabet = ["a", "z", "\u00e9", "\uD7FF", "\uE000", "\uFFFF", "\u{10000}", "\u{1F600}", "\u{10FFFF}"];
    let seed = 42;
    const pick = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return alphabet[seed % alphabet.length] as string;
    };
    const word = () => Array.from({ length: 1 + (pick().length % 3) + (seed % 3) }, pick).join("");
    const byCodePoints = (left: string, right: string) => {
      const a = Array.from(left, (char) => char.codePointAt(0) as number);
      const b = Array.from(right, (char) => char.codePointAt(0) as number);
      for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
        if (a[index] !== b[index]) return (a[index] as number) < (b[index] as number) ? -1 : 1;
      }
      return Math.sign(a.length - b.length);
    };
    for (let round = 0; round < 2000; round += 1) {
      const left = word();
      const right = round % 5 === 0 ? left : word();
      expect(compareCodePoints(left, right), `${JSON.stringify(left)} vs ${JSON.stringify(right)}`).toBe(byCodePoints(left, right));
    }
  });
});
