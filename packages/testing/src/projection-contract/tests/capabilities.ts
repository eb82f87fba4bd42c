import { eq } from "@chronicle/core";
import { expect } from "vitest";
import { projection } from "../../projection-builder.js";
import { defineProjectionTests } from "../define-tests.js";
import { expectRejection } from "../helpers.js";

/** What the adapter declares, and what the store makes of it. */
export const capabilitiesTests = defineProjectionTests("capabilities", {
  "capabilities.declared": async ({ adapter, createAdapter }) => {
    expect(adapter.capabilities.search, "capabilities.search is a boolean").toBeTypeOf("boolean");
    const another = await createAdapter();
    expect(another.capabilities.search, "every adapter of one configuration declares the same").toBe(adapter.capabilities.search);
  },
  "capabilities.without-search-rejects-search-and-count": {
    requires: "no-search",
    run: async ({ store }) => {
      const item = projection().withName("profile").withId("joe").withState({ city: "Leeds" }).build();
      expect(await store.save(item)).toBe(true);
      await expectRejection(store.search({ name: "profile" }), "INVALID_INPUT");
      await expectRejection(store.search({ filter: eq("state.city", "Leeds") }), "INVALID_INPUT");
      await expectRejection(store.count({ name: "profile" }), "INVALID_INPUT");
      await expectRejection(async () => {
        for await (const _ of store.iterate({ name: "profile" })) {
          // Nothing may be yielded without search.
        }
      }, "INVALID_INPUT");
      expect(await store.load({ name: "profile", id: "joe" }), "the other calls still work").toEqual(item);
    },
  },
});
