import { describe, expect, it } from "vitest";
import { uuidv7 } from "../src/index.js";

const FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function millisOf(id: string): number {
  return Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16);
}

describe("uuidv7", () => {
  it("is a lowercase UUID with version 7 and the RFC 9562 variant", () => {
    for (let index = 0; index < 1000; index += 1) {
      const id = uuidv7();
      expect(id).toMatch(FORMAT);
      expect(id[14]).toBe("7");
      expect("89ab").toContain(id[19]);
    }
  });

  it("starts with the Unix milliseconds it was made at", () => {
    const millis = Date.UTC(2030, 5, 15, 12, 0, 0, 123);
    const id = uuidv7(millis);
    expect(millisOf(id)).toBe(millis);
    expect(id.slice(0, 13)).toBe(`${millis.toString(16).padStart(12, "0").slice(0, 8)}-${millis.toString(16).padStart(12, "0").slice(8)}`);
  });

  it("increases within one millisecond and when the clock steps back", () => {
    const millis = Date.UTC(2031, 0, 1);
    const ids = Array.from({ length: 200 }, () => uuidv7(millis));
    ids.push(uuidv7(millis - 10_000));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it("moves to the next millisecond when a millisecond's counter is used up", () => {
    const millis = Date.UTC(2032, 0, 1);
    const ids = Array.from({ length: 4097 + 10 }, () => uuidv7(millis));
    expect([...ids].sort()).toEqual(ids);
    expect(millisOf(ids.at(-1) as string)).toBe(millis + 1);
  });

  it("sorts by creation time across milliseconds", () => {
    const base = Date.UTC(2033, 0, 1);
    const ids = [0, 1, 2, 1000, 60_000, 86_400_000].map((offset) => uuidv7(base + offset));
    expect([...ids].sort()).toEqual(ids);
  });

  it("is unique across many ids", () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => uuidv7()));
    expect(ids.size).toBe(10_000);
  });
});
