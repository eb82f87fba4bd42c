import { and, eq, exists, gt, not, or } from "@chronicle/core";
import { expect } from "vitest";
import { projection } from "../../projection-builder.js";
import { defineProjectionTests } from "../define-tests.js";
import { describeQuery, searchAll } from "../helpers.js";
import { PERSON, seedPeople } from "../search-world.js";

/** `count` counts what a search would find. */
export const countTests = defineProjectionTests("count", {
  "count.empty-storage": async ({ store }) => {
    expect(await store.count({})).toBe(0);
    expect(await store.count({ name: "profile" })).toBe(0);
    expect(await store.count({ filter: eq("state.city", null) })).toBe(0);
  },
  "count.everything": async ({ store }) => {
    await seedPeople(store);
    expect(await store.count({})).toBe(10);
  },
  "count.by-name": async ({ store }) => {
    await seedPeople(store);
    expect(await store.count({ name: PERSON })).toBe(8);
    expect(await store.count({ name: "account" })).toBe(1);
    expect(await store.count({ name: "nobody" })).toBe(0);
  },
  "count.with-filter": async ({ store }) => {
    await seedPeople(store);
    expect(await store.count({ name: PERSON, filter: gt("state.age", 30) })).toBe(2);
    expect(await store.count({ filter: eq("state.city", "Leeds") })).toBe(3);
    expect(await store.count({ name: PERSON, filter: eq("state.age", null) })).toBe(2);
    expect(await store.count({ name: PERSON, filter: not(gt("state.age", 30)) })).toBe(6);
  },
  "count.matches-search": async ({ store }) => {
    await seedPeople(store);
    for (const filter of [
      exists("state.nickname"),
      or(eq("state.active", true), eq("state.city", "York")),
      and(),
      or(),
      not(exists("state.tags.0")),
    ]) {
      for (const name of [undefined, PERSON]) {
        const query = name === undefined ? { filter } : { name, filter };
        expect(await store.count(query), describeQuery(query)).toBe((await searchAll(store, query)).length);
      }
    }
  },
  "count.follows-saves-and-deletes": async ({ store }) => {
    const item = (id: string, city: string) => projection().withName("profile").withId(id).withState({ city }).build();
    await store.save(item("a", "Leeds"));
    await store.save(item("b", "York"));
    expect(await store.count({ filter: eq("state.city", "Leeds") })).toBe(1);
    await store.save(item("b", "Leeds"));
    expect(await store.count({ filter: eq("state.city", "Leeds") }), "after an overwrite").toBe(2);
    await store.delete({ name: "profile", id: "a" });
    expect(await store.count({ filter: eq("state.city", "Leeds") }), "after a delete").toBe(1);
    expect(await store.count({})).toBe(1);
  },
});
