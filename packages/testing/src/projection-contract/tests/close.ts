import { streamIdentifier } from "@chronicle/core";
import { expect } from "vitest";
import { projection } from "../../projection-builder.js";
import { defineProjectionTests } from "../define-tests.js";
import { expectRejection } from "../helpers.js";

const JOE = projection().withName("profile").withId("joe").withSource(streamIdentifier("profiles", "joe")).build();
const KEY = { name: "profile", id: "joe" };
// The order every search ends with, as the store hands it to the adapter.
const KEY_ORDER = [
  { path: { root: "name", segments: [] }, direction: "asc" },
  { path: { root: "id", segments: [] }, direction: "asc" },
] as const;

/** After `close()`, calls reject with CLOSED; closing twice is harmless. */
export const closeTests = defineProjectionTests("close", {
  "close.save-rejects": async ({ adapter, store }) => {
    await store.save(JOE);
    await adapter.close();
    await expectRejection(store.save({ ...JOE, state: { after: "close" } }), "CLOSED");
  },
  "close.load-locate-delete-reject": async ({ adapter, store }) => {
    await store.save(JOE);
    await adapter.close();
    await expectRejection(store.load(KEY), "CLOSED");
    await expectRejection(store.locate({ name: "profile", source: JOE.source }), "CLOSED");
    await expectRejection(store.delete(KEY), "CLOSED");
  },
  "close.search-and-count-reject": {
    requires: "search",
    run: async ({ adapter, store }) => {
      await store.save(JOE);
      await adapter.close();
      await expectRejection(store.search({ name: "profile" }), "CLOSED");
      await expectRejection(store.count({}), "CLOSED");
      await expectRejection(async () => {
        for await (const _ of store.iterate({})) {
          // Nothing may be yielded after close.
        }
      }, "CLOSED");
    },
  },
  "close.adapter-calls-reject-rather-than-throw": async ({ adapter, capabilities }) => {
    await adapter.close();
    const calls: [string, () => Promise<unknown>][] = [
      ["load", () => adapter.load(KEY)],
      ["locate", () => adapter.locate("profile", JOE.source)],
      ["delete", () => adapter.delete(KEY)],
    ];
    if (capabilities.search) {
      calls.push(["search", () => adapter.search({ sort: KEY_ORDER, limit: 10 })], ["count", () => adapter.count({})]);
    }
    for (const [name, call] of calls) {
      let pending: Promise<unknown> | undefined;
      expect(() => {
        pending = call();
      }, `after close(), ${name}() must return a rejected promise, not throw synchronously`).not.toThrow();
      await expectRejection(pending as Promise<unknown>, "CLOSED");
    }
  },
  "close.twice-is-harmless": async ({ adapter, store }) => {
    await adapter.close();
    await expect(adapter.close()).resolves.toBeUndefined();
    await expectRejection(store.load(KEY), "CLOSED");
  },
  "close.concurrent-calls-are-harmless": async ({ adapter }) => {
    await expect(Promise.all([adapter.close(), adapter.close()])).resolves.toBeDefined();
  },
  "close.async-dispose-closes": async ({ adapter, store }) => {
    await adapter[Symbol.asyncDispose]();
    await expectRejection(store.save(JOE), "CLOSED");
  },
  "close.await-using": async ({ createAdapter }) => {
    let escaped: Awaited<ReturnType<typeof createAdapter>> | undefined;
    {
      await using adapter = await createAdapter();
      escaped = adapter;
      await adapter.load(KEY);
    }
    await expectRejection(escaped.load(KEY), "CLOSED");
  },
});
