import { asc, eq, type Filter, type Sort } from "@chronicle/core";
import { expect } from "vitest";
import { defineProjectionTests } from "../define-tests.js";
import { expectRejection } from "../helpers.js";
import type { ProjectionContractTestContext } from "../projection-contract-test.js";
import { seedPeople } from "../search-world.js";

/** Paging options, which only `search` takes. */
const SEARCH_ONLY = { iterate: false, count: false };

/**
 * Expects every query (built from raw values, cast because they break the types
 * on purpose) to make search, iterate and count reject with INVALID_INPUT, and to change nothing.
 */
function rejects(queries: () => Record<string, unknown>[], also: { iterate: boolean; count: boolean } = { iterate: true, count: true }) {
  return async ({ store, persisted }: ProjectionContractTestContext): Promise<void> => {
    await seedPeople(store);
    const before = await persisted();
    for (const query of queries()) {
      await expectRejection(store.search(query as never), "INVALID_INPUT");
      if (also.iterate) {
        await expectRejection(async () => {
          for await (const _ of store.iterate(query as never)) {
            // Nothing may be yielded for a bad query.
          }
        }, "INVALID_INPUT");
      }
      if (also.count) await expectRejection(store.count(query as never), "INVALID_INPUT");
    }
    expect(await persisted(), "a rejected query changes nothing").toEqual(before);
  };
}

function filters(...list: unknown[]) {
  return rejects(() => list.map((filter) => ({ filter: filter as Filter })));
}

function sorts(...list: unknown[]) {
  return rejects(() => list.map((sort) => ({ sort: sort as Sort[] })), { iterate: true, count: false });
}

/** Bad queries reject with INVALID_INPUT and change nothing. */
export const queryValidationTests = defineProjectionTests("query-validation", {
  "query-validation.path.unknown-root": filters(
    eq("status", "x"),
    eq("states.city", "x"),
    eq(["source"], "x"),
    eq("source", "x"),
    eq("source.type", "log"),
  ),
  "query-validation.path.below-a-non-state-root": filters(
    eq("id.length", 3),
    eq("name.x", "y"),
    eq("position.x", 1),
    eq("source.category.x", "y"),
  ),
  "query-validation.path.empty": filters(
    eq("", "x"),
    eq([], "x"),
    eq("state.", "x"),
    eq("state..city", "x"),
    eq(".state", "x"),
    eq(["state", ""], "x"),
  ),
  "query-validation.path.bad-array-segments": filters(
    eq(["state", -1], "x"),
    eq(["state", 1.5], "x"),
    eq(["state", Number.NaN], "x"),
    eq(["state", Number.POSITIVE_INFINITY], "x"),
    eq(["state", true as never], "x"),
    eq(["state", null as never], "x"),
    eq(["state", { key: "city" } as never], "x"),
  ),
  "query-validation.path.not-a-path": filters(
    eq(42 as never, "x"),
    eq(null as never, "x"),
    eq(undefined as never, "x"),
    eq({ root: "state" } as never, "x"),
  ),
  "query-validation.operator.unknown": filters(
    { op: "regex", path: "state.city", value: "x" },
    { op: "EQ", path: "state.city", value: "x" },
    { op: "ne", path: "state.city" },
    {},
    null,
    "eq",
    { op: "and", filters: "not-a-list" },
    { op: "and", filters: [null] },
    { op: "or", filters: [{ op: "nope" }] },
    { op: "not" },
    { op: "not", filter: { op: "gt", path: "state.age" } },
  ),
  "query-validation.value.not-a-scalar": filters(
    eq("state.city", { city: "Leeds" } as never),
    eq("state.tags", ["red"] as never),
    eq("state.city", undefined as never),
    eq("state.age", Number.NaN),
    eq("state.age", Number.POSITIVE_INFINITY),
    eq("state.age", 10n as never),
    eq("state.age", new Date(0) as never),
    { op: "contains", path: "state.tags", value: ["red"] },
  ),
  "query-validation.value.comparison-operand": filters(
    { op: "gt", path: "state.age", value: null },
    { op: "gte", path: "state.active", value: true },
    { op: "lt", path: "state.age", value: Number.NaN },
    { op: "lte", path: "state.age", value: {} },
    { op: "gt", path: "state.age" },
  ),
  "query-validation.value.in-list": filters(
    { op: "in", path: "state.city", values: "Leeds" },
    { op: "in", path: "state.city", values: [{}] },
    { op: "in", path: "state.city", values: [Number.NaN] },
    { op: "in", path: "state.city" },
  ),
  "query-validation.value.prefix": filters(
    { op: "startsWith", path: "state.city", prefix: 5 },
    { op: "startsWith", path: "state.city", prefix: null },
    { op: "startsWith", path: "state.city" },
  ),
  "query-validation.regex.flags": filters(
    { op: "matches", path: "state.city", pattern: "le", flags: "g" },
    { op: "matches", path: "state.city", pattern: "le", flags: "m" },
    { op: "matches", path: "state.city", pattern: "le", flags: "s" },
    { op: "matches", path: "state.city", pattern: "le", flags: "u" },
    { op: "matches", path: "state.city", pattern: "le", flags: "y" },
    { op: "matches", path: "state.city", pattern: "le", flags: "ii" },
    { op: "matches", path: "state.city", pattern: "le", flags: "I" },
    { op: "matches", path: "state.city", pattern: "le", flags: 1 },
    { op: "matches", path: "state.city", pattern: "le", flags: "gi" },
  ),
  "query-validation.regex.invalid-pattern": filters(
    { op: "matches", path: "state.city", pattern: "(", flags: "" },
    { op: "matches", path: "state.city", pattern: "[a-", flags: "" },
    { op: "matches", path: "state.city", pattern: "*a", flags: "" },
    { op: "matches", path: "state.city", pattern: 5, flags: "" },
    { op: "matches", path: "state.city", flags: "" },
  ),
  "query-validation.regex.not-portable": filters(
    ...["(?=a)", "(?!a)", "(?<=a)b", "(?:ab)", "(a)\\1", "\\d", "\\w+", "\\s", "\\bword", "a+?", "a*?", "[[:alpha:]]", "[]a]", "\\"].map(
      (pattern) => ({ op: "matches", path: "state.city", pattern, flags: "" }),
    ),
  ),
  "query-validation.sort": sorts(
    [{ path: "state.age", direction: "up" }],
    [{ path: "state.age" }],
    [{ path: "nowhere", direction: "asc" }],
    [{ path: ["state", -1], direction: "desc" }],
    [asc("state.age"), null],
    asc("state.age"),
    "state.age",
  ),
  "query-validation.name": rejects(() => [{ name: "" }, { name: 5 }, { name: null }, { name: "x".repeat(256) }]),
  "query-validation.limit": rejects(
    () => [{ limit: 0 }, { limit: -1 }, { limit: 1001 }, { limit: 1.5 }, { limit: Number.NaN }, { limit: "10" }],
    SEARCH_ONLY,
  ),
  "query-validation.offset": rejects(() => [{ offset: -1 }, { offset: 1.5 }, { offset: "2" }, { offset: Number.NaN }], SEARCH_ONLY),
  "query-validation.after": rejects(() => [{ after: 5 }, { after: {} }, { after: "garbage" }], SEARCH_ONLY),
  "query-validation.calls-reject-rather-than-throw": async ({ store }) => {
    const bad = { filter: { op: "nope" } } as never;
    for (const [name, call] of [
      ["search", () => store.search(bad)],
      ["count", () => store.count(bad)],
    ] as const) {
      let pending: Promise<unknown> | undefined;
      expect(() => {
        pending = call();
      }, `${name}() must return a rejected promise, not throw synchronously`).not.toThrow();
      await expectRejection(pending as Promise<unknown>, "INVALID_INPUT");
    }
    let iterable: AsyncIterable<unknown> | undefined;
    expect(() => {
      iterable = store.iterate(bad);
    }, "iterate() must return an iterable whose first step rejects").not.toThrow();
    await expectRejection(async () => {
      for await (const _ of iterable as AsyncIterable<unknown>) {
        // Nothing may be yielded for a bad query.
      }
    }, "INVALID_INPUT");
  },
});
