import { ProjectionStore, streamIdentifier } from "@chronicle/core";
import { expect } from "vitest";
import { projection } from "../../projection-builder.js";
import { defineProjectionTests } from "../define-tests.js";
import { keysOf, searchAll } from "../helpers.js";

/** Two adapters created for two test ids never see each other's projections. */
export const isolationTests = defineProjectionTests("isolation", {
  "isolation.separate-storage": async ({ store, createAdapter, testId, capabilities }) => {
    const other = new ProjectionStore(await createAdapter(`${testId}.second`));
    const source = streamIdentifier("profiles", "joe");
    const mine = projection().withName("profile").withId("joe").withSource(source).withState({ owner: "first" }).withVersion(1).build();
    const theirs = { ...mine, state: { owner: "second" }, version: 2 };
    expect(await store.save(mine)).toBe(true);
    expect(await other.load({ name: "profile", id: "joe" }), "the second storage starts empty").toBeUndefined();
    expect(await other.locate({ name: "profile", source })).toBeUndefined();
    expect(await other.save(theirs)).toBe(true);
    expect(await store.load({ name: "profile", id: "joe" })).toEqual(mine);
    expect(await other.load({ name: "profile", id: "joe" })).toEqual(theirs);
    await store.save(projection().withName("profile").withId("jane").build());
    expect(await other.load({ name: "profile", id: "jane" })).toBeUndefined();
    if (capabilities.search) {
      expect(keysOf(await searchAll(store, {}))).toEqual(["profile/jane", "profile/joe"]);
      expect(keysOf(await searchAll(other, {}))).toEqual(["profile/joe"]);
      expect(await other.count({})).toBe(1);
    }
    expect(await other.delete({ name: "profile", id: "joe" })).toBe(true);
    expect(await store.load({ name: "profile", id: "joe" }), "a delete in one storage leaves the other").toEqual(mine);
    expect(await other.delete({ name: "profile", id: "jane" })).toBe(false);
  },
  "isolation.closing-one-leaves-the-other": async ({ store, adapter, createAdapter, testId }) => {
    const other = await createAdapter(`${testId}.second`);
    await store.save(projection().withName("profile").withId("joe").build());
    await other.close();
    expect(await store.load({ name: "profile", id: "joe" })).toEqual(projection().withName("profile").withId("joe").build());
    expect(adapter.capabilities.search).toBeTypeOf("boolean");
  },
});
