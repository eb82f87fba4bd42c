import {
  categoryIdentifier,
  logIdentifier,
  normaliseFilter,
  normaliseSort,
  prepareProjection,
  streamIdentifier,
  validateJson,
} from "@chronicle/core";
import { describe, expect, it } from "vitest";
import { createRandom, projection } from "../src/index.js";

describe("projection()", () => {
  it("defaults to an unfolded projection of a stream, with the id a projector would give it", () => {
    expect(projection().build()).toEqual({
      name: "projection",
      id: "stream",
      source: streamIdentifier("category", "stream"),
      state: {},
      version: 1,
      position: undefined,
      eventCount: 0,
      updatedAt: undefined,
    });
    expect(projection().withSource(categoryIdentifier("profiles")).build().id).toBe("profiles");
    expect(projection().withSource(logIdentifier()).build().id).toBe("log");
  });

  it("sets every field", () => {
    const updatedAt = new Date("2025-02-03T04:05:06.789Z");
    const built = projection()
      .withName("profile")
      .withId("joe")
      .withSource(streamIdentifier("profiles", "joe-1"))
      .withState({ name: "Joe" })
      .withVersion(3)
      .withPosition(42n)
      .withEventCount(7)
      .updatedAt(updatedAt)
      .build();
    expect(built).toEqual({
      name: "profile",
      id: "joe",
      source: streamIdentifier("profiles", "joe-1"),
      state: { name: "Joe" },
      version: 3,
      position: 42n,
      eventCount: 7,
      updatedAt,
    });
    expect(built.state.name).toBe("Joe");
  });

  it("builds independent objects", () => {
    const builder = projection()
      .withState({ tags: ["a"] })
      .updatedAt(new Date(1))
      .withPosition(1n);
    const first = builder.build();
    first.state.tags.push("b");
    first.updatedAt?.setTime(2);
    expect(builder.build().state).toEqual({ tags: ["a"] });
    expect(builder.build().updatedAt).toEqual(new Date(1));
  });
});

describe("createRandom's projection generators", () => {
  function draw(seed: number) {
    const random = createRandom(seed);
    return { projections: Array.from({ length: 5 }, () => random.projection()), filter: random.filter(), sort: random.sort() };
  }

  it("give the same values for the same seed, and others for another", () => {
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it("leave the event generators' sequences as they were", () => {
    const random = createRandom(42);
    random.projection();
    expect(createRandom(42).next()).toBe(createRandom(42).next());
  });

  it("draw valid projections, filters and sorts", () => {
    const random = createRandom(3);
    for (let index = 0; index < 200; index += 1) {
      const item = random.projection();
      expect(validateJson(item.state, "state")).toEqual(item.state);
      expect(item.name.length).toBeGreaterThan(0);
      expect(item.id.length).toBeGreaterThan(0);
      expect(Number.isInteger(item.version) && item.version >= 1).toBe(true);
      expect(item.position === undefined || item.position >= 0n).toBe(true);
      expect(item.position === undefined).toBe(item.updatedAt === undefined);
      expect(() => prepareProjection(item)).not.toThrow();
      expect(() => normaliseFilter(random.filter())).not.toThrow();
      expect(() => normaliseSort(random.sort())).not.toThrow();
    }
  });

  it("takes overrides", () => {
    const random = createRandom(5);
    const item = random.projection({ name: "profile", id: "joe", version: 9 });
    expect(item).toMatchObject({ name: "profile", id: "joe", version: 9 });
  });

  it("draws states that share fields, so filters find matches", () => {
    const random = createRandom(11);
    const states = Array.from({ length: 100 }, () => random.state());
    const cities = new Set(states.map((state) => JSON.stringify(state.city)));
    expect(cities.size).toBeGreaterThan(3);
    expect(cities.size).toBeLessThan(30);
    expect(states.some((state) => !("age" in state))).toBe(true);
    expect(states.some((state) => state.age === null)).toBe(true);
  });
});
