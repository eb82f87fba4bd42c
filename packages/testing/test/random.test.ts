import { validateJson, validateJsonObject, validateName } from "@chronicle/core";
import { describe, expect, it } from "vitest";
import { createRandom } from "../src/index.js";

function draw(seed: number | string) {
  const random = createRandom(seed);
  return {
    floats: Array.from({ length: 5 }, () => random.next()),
    integers: Array.from({ length: 5 }, () => random.integer(-3, 3)),
    picked: random.pick(["a", "b", "c", "d"]),
    shuffled: random.shuffle([1, 2, 3, 4, 5, 6]),
    names: [random.categoryName(), random.streamName(), random.eventName()],
    payload: random.payload(),
    metadata: random.metadata(),
    date: random.date(),
    events: random.newEvents(3),
  };
}

describe("createRandom", () => {
  it("gives the same sequence for the same seed", () => {
    expect(draw(42)).toEqual(draw(42));
    expect(draw("conditions.position-is.holds")).toEqual(draw("conditions.position-is.holds"));
  });

  it("gives different sequences for different seeds", () => {
    expect(draw(1)).not.toEqual(draw(2));
    expect(draw("a")).not.toEqual(draw("b"));
  });

  it("keeps integers within their inclusive bounds and reaches both ends", () => {
    const random = createRandom(7);
    const seen = new Set(Array.from({ length: 500 }, () => random.integer(2, 5)));
    expect([...seen].sort()).toEqual([2, 3, 4, 5]);
    expect(() => random.integer(3, 1)).toThrow(RangeError);
  });

  it("shuffles a copy and keeps every element", () => {
    const random = createRandom(3);
    const items = Array.from({ length: 20 }, (_, index) => index);
    const shuffled = random.shuffle(items);
    expect(items).toEqual(Array.from({ length: 20 }, (_, index) => index));
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items);
    expect(shuffled).not.toEqual(items);
  });

  it("refuses to pick from nothing", () => {
    expect(() => createRandom(1).pick([])).toThrow(RangeError);
  });

  it("makes names, payloads and events that Chronicle accepts", () => {
    const random = createRandom(11);
    for (let index = 0; index < 200; index += 1) {
      expect(validateName(random.categoryName(), "category")).toBeTypeOf("string");
      expect(validateName(random.streamName(), "stream")).toBeTypeOf("string");
      expect(validateName(random.eventName(), "name")).toBeTypeOf("string");
      const payload = random.payload();
      expect(validateJson(payload, "payload")).toBe(payload);
      expect(JSON.parse(JSON.stringify(payload))).toEqual(payload);
      expect(JSON.stringify(payload).length).toBeLessThan(64 * 1024);
      validateJsonObject(random.metadata(), "metadata");
      const date = random.date();
      expect(date.getTime()).toBeGreaterThanOrEqual(Date.UTC(2000, 0, 1));
      expect(date.getTime()).toBeLessThanOrEqual(Date.UTC(2040, 0, 1));
    }
  });

  it("varies payloads: nesting, unicode, numbers, booleans and nulls all appear", () => {
    const random = createRandom(5);
    const text = JSON.stringify(Array.from({ length: 300 }, () => random.payload()));
    for (const expected of ["null", "true", "false", "[", "{", "🎉", "日本語", "\\u0000", '\\"'] as const) {
      expect(text).toContain(expected);
    }
    expect(text).toMatch(/-?\d+\.\d+/);
  });

  it("gives events with distinct ids in UUID format", () => {
    const events = createRandom(9).newEvents(100);
    const ids = events.map((event) => event.id);
    expect(new Set(ids).size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
