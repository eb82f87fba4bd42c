import { asc, desc, streamIdentifier } from "@chronicle/core";
import { expect } from "vitest";
import { projection } from "../../projection-builder.js";
import { defineProjectionTests } from "../define-tests.js";
import { compareCodePoints, idsOf, keysOf, saveAll, searchAll } from "../helpers.js";
import { AWKWARD_KEYS, EVERYONE, ordered, seedPeople } from "../search-world.js";

/** Saves projections named `name` whose state is `{ value }`, with the given ids. */
function valued(name: string, entries: readonly (readonly [string, unknown])[]) {
  return entries.map(([id, value]) =>
    projection()
      .withName(name)
      .withId(id)
      .withSource(streamIdentifier("values", id))
      .withState(value === undefined ? {} : { value: value as never })
      .build(),
  );
}

/**
 * Sort orders: both directions, several keys, the total order of values
 * (numbers < strings < booleans < null, missing, arrays and objects), code
 * point order of strings, and ties broken by name then id.
 */
export const sortTests = defineProjectionTests("sort", {
  "sort.default-is-name-then-id": async ({ store }) => {
    await seedPeople(store);
    expect(keysOf(await searchAll(store, {}))).toEqual(["account/ada", ...EVERYONE.map((id) => `person/${id}`), "profile/ada"]);
  },
  "sort.asc.numbers-then-strings-then-null-like": ordered([asc("state.age")], ["hal", "gus", "bob", "fay", "ada", "dee", "cy", "eve"]),
  "sort.desc.null-like-first": ordered([desc("state.age")], ["cy", "eve", "dee", "ada", "fay", "bob", "gus", "hal"]),
  "sort.asc.string-code-point-order": ordered([asc("state.city")], ["ada", "cy", "hal", "bob", "fay", "gus", "dee", "eve"]),
  "sort.desc.string-code-point-order": ordered([desc("state.city")], ["dee", "eve", "gus", "fay", "bob", "hal", "cy", "ada"]),
  "sort.asc.every-type": ordered([asc("state.tags.0")], ["fay", "gus", "bob", "ada", "hal", "cy", "dee", "eve"]),
  "sort.desc.every-type": ordered([desc("state.tags.0")], ["cy", "dee", "eve", "hal", "ada", "bob", "gus", "fay"]),
  "sort.booleans-false-first": ordered([asc("state.active")], ["fay", "bob", "hal", "ada", "gus", "cy", "dee", "eve"]),
  "sort.arrays-and-objects-as-null": async ({ store }) => {
    await seedPeople(store);
    const tagsAscending = await searchAll(store, { name: "person", sort: [asc("state.tags")] });
    expect(idsOf(tagsAscending)).toEqual(["dee", "ada", "bob", "cy", "eve", "fay", "gus", "hal"]);
    const tagsDescending = await searchAll(store, { name: "person", sort: [desc("state.tags")] });
    expect(idsOf(tagsDescending)).toEqual(["ada", "bob", "cy", "eve", "fay", "gus", "hal", "dee"]);
    const byAddress = await searchAll(store, { name: "person", sort: [desc("state.address")] });
    expect(idsOf(byAddress)).toEqual(EVERYONE);
  },
  "sort.mixed-directions": ordered([asc("state.active"), desc("state.score")], ["fay", "hal", "bob", "ada", "gus", "eve", "dee", "cy"]),
  "sort.several-keys": ordered([asc("state.address.city"), asc("state.age")], ["ada", "bob", "fay", "hal", "gus", "dee", "cy", "eve"]),
  "sort.several-keys-descending": ordered(
    [desc("state.address.city"), desc("state.age")],
    ["cy", "eve", "dee", "gus", "hal", "fay", "bob", "ada"],
  ),
  "sort.ties-broken-by-name-then-id": async ({ store }) => {
    const same = [
      ...valued("beta", [
        ["2", 7],
        ["1", 7],
      ]),
      ...valued("alpha", [
        ["𝔸", 7],
        ["ｚ", 7],
        ["b", 7],
        ["a", 7],
      ]),
    ];
    await saveAll(store, same);
    const expected = ["alpha/a", "alpha/b", "alpha/ｚ", "alpha/𝔸", "beta/1", "beta/2"];
    expect(keysOf(await searchAll(store, { sort: [asc("state.value")] })), "ascending").toEqual(expected);
    expect(keysOf(await searchAll(store, { sort: [desc("state.value")] })), "ties stay ascending under desc").toEqual(expected);
  },
  "sort.ties-across-names": async ({ store }) => {
    await seedPeople(store);
    expect(keysOf(await searchAll(store, { sort: [asc("state.city")] }))).toEqual([
      "account/ada",
      "person/ada",
      "profile/ada",
      "person/cy",
      "person/hal",
      "person/bob",
      "person/fay",
      "person/gus",
      "person/dee",
      "person/eve",
    ]);
  },
  "sort.numbers-numerically": async ({ store }) => {
    await saveAll(
      store,
      valued("n", [
        ["a", 10],
        ["b", 9],
        ["c", -1],
        ["d", 1e15],
        ["e", 0.5],
        ["f", -20],
        ["g", -1e15],
        ["h", 0],
      ]),
    );
    expect(idsOf(await searchAll(store, { sort: [asc("state.value")] }))).toEqual(["g", "f", "c", "h", "e", "b", "a", "d"]);
    expect(idsOf(await searchAll(store, { sort: [desc("state.value")] }))).toEqual(["d", "a", "b", "e", "h", "c", "f", "g"]);
  },
  "sort.by-id-code-point-order": async ({ store }) => {
    await saveAll(
      store,
      valued(
        "ids",
        ["ｚed", "𝔸da", "Zed", "zed", "éa", "Zed2"].map((id) => [id, undefined] as const),
      ),
    );
    expect(idsOf(await searchAll(store, { sort: [asc("id")] }))).toEqual(["Zed", "Zed2", "zed", "éa", "ｚed", "𝔸da"]);
    expect(idsOf(await searchAll(store, { sort: [desc("id")] }))).toEqual(["𝔸da", "ｚed", "éa", "zed", "Zed2", "Zed"]);
    expect(idsOf(await searchAll(store, {}))).toEqual(["Zed", "Zed2", "zed", "éa", "ｚed", "𝔸da"]);
  },
  "sort.by-position": async ({ store }) => {
    await seedPeople(store);
    const people = EVERYONE.map((id) => `person/${id}`);
    expect(keysOf(await searchAll(store, { sort: [asc("position")] }))).toEqual([...people, "account/ada", "profile/ada"]);
    expect(keysOf(await searchAll(store, { sort: [desc("position")] }))).toEqual(["account/ada", "profile/ada", ...[...people].reverse()]);
  },
  "sort.control-characters-and-empty-string": async ({ store }) => {
    // Locale collations skip spaces and punctuation or fold case; code point order does neither.
    const values = ["a", "", " ", "\t", "A", "\u007f", "é", "-", "_", "a b", "ab", "Z", "~"];
    await saveAll(
      store,
      valued(
        "texts",
        values.map((value, index) => [`v${String(index).padStart(2, "0")}`, value] as const),
      ),
    );
    const sorted = [...values].sort(compareCodePoints);
    const found = await searchAll(store, { sort: [asc("state.value")] });
    expect(found.map((item) => (item.state as { value: string }).value)).toEqual(sorted);
    const descending = await searchAll(store, { sort: [desc("state.value")] });
    expect(descending.map((item) => (item.state as { value: string }).value)).toEqual([...sorted].reverse());
  },
  "sort.by-awkward-keys": async ({ store }) => {
    await saveAll(
      store,
      [3, 1, 2].map((rank, index) =>
        projection()
          .withName("awkward")
          .withId(`a${index}`)
          .withState(Object.fromEntries(AWKWARD_KEYS.map((key) => [key, { rank }])))
          .build(),
      ),
    );
    for (const key of AWKWARD_KEYS) {
      expect(idsOf(await searchAll(store, { sort: [asc(["state", key, "rank"])] })), key).toEqual(["a1", "a2", "a0"]);
      expect(idsOf(await searchAll(store, { sort: [desc(["state", key, "rank"])] })), key).toEqual(["a0", "a2", "a1"]);
    }
  },
  "sort.by-roots": async ({ store }) => {
    await seedPeople(store);
    expect(keysOf(await searchAll(store, { sort: [desc("name"), desc("id")] }))).toEqual([
      "profile/ada",
      ...[...EVERYONE].reverse().map((id) => `person/${id}`),
      "account/ada",
    ]);
    expect(keysOf(await searchAll(store, { sort: [asc("source.category"), desc("source.stream")] }))).toEqual([
      "person/eve",
      "person/hal",
      "person/gus",
      "person/fay",
      "person/dee",
      "person/cy",
      "person/bob",
      "person/ada",
      "profile/ada",
      "account/ada",
    ]);
  },
});
