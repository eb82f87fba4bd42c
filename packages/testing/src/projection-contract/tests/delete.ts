import { eq, streamIdentifier } from "@chronicle/core";
import { expect } from "vitest";
import { projection } from "../../projection-builder.js";
import { defineProjectionTests } from "../define-tests.js";
import { keysOf, searchAll } from "../helpers.js";

function profile(id: string, name = "profile") {
  return projection().withName(name).withId(id).withSource(streamIdentifier("profiles", id)).withState({ city: "Leeds" }).build();
}

/** `delete` removes one projection and says whether there was one. */
export const deleteTests = defineProjectionTests("delete", {
  "delete.existing-resolves-true": async ({ store }) => {
    await store.save(profile("joe"));
    expect(await store.delete({ name: "profile", id: "joe" })).toBe(true);
    expect(await store.load({ name: "profile", id: "joe" })).toBeUndefined();
  },
  "delete.missing-resolves-false": async ({ store }) => {
    expect(await store.delete({ name: "profile", id: "nobody" })).toBe(false);
    await store.save(profile("joe"));
    expect(await store.delete({ name: "profile", id: "jo" })).toBe(false);
    expect(await store.delete({ name: "profil", id: "joe" })).toBe(false);
  },
  "delete.twice-resolves-true-then-false": async ({ store }) => {
    await store.save(profile("joe"));
    expect(await store.delete({ name: "profile", id: "joe" })).toBe(true);
    expect(await store.delete({ name: "profile", id: "joe" })).toBe(false);
  },
  "delete.only-that-key": async (context) => {
    const { store } = context;
    await store.save(profile("joe"));
    await store.save(profile("jane"));
    await store.save(profile("joe", "account"));
    expect(await store.delete({ name: "profile", id: "joe" })).toBe(true);
    expect(await store.load({ name: "profile", id: "jane" })).toEqual(profile("jane"));
    expect(await store.load({ name: "account", id: "joe" })).toEqual(profile("joe", "account"));
    const persisted = await context.persisted();
    if (persisted !== undefined) expect(keysOf(persisted)).toEqual(["account/joe", "profile/jane"]);
  },
  "delete.then-save-any-version": async ({ store }) => {
    await store.save({ ...profile("joe"), version: 5, position: 100n, eventCount: 1, updatedAt: new Date(1) });
    await store.delete({ name: "profile", id: "joe" });
    const older = { ...profile("joe"), version: 1, state: { after: "delete" } };
    expect(await store.save(older), "nothing is left to be newer than the save").toBe(true);
    expect(await store.load({ name: "profile", id: "joe" })).toEqual(older);
  },
  "delete.removes-from-locate": async ({ store }) => {
    await store.save(profile("joe"));
    await store.delete({ name: "profile", id: "joe" });
    expect(await store.locate({ name: "profile", source: streamIdentifier("profiles", "joe") })).toBeUndefined();
  },
  "delete.removes-from-search-and-count": {
    requires: "search",
    run: async ({ store }) => {
      for (const id of ["a", "b", "c"]) await store.save(profile(id));
      await store.delete({ name: "profile", id: "b" });
      expect(keysOf(await searchAll(store, { name: "profile", filter: eq("state.city", "Leeds") }))).toEqual(["profile/a", "profile/c"]);
      expect(await store.count({ name: "profile" })).toBe(2);
      expect(await store.count({ filter: eq("id", "b") })).toBe(0);
    },
  },
});
