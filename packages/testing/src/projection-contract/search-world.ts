import {
  categoryIdentifier,
  type Filter,
  type JsonObject,
  logIdentifier,
  type Projection,
  type ProjectionStore,
  type Sort,
  streamIdentifier,
} from "@chronicle/core";
import { expect } from "vitest";
import { projection } from "../projection-builder.js";
import { describeQuery, idsOf, saveAll, searchAll } from "./helpers.js";

/** The name of the world's people. */
export const PERSON = "person";

/**
 * The states of the world's people, each chosen to sit on one edge of the
 * filter and sort rules: values of another type than their neighbours, `null`
 * beside missing, astral beside BMP characters, arrays, strings and objects at
 * one path, and characters that SQL `LIKE` and regular expressions treat specially.
 */
export const PEOPLE: Readonly<Record<string, JsonObject>> = {
  ada: {
    city: "Leeds",
    age: 36,
    score: 2.5,
    active: true,
    tags: ["red", "blue"],
    address: { city: "Leeds", zip: "LS1" },
    nickname: "Ada",
    "a.b": "dotted",
  },
  bob: {
    city: "leeds",
    age: 30,
    score: -1.5,
    active: false,
    tags: ["blue"],
    address: { city: "York" },
    nickname: "bobby",
    slots: { "0": "zero", "01": "zero-one" },
  },
  cy: { city: "York", age: null, score: 0, active: null, tags: [], address: null },
  dee: { city: null, age: "30", score: 1e15, tags: "red", nickname: "Dee%_" },
  eve: {},
  fay: { city: "ｚ", age: 30.5, score: -1e15, active: "true", tags: [1, null, "red"], address: { city: "𝔸" } },
  gus: { city: "𝔸stral", age: 0, score: 0.1, active: true, tags: ["Red"], address: { zip: "LS2" } },
  hal: { city: "Zürich", age: -4, score: 42, active: false, tags: [true, 0], nickname: "hal\\9000" },
};

/** Every person's id, in code point order. */
export const EVERYONE = Object.keys(PEOPLE).sort();

/** The people as projections: over their own `people` stream, except `eve`, over the whole `people` category. */
export function people(): Projection[] {
  return Object.entries(PEOPLE).map(([id, state]) =>
    projection()
      .withName(PERSON)
      .withId(id)
      .withSource(id === "eve" ? categoryIdentifier("people") : streamIdentifier("people", id))
      .withState(state)
      .withVersion(1)
      .withPosition(BigInt(id.charCodeAt(0)))
      .withEventCount(id.length)
      .updatedAt(new Date(Date.UTC(2025, 0, id.charCodeAt(0) - 96)))
      .build(),
  );
}

/**
 * Projections of other names that share paths and values with the people, so a
 * search scoped by name shows it is: an `account` over the log with Ada's city,
 * and a `profile` with Ada's id and state.
 */
export function others(): Projection[] {
  return [
    projection().withName("account").withId("ada").withSource(logIdentifier()).withState({ city: "Leeds", age: 36 }).build(),
    projection()
      .withName("profile")
      .withId("ada")
      .withSource(streamIdentifier("profiles", "ada"))
      .withState(PEOPLE.ada ?? {})
      .build(),
  ];
}

/** Saves the people and the others. */
export async function seedPeople(store: ProjectionStore): Promise<void> {
  await saveAll(store, [...people(), ...others()]);
}

/** Expects a search of the people with `filter` to find exactly `ids`, in code point order of id. */
export async function expectPeople(store: ProjectionStore, filter: Filter, ids: readonly string[]): Promise<void> {
  const found = await searchAll(store, { name: PERSON, filter });
  expect(idsOf(found), `people matching ${describeQuery(filter)}`).toEqual([...ids].sort());
}

/** Expects a search of the people sorted by `sort` to return exactly `ids`, in that order. */
export async function expectOrder(store: ProjectionStore, sort: Sort[], ids: readonly string[]): Promise<void> {
  const found = await searchAll(store, { name: PERSON, sort });
  expect(idsOf(found), `people sorted by ${describeQuery(sort)}`).toEqual(ids);
}

/** Seeds the world and returns a test body that expects `filter` to match `ids`. */
export function matching(filter: Filter, ids: readonly string[]) {
  return async ({ store }: { store: ProjectionStore }): Promise<void> => {
    await seedPeople(store);
    await expectPeople(store, filter, ids);
  };
}

/** Seeds the world and returns a test body that expects `sort` to give `ids`. */
export function ordered(sort: Sort[], ids: readonly string[]) {
  return async ({ store }: { store: ProjectionStore }): Promise<void> => {
    await seedPeople(store);
    await expectOrder(store, sort, ids);
  };
}

/** Everyone except `ids`. */
export function except(...ids: string[]): string[] {
  return EVERYONE.filter((id) => !ids.includes(id));
}

/** Keys that a path compiled into SQL, a JSON path or a script must quote or escape. */
export const AWKWARD_KEYS = [
  "it's",
  'a"b',
  "a\\b",
  "{x}",
  "a,b",
  "[0]",
  "$",
  "*",
  " spaced ",
  "ключ",
  "🎉",
  "a.b",
  "%_",
  "0x",
  "-1",
  "null",
];
