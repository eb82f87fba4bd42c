import { categoryIdentifier, type JsonValue, logIdentifier, type Projection, streamIdentifier } from "@chronicle/core";
import { expect } from "vitest";
import { projection } from "../../projection-builder.js";
import { defineProjectionTests } from "../define-tests.js";
import type { ProjectionContractTestContext } from "../projection-contract-test.js";

/** Saves `item` through the store, then expects `load` (and the oracle, when given) to give it back exactly. */
async function expectRoundTrip(context: ProjectionContractTestContext, item: Projection): Promise<void> {
  expect(await context.store.save(item), "saved").toBe(true);
  const loaded = await context.store.load({ name: item.name, id: item.id });
  expect(loaded, `${item.name}/${item.id} as load returns it`).toEqual(item);
  if (context.hasOracle) {
    const persisted = await context.persisted();
    expect(
      persisted?.find((stored) => stored.name === item.name && stored.id === item.id),
      `${item.name}/${item.id} as the oracle reads it`,
    ).toEqual(item);
  }
}

function withState(state: JsonValue): (context: ProjectionContractTestContext) => Promise<void> {
  return (context) => expectRoundTrip(context, projection().withName("profile").withId("joe").withState(state).build());
}

const UNICODE = {
  emoji: "🎉 👩‍👩‍👧",
  cjk: "日本語 中文字符",
  combining: "e\u0301 vs é",
  rtl: "שלום مرحبا",
  astral: "𝔸 𝒳 𐍈",
  quotes: `"double" 'single' \`back\``,
  backslashes: "back\\slash \\\\ \\u0041",
  whitespace: "line\nbreak\ttab\r\n",
  json: '{"not": "an object"}',
  sql: "'; DROP TABLE projections; --",
  "ключ 🎉": "a key of unicode",
  "": "an empty key",
  "dotted.key": "a key with a dot",
};

/** Everything of a projection round-trips exactly, as events do. */
export const roundTripTests = defineProjectionTests("round-trip", {
  "round-trip.simple": (context) =>
    expectRoundTrip(
      context,
      projection()
        .withName("profile")
        .withId("joe")
        .withSource(streamIdentifier("profiles", "joe"))
        .withState({ name: "Joe", age: 42 })
        .withVersion(3)
        .withPosition(17n)
        .withEventCount(5)
        .updatedAt(new Date("2025-06-01T12:34:56.789Z"))
        .build(),
    ),
  "round-trip.unicode-state": withState(UNICODE),
  "round-trip.nul-character": withState({ text: "before\u0000after", "key\u0000": ["\u0000"] }),
  "round-trip.unicode-keys": withState({ 𝔸: { ｚ: { é: ["日本", { "🎉": true }] } } }),
  "round-trip.nested-state": withState({
    level1: { level2: { level3: { level4: { level5: { array: [[[[{ deep: [1, [2, [3, [4]]]] }]]]] } } } } },
    mixed: [null, true, false, 0, -0.5, 1e-7, 123456789.125, "", [], {}],
  }),
  "round-trip.numbers": withState({
    integers: [0, 1, -1, 2 ** 31, -(2 ** 31), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER],
    fractions: [0.1, 0.2, 0.30000000000000004, -2.5, 1 / 3],
    large: [1e15, -1e15, 1.7976931348623157e308, 5e-324, 1e21, 1e-7],
  }),
  "round-trip.scalar-states": async (context) => {
    const states: JsonValue[] = [0, -1.5, "just text", "", true, false, null, [], [1, "two", null], {}];
    for (const [index, state] of states.entries()) {
      await expectRoundTrip(context, projection().withName("scalar").withId(`s-${index}`).withState(state).build());
    }
  },
  "round-trip.key-order-and-duplicates-of-value": withState({ z: 1, a: 2, m: { y: [3, 3, 3], b: "x" } }),
  "round-trip.large-state": {
    timeout: 60_000,
    run: async (context) => {
      const items = Array.from({ length: 5000 }, (_, index) => ({ index, text: `${"x".repeat(200)}-日本語-🎉-${index}` }));
      await expectRoundTrip(context, projection().withName("big").withId("one-mib").withState({ items }).build());
      expect(JSON.stringify(items).length).toBeGreaterThan(1024 * 1024);
    },
  },
  "round-trip.bigint-positions": async (context) => {
    const positions = [0n, 1n, 2n ** 31n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n];
    for (const [index, position] of positions.entries()) {
      await expectRoundTrip(
        context,
        projection().withName("positions").withId(`p-${index}`).withPosition(position).withEventCount(1).updatedAt(new Date(0)).build(),
      );
    }
  },
  "round-trip.dates-to-the-millisecond": async (context) => {
    const dates = [
      new Date("2025-01-01T00:00:00.001Z"),
      new Date("1970-01-01T00:00:00.000Z"),
      new Date("1969-12-31T23:59:59.999Z"),
      new Date("2099-12-31T23:59:59.999Z"),
      new Date(Date.UTC(2000, 1, 29, 13, 14, 15, 16)),
    ];
    for (const [index, date] of dates.entries()) {
      await expectRoundTrip(
        context,
        projection()
          .withName("dates")
          .withId(`d-${index}`)
          .withPosition(BigInt(index + 1))
          .withEventCount(1)
          .updatedAt(date)
          .build(),
      );
    }
  },
  "round-trip.undefined-position-and-updated-at": async (context) => {
    const item = projection().withName("fresh").withId("never-folded").withState({ initial: true }).build();
    expect(item.position).toBeUndefined();
    expect(item.updatedAt).toBeUndefined();
    await expectRoundTrip(context, item);
    const loaded = await context.store.load({ name: "fresh", id: "never-folded" });
    expect(loaded !== undefined && "position" in loaded, "position is present, as undefined").toBe(true);
    expect(loaded !== undefined && "updatedAt" in loaded, "updatedAt is present, as undefined").toBe(true);
  },
  "round-trip.sources-of-each-type": async (context) => {
    const sources = [
      logIdentifier(),
      categoryIdentifier("profiles"),
      streamIdentifier("profiles", "joe"),
      streamIdentifier("a:b", "c/d 🎉"),
    ];
    for (const [index, source] of sources.entries()) {
      await expectRoundTrip(context, projection().withName("sourced").withId(`s-${index}`).withSource(source).build());
    }
  },
  "round-trip.versions-and-event-counts": async (context) => {
    for (const [index, [version, eventCount]] of [
      [1, 0],
      [2, 1],
      [1000, 2 ** 31],
      [2 ** 31 - 1, Number.MAX_SAFE_INTEGER],
    ].entries()) {
      await expectRoundTrip(
        context,
        projection()
          .withName("counted")
          .withId(`c-${index}`)
          .withVersion(version ?? 1)
          .withEventCount(eventCount ?? 0)
          .withPosition(eventCount === 0 ? undefined : 5n)
          .updatedAt(eventCount === 0 ? undefined : new Date(0))
          .build(),
      );
    }
  },
  "round-trip.unusual-keys": async (context) => {
    const keys = [
      ["profile", "joe smith"],
      ["profile:v2", "a/b"],
      ["profile", "50%_off"],
      ["profile", "back\\slash"],
      ["profile", "'quoted\""],
      ["日本語", "𝔸da"],
      ["p", "x".repeat(255)],
      ["q".repeat(255), "y"],
    ] as const;
    for (const [name, id] of keys) await expectRoundTrip(context, projection().withName(name).withId(id).build());
  },
  "round-trip.keys-kept-apart": async ({ store }) => {
    // Keys that a naive separator would merge: "a:b" + "c" and "a" + "b:c", and the same with slashes.
    const pairs = [
      ["a:b", "c"],
      ["a", "b:c"],
      ["a/b", "c"],
      ["a", "b/c"],
      ["a", "bc"],
      ["ab", "c"],
    ] as const;
    for (const [index, [name, id]] of pairs.entries()) {
      expect(await store.save(projection().withName(name).withId(id).withState({ index }).build())).toBe(true);
    }
    for (const [index, [name, id]] of pairs.entries()) {
      expect((await store.load({ name, id }))?.state, `${name} + ${id}`).toEqual({ index });
    }
  },
  "round-trip.load-missing": async ({ store }) => {
    expect(await store.load({ name: "profile", id: "nobody" })).toBeUndefined();
    await store.save(projection().withName("profile").withId("joe").build());
    expect(await store.load({ name: "profile", id: "jo" })).toBeUndefined();
    expect(await store.load({ name: "profile", id: "joe2" })).toBeUndefined();
    expect(await store.load({ name: "profil", id: "joe" })).toBeUndefined();
    expect(await store.load({ name: "profile", id: "JOE" })).toBeUndefined();
  },
  "round-trip.copies-not-references": async ({ store }) => {
    const item = projection()
      .withName("profile")
      .withId("joe")
      .withState({ tags: ["a"], nested: { n: 1 } })
      .updatedAt(new Date(5))
      .withPosition(1n)
      .withEventCount(1)
      .build();
    const original = structuredClone(item);
    await store.save(item);
    (item.state as { tags: string[] }).tags.push("changed after save");
    item.updatedAt?.setTime(99);
    const loaded = await store.load({ name: "profile", id: "joe" });
    expect(loaded).toEqual(original);
    if (loaded === undefined) return;
    (loaded.state as { nested: { n: number } }).nested.n = 2;
    loaded.source = logIdentifier();
    expect(await store.load({ name: "profile", id: "joe" }), "changing a loaded projection changes nothing stored").toEqual(original);
  },
});
