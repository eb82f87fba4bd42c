import {
  and,
  contains,
  eq,
  exists,
  type Filter,
  gt,
  gte,
  inArray,
  type JsonObject,
  lt,
  lte,
  matches,
  ne,
  not,
  or,
  startsWith,
} from "@chronicle/core";
import { expect } from "vitest";
import { projection } from "../../projection-builder.js";
import { defineProjectionTests } from "../define-tests.js";
import { describeQuery, idsOf, keysOf, saveAll, searchAll } from "../helpers.js";
import type { ProjectionContractTestContext } from "../projection-contract-test.js";
import { AWKWARD_KEYS, EVERYONE, except, expectPeople, matching, seedPeople } from "../search-world.js";

const STRING_CITIES = ["ada", "bob", "cy", "fay", "gus", "hal"];

/** Saves one `thing` projection per state, with ids `t0`, `t1`, …, and returns a matcher of their ids. */
async function things(context: ProjectionContractTestContext, states: readonly JsonObject[]) {
  await saveAll(
    context.store,
    states.map((state, index) => projection().withName("thing").withId(`t${index}`).withState(state).build()),
  );
  return async (filter: Filter, ids: readonly string[]): Promise<void> => {
    const found = await searchAll(context.store, { name: "thing", filter });
    expect(idsOf(found), `things matching ${describeQuery(filter)}`).toEqual([...ids].sort());
  };
}

/**
 * Every filter operator over strings, numbers, booleans, nulls and missing
 * paths, on a small world of people whose values sit on the edges of the rules.
 */
export const searchTests = defineProjectionTests("search", {
  "search.eq.string": matching(eq("state.city", "Leeds"), ["ada"]),
  "search.eq.string-case-sensitive": matching(eq("state.city", "leeds"), ["bob"]),
  "search.eq.astral-string": matching(eq("state.city", "𝔸stral"), ["gus"]),
  "search.eq.number": matching(eq("state.age", 30), ["bob"]),
  "search.eq.fraction": matching(eq("state.age", 30.5), ["fay"]),
  "search.eq.negative-number": matching(eq("state.age", -4), ["hal"]),
  "search.eq.zero": matching(eq("state.age", 0), ["gus"]),
  "search.eq.large-numbers": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, eq("state.score", 1e15), ["dee"]);
    await expectPeople(store, eq("state.score", -1e15), ["fay"]);
  },
  "search.eq.fraction-precision": async (context) => {
    const expect = await things(context, [{ x: 0.1 + 0.2 }, { x: 0.3 }, { x: 1 / 3 }, { x: 0.1 }]);
    await expect(eq("state.x", 0.3), ["t1"]);
    await expect(eq("state.x", 0.1 + 0.2), ["t0"]);
    await expect(gt("state.x", 0.3), ["t0", "t2"]);
    await expect(eq("state.x", 1 / 3), ["t2"]);
    await expect(lt("state.x", 0.3333333333), ["t0", "t1", "t3"]);
  },
  "search.eq.large-integers": async (context) => {
    const expect = await things(context, [
      { n: Number.MAX_SAFE_INTEGER },
      { n: Number.MAX_SAFE_INTEGER - 1 },
      { n: -Number.MAX_SAFE_INTEGER },
      { n: 2 ** 31 },
      { n: 2 ** 31 - 1 },
    ]);
    await expect(eq("state.n", Number.MAX_SAFE_INTEGER), ["t0"]);
    await expect(eq("state.n", Number.MAX_SAFE_INTEGER - 1), ["t1"]);
    await expect(gt("state.n", Number.MAX_SAFE_INTEGER - 1), ["t0"]);
    await expect(gte("state.n", 2 ** 31), ["t0", "t1", "t3"]);
    await expect(lt("state.n", 0), ["t2"]);
  },
  "search.eq.no-unicode-normalisation": async (context) => {
    // "é" as one code point and as "e" with a combining accent are different strings.
    const expect = await things(context, [{ word: "caf\u00e9" }, { word: "cafe\u0301" }, { word: "CAF\u00c9" }]);
    await expect(eq("state.word", "caf\u00e9"), ["t0"]);
    await expect(eq("state.word", "cafe\u0301"), ["t1"]);
    await expect(startsWith("state.word", "cafe"), ["t1"]);
    await expect(contains("state.word", "\u0301"), ["t1"]);
    await expect(gt("state.word", "cafe\uffff"), ["t0"]);
  },
  "search.eq.boolean-true": matching(eq("state.active", true), ["ada", "gus"]),
  "search.eq.boolean-false": matching(eq("state.active", false), ["bob", "hal"]),
  "search.eq.no-cross-type": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, eq("state.age", "30"), ["dee"]);
    await expectPeople(store, eq("state.active", "true"), ["fay"]);
    await expectPeople(store, eq("state.active", 0), []);
    await expectPeople(store, eq("state.active", 1), []);
    await expectPeople(store, eq("state.score", false), []);
    await expectPeople(store, eq("state.city", 0), []);
  },
  "search.eq.null-matches-null-and-missing": matching(eq("state.age", null), ["cy", "eve"]),
  "search.eq.null-matches-missing-parents": matching(eq("state.address.city", null), ["cy", "dee", "eve", "gus", "hal"]),
  "search.eq.array-is-not-its-element": matching(eq("state.tags", "red"), ["dee"]),
  "search.eq.object-is-not-null": matching(eq("state.address", null), ["cy", "dee", "eve", "hal"]),

  "search.ne.includes-null-and-missing": matching(ne("state.city", "Leeds"), except("ada")),
  "search.ne.other-types": matching(ne("state.age", 30), except("bob")),
  "search.ne.null": matching(ne("state.age", null), except("cy", "eve")),
  "search.ne.is-not-eq": async ({ store }) => {
    await seedPeople(store);
    for (const [path, value] of [
      ["state.city", "York"],
      ["state.age", 36],
      ["state.active", false],
      ["state.address.city", null],
      ["state.tags.0", "red"],
      ["state.missing", "x"],
    ] as const) {
      const equal = await searchAll(store, { name: "person", filter: eq(path, value) });
      const unequal = await searchAll(store, { name: "person", filter: ne(path, value) });
      const negated = await searchAll(store, { name: "person", filter: not(eq(path, value)) });
      expect(keysOf(unequal), `ne(${path}, ${describeQuery(value)}) is exactly not(eq)`).toEqual(keysOf(negated));
      expect([...keysOf(equal), ...keysOf(unequal)].sort(), `eq and ne of ${path} split everyone`).toEqual(
        EVERYONE.map((id) => `person/${id}`),
      );
    }
  },

  "search.gt.number": matching(gt("state.age", 30), ["ada", "fay"]),
  "search.gte.number": matching(gte("state.age", 30), ["ada", "bob", "fay"]),
  "search.lt.number": matching(lt("state.age", 0), ["hal"]),
  "search.lte.number": matching(lte("state.age", 0), ["gus", "hal"]),
  "search.compare.negative-and-fraction": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, gt("state.score", -1.5), ["ada", "cy", "dee", "gus", "hal"]);
    await expectPeople(store, gte("state.score", -1.5), ["ada", "bob", "cy", "dee", "gus", "hal"]);
    await expectPeople(store, lt("state.score", 0.1), ["bob", "cy", "fay"]);
    await expectPeople(store, lte("state.score", 0.1), ["bob", "cy", "fay", "gus"]);
  },
  "search.compare.large-numbers": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, gt("state.score", 1e14), ["dee"]);
    await expectPeople(store, lt("state.score", -1e14), ["fay"]);
    await expectPeople(store, gte("state.score", 1e15), ["dee"]);
    await expectPeople(store, gt("state.score", 1e15), []);
  },
  "search.compare.numbers-numerically": async ({ store }) => {
    await seedPeople(store);
    // As text, "36" < "4" and "-4" > "-1"; numerically they are not.
    await expectPeople(store, gt("state.age", 4), ["ada", "bob", "fay"]);
    await expectPeople(store, lt("state.age", -1), ["hal"]);
    await expectPeople(store, gte("state.score", 10), ["dee", "hal"]);
  },
  "search.gt.string-code-point-order": matching(gt("state.city", "ｚ"), ["gus"]),
  "search.lt.string-code-point-order": matching(lt("state.city", "𝔸"), ["ada", "bob", "cy", "fay", "hal"]),
  "search.compare.string-case": async ({ store }) => {
    await seedPeople(store);
    // Code point order puts every upper-case ASCII letter before every lower-case one.
    await expectPeople(store, gte("state.city", "a"), ["bob", "fay", "gus"]);
    await expectPeople(store, lt("state.city", "Z"), ["ada", "cy"]);
    await expectPeople(store, lte("state.city", "York"), ["ada", "cy"]);
    await expectPeople(store, gt("state.city", "Zz"), ["bob", "fay", "gus", "hal"]);
  },
  "search.compare.strings-as-text": matching(gt("state.age", "3"), ["dee"]),
  "search.compare.never-across-types": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, gte("state.age", ""), ["dee"]);
    await expectPeople(store, lt("state.city", 1e300), []);
    await expectPeople(store, gt("state.city", -1e300), []);
    await expectPeople(store, gte("state.active", ""), ["fay"]);
    await expectPeople(store, gt("state.active", 0), []);
    await expectPeople(store, lt("state.tags", "zzz"), ["dee"]);
    await expectPeople(store, gt("state.address", ""), []);
  },
  "search.compare.never-null-or-missing": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, lt("state.age", 1000), ["ada", "bob", "fay", "gus", "hal"]);
    await expectPeople(store, gt("state.age", -1000), ["ada", "bob", "fay", "gus", "hal"]);
    await expectPeople(store, gte("state.city", ""), STRING_CITIES);
    await expectPeople(store, lte("state.missing", "zzz"), []);
  },

  "search.in.strings": matching(inArray("state.city", ["Leeds", "York"]), ["ada", "cy"]),
  "search.in.types-kept-apart": matching(inArray("state.age", [30, "30"]), ["bob", "dee"]),
  "search.in.null-matches-null-and-missing": matching(inArray("state.age", [null, 36]), ["ada", "cy", "eve"]),
  "search.in.booleans": matching(inArray("state.active", [false, "true"]), ["bob", "fay", "hal"]),
  "search.in.many-values": async (context) => {
    const expect = await things(context, [{ code: "c-17" }, { code: "c-1999" }, { code: "c-2000" }, { code: 17 }]);
    const codes = Array.from({ length: 2000 }, (_, index) => `c-${index}`);
    await expect(inArray("state.code", codes), ["t0", "t1"]);
    await expect(not(inArray("state.code", codes)), ["t2", "t3"]);
  },
  "search.in.empty-list-matches-nothing": matching(inArray("state.city", []), []),
  "search.in.not-array-elements": matching(inArray("state.tags", ["red", "blue"]), ["dee"]),

  "search.contains.array-element": matching(contains("state.tags", "red"), ["ada", "dee", "fay"]),
  "search.contains.array-element-case-sensitive": matching(contains("state.tags", "Red"), ["gus"]),
  "search.contains.array-element-not-substring": matching(contains("state.tags", "re"), ["dee"]),
  "search.contains.array-numbers": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, contains("state.tags", 1), ["fay"]);
    await expectPeople(store, contains("state.tags", 0), ["hal"]);
    await expectPeople(store, contains("state.tags", "1"), []);
  },
  "search.contains.array-booleans": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, contains("state.tags", true), ["hal"]);
    await expectPeople(store, contains("state.tags", false), []);
  },
  "search.contains.array-null": matching(contains("state.tags", null), ["fay"]),
  "search.contains.string": matching(contains("state.city", "eed"), ["ada", "bob"]),
  "search.contains.string-case-sensitive": matching(contains("state.city", "Y"), ["cy"]),
  "search.contains.like-characters-are-literal": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, contains("state.nickname", "%"), ["dee"]);
    await expectPeople(store, contains("state.nickname", "_"), ["dee"]);
    await expectPeople(store, contains("state.nickname", "e%_"), ["dee"]);
    await expectPeople(store, contains("state.nickname", "\\"), ["hal"]);
    await expectPeople(store, contains("state.nickname", "l\\9"), ["hal"]);
    await expectPeople(store, contains("state.nickname", "D%e"), []);
  },
  "search.contains.astral": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, contains("state.city", "𝔸"), ["gus"]);
    await expectPeople(store, contains("state.address.city", "𝔸"), ["fay"]);
  },
  "search.contains.empty-string": matching(contains("state.city", ""), STRING_CITIES),
  "search.contains.only-arrays-and-strings": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, contains("state.age", 3), []);
    await expectPeople(store, contains("state.age", "3"), ["dee"]);
    await expectPeople(store, contains("state.address", "Leeds"), []);
    await expectPeople(store, contains("state.missing", null), []);
  },

  "search.starts-with.prefix": matching(startsWith("state.city", "Le"), ["ada"]),
  "search.starts-with.case-sensitive": matching(startsWith("state.city", "le"), ["bob"]),
  "search.starts-with.whole-string": matching(startsWith("state.city", "Leeds"), ["ada"]),
  "search.starts-with.like-characters-are-literal": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, startsWith("state.nickname", "Dee%"), ["dee"]);
    await expectPeople(store, startsWith("state.nickname", "Dee%_"), ["dee"]);
    await expectPeople(store, startsWith("state.nickname", "D%"), []);
    await expectPeople(store, startsWith("state.nickname", "_"), []);
    await expectPeople(store, startsWith("state.nickname", "%"), []);
    await expectPeople(store, startsWith("state.nickname", "hal\\"), ["hal"]);
  },
  "search.starts-with.astral": matching(startsWith("state.city", "𝔸"), ["gus"]),
  "search.starts-with.empty-prefix": matching(startsWith("state.city", ""), STRING_CITIES),
  "search.starts-with.only-strings": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, startsWith("state.age", "3"), ["dee"]);
    await expectPeople(store, startsWith("state.tags", "r"), ["dee"]);
    await expectPeople(store, startsWith("state.active", "t"), ["fay"]);
  },

  "search.matches.substring": matching(matches("state.city", "ee"), ["ada", "bob"]),
  "search.matches.anchors": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, matches("state.city", "^Y"), ["cy"]);
    await expectPeople(store, matches("state.city", "s$"), ["ada", "bob"]);
    await expectPeople(store, matches("state.nickname", "^bobby$"), ["bob"]);
  },
  "search.matches.case-sensitive-by-default": matching(matches("state.city", /^le/), ["bob"]),
  "search.matches.case-insensitive": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, matches("state.city", /^le/i), ["ada", "bob"]);
    await expectPeople(store, matches("state.nickname", /BOBBY/i), ["bob"]);
    await expectPeople(store, matches("state.nickname", /BOBBY/), []);
  },
  "search.matches.classes-and-alternation": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, matches("state.nickname", "^(Ada|bob)"), ["ada", "bob"]);
    await expectPeople(store, matches("state.nickname", "[0-9]+$"), ["hal"]);
    await expectPeople(store, matches("state.nickname", "^[a-z]+$"), ["bob"]);
    await expectPeople(store, matches("state.nickname", "^[^a-z]"), ["ada", "dee"]);
  },
  "search.matches.quantifiers": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, matches("state.nickname", "b{2}"), ["bob"]);
    await expectPeople(store, matches("state.city", "^Le+ds$"), ["ada"]);
    await expectPeople(store, matches("state.nickname", "^bo?b"), ["bob"]);
    await expectPeople(store, matches("state.nickname", "0{3}$"), ["hal"]);
  },
  "search.matches.special-characters": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, matches("state.nickname", "%_"), ["dee"]);
    await expectPeople(store, matches("state.nickname", "\\\\"), ["hal"]);
    await expectPeople(store, matches("state.nickname", "\\."), []);
  },
  "search.matches.astral": matching(matches("state.city", "^𝔸"), ["gus"]),
  "search.matches.only-strings": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, matches("state.age", "^3"), ["dee"]);
    await expectPeople(store, matches("state.tags", "red"), ["dee"]);
    await expectPeople(store, matches("state.active", "true"), ["fay"]);
  },

  "search.exists.null-is-present": matching(exists("state.city"), except("eve")),
  "search.exists.missing": matching(exists("state.nickname"), ["ada", "bob", "dee", "hal"]),
  "search.exists.nested": matching(exists("state.address.city"), ["ada", "bob", "fay"]),
  "search.exists.array-index": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, exists("state.tags.0"), ["ada", "bob", "fay", "gus", "hal"]);
    await expectPeople(store, exists(["state", "tags", 2]), ["fay"]);
    await expectPeople(store, exists(["state", "tags", 3]), []);
  },
  "search.exists.not-inside-scalars": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, exists("state.city.0"), []);
    await expectPeople(store, exists("state.age.x"), []);
  },
  "search.exists.eq-null-versus-exists": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, and(exists("state.age"), eq("state.age", null)), ["cy"]);
    await expectPeople(store, not(exists("state.age")), ["eve"]);
  },

  "search.not.negates-comparisons": matching(not(gt("state.age", 30)), except("ada", "fay")),
  "search.not.negates-missing": matching(not(exists("state.nickname")), ["cy", "eve", "fay", "gus"]),
  "search.not.double": matching(not(not(eq("state.city", "Leeds"))), ["ada"]),
  "search.not.of-and": matching(not(and(exists("state.city"), lt("state.age", 31))), ["ada", "cy", "dee", "eve"]),
  "search.and.both": matching(and(eq("state.active", true), gt("state.age", 30)), ["ada"]),
  "search.and.empty-matches-everything": matching(and(), EVERYONE),
  "search.or.either": matching(or(eq("state.city", "York"), lt("state.age", 0)), ["cy", "hal"]),
  "search.or.empty-matches-nothing": matching(or(), []),
  "search.or.of-not": matching(or(not(exists("state.age")), eq("state.age", null)), ["cy", "eve"]),
  "search.logic.nested": matching(and(or(eq("state.active", true), eq("state.active", false)), not(gte("state.score", 1))), ["bob", "gus"]),
  "search.logic.deeply-nested": matching(
    or(
      and(startsWith("state.city", "L"), not(contains("state.tags", "blue"))),
      and(exists("state.nickname"), not(or(lt("state.age", 0), eq("state.tags", "red")))),
    ),
    ["ada", "bob"],
  ),

  "search.logic.wide-and-deep": async (context) => {
    const expect = await things(context, [{ n: 5, tag: "x" }, { n: 500, tag: "y" }, { tag: "x" }]);
    const wide = and(...Array.from({ length: 300 }, (_, index) => ne("state.n", 1000 + index)), exists("state.n"));
    await expect(wide, ["t0", "t1"]);
    await expect(or(...Array.from({ length: 300 }, (_, index) => eq("state.n", index))), ["t0"]);
    let deep: Filter = eq("state.tag", "x");
    for (let depth = 0; depth < 50; depth += 1) deep = not(deep);
    await expect(deep, ["t0", "t2"]);
    deep = not(deep);
    await expect(deep, ["t1"]);
  },
  "search.nul-character": async (context) => {
    const expect = await things(context, [{ text: "a\u0000b" }, { text: "ab" }, { text: "a" }]);
    await expect(eq("state.text", "a\u0000b"), ["t0"]);
    await expect(eq("state.text", "ab"), ["t1"]);
    await expect(startsWith("state.text", "a\u0000"), ["t0"]);
    await expect(contains("state.text", "\u0000"), ["t0"]);
    await expect(gt("state.text", "a"), ["t0", "t1"]);
    await expect(lt("state.text", "ab"), ["t0", "t2"]);
  },
  "search.path.array-form": matching(eq(["state", "tags", 0], "red"), ["ada"]),
  "search.path.dotted-index": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, eq("state.tags.0", "red"), ["ada"]);
    await expectPeople(store, eq("state.tags.1", "blue"), ["ada"]);
    await expectPeople(store, eq("state.tags.2", "red"), ["fay"]);
    await expectPeople(store, eq("state.tags.1", null), ["bob", "cy", "dee", "eve", "fay", "gus"]);
  },
  "search.path.non-canonical-index": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, exists("state.tags.01"), []);
    await expectPeople(store, exists("state.tags.-1"), []);
    await expectPeople(store, exists("state.tags.1.0"), []);
    await expectPeople(store, eq("state.slots.01", "zero-one"), ["bob"]);
  },
  "search.path.digit-keys-of-objects": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, eq("state.slots.0", "zero"), ["bob"]);
    await expectPeople(store, eq(["state", "slots", "0"], "zero"), ["bob"]);
    await expectPeople(store, eq(["state", "slots", 0], "zero"), []);
  },
  "search.path.key-with-a-dot": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, eq(["state", "a.b"], "dotted"), ["ada"]);
    await expectPeople(store, exists("state.a.b"), []);
  },
  "search.path.no-language-properties": async ({ store }) => {
    await seedPeople(store);
    for (const path of [
      "state.city.length",
      "state.tags.length",
      "state.constructor",
      "state.__proto__",
      "state.toString",
      "state.address.hasOwnProperty",
    ]) {
      await expectPeople(store, exists(path), []);
    }
  },
  "search.path.awkward-keys": async (context) => {
    const state: JsonObject = {};
    for (const [index, key] of AWKWARD_KEYS.entries()) state[key] = { value: index };
    const expect = await things(context, [state, {}]);
    for (const [index, key] of AWKWARD_KEYS.entries()) {
      await expect(eq(["state", key, "value"], index), ["t0"]);
      await expect(exists(["state", key]), ["t0"]);
      await expect(eq(["state", key, "value"], index + 1), []);
    }
  },
  "search.path.through-arrays-of-objects": async (context) => {
    const expect = await things(context, [
      {
        items: [
          { name: "a", price: 3 },
          { name: "b", price: 1 },
        ],
      },
      { items: [{ name: "b", price: 2 }] },
      { items: { "0": { name: "a" } } },
    ]);
    await expect(eq("state.items.1.name", "b"), ["t0"]);
    await expect(eq("state.items.0.name", "b"), ["t1"]);
    await expect(eq("state.items.0.name", "a"), ["t0", "t2"]);
    await expect(eq(["state", "items", 0, "name"], "a"), ["t0"]);
    await expect(lt(["state", "items", 0, "price"], 3), ["t1"]);
    await expect(exists("state.items.1.price"), ["t0"]);
  },
  "search.path.whole-state": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, exists("state"), EVERYONE);
    await expectPeople(store, eq("state", null), []);
  },

  "search.root.id": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, eq("id", "ada"), ["ada"]);
    await expectPeople(store, gt("id", "e"), ["eve", "fay", "gus", "hal"]);
    await expectPeople(store, inArray("id", ["bob", "cy", "nobody"]), ["bob", "cy"]);
  },
  "search.root.name": async ({ store }) => {
    await seedPeople(store);
    expect(keysOf(await searchAll(store, { filter: eq("name", "account") }))).toEqual(["account/ada"]);
    expect(keysOf(await searchAll(store, { filter: and(eq("id", "ada"), ne("name", "person")) }))).toEqual(["account/ada", "profile/ada"]);
  },
  "search.root.position": async ({ store }) => {
    await seedPeople(store);
    // Each person's position is the code of their id's first letter: ada 97 … hal 104.
    await expectPeople(store, eq("position", 97), ["ada"]);
    await expectPeople(store, gt("position", 100), ["eve", "fay", "gus", "hal"]);
    await expectPeople(store, lte("position", 98.5), ["ada", "bob"]);
    await expectPeople(store, eq("position", "97"), []);
    expect(keysOf(await searchAll(store, { filter: eq("position", null) })), "unfolded projections have no position").toEqual([
      "account/ada",
      "profile/ada",
    ]);
  },
  "search.root.source-category": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, eq("source.category", "people"), EVERYONE);
    expect(keysOf(await searchAll(store, { filter: eq("source.category", "profiles") }))).toEqual(["profile/ada"]);
    expect(keysOf(await searchAll(store, { filter: eq("source.category", null) }))).toEqual(["account/ada"]);
  },
  "search.root.source-stream": async ({ store }) => {
    await seedPeople(store);
    await expectPeople(store, eq("source.stream", null), ["eve"]);
    await expectPeople(store, startsWith("source.stream", "a"), ["ada"]);
    expect(keysOf(await searchAll(store, { filter: not(exists("source.stream")) }))).toEqual(["account/ada", "person/eve"]);
  },
  "search.name.scopes-the-search": async ({ store }) => {
    await seedPeople(store);
    expect(keysOf(await searchAll(store, { name: "account" }))).toEqual(["account/ada"]);
    expect(keysOf(await searchAll(store, { name: "nobody" }))).toEqual([]);
    expect(keysOf(await searchAll(store, { filter: eq("state.city", "Leeds") }))).toEqual(["account/ada", "person/ada", "profile/ada"]);
    await expectPeople(store, eq("state.city", "Leeds"), ["ada"]);
  },
  "search.results-round-trip": async ({ store }) => {
    await seedPeople(store);
    const found = await searchAll(store, {});
    expect(found).toHaveLength(10);
    for (const item of found) expect(item, `${item.name}/${item.id} as search returns it`).toEqual(await store.load(item));
  },
});
