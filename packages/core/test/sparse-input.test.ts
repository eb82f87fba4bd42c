import { describe, expect, it } from "vitest";
import { logIdentifier, noCondition, normaliseScanOptions, prepareWrites, streamIdentifier, validateCondition } from "../src/index.js";

// A hole in an array is skipped by Array.prototype.map, so it must be checked
// explicitly: otherwise it reaches the adapter as a missing write, event or name.
describe("holes in input arrays", () => {
  const joe = streamIdentifier("profiles", "joe");
  const invalid = (action: () => unknown) => expect(action).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));

  it("rejects a hole among a save's writes", () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is what is under test
    invalid(() => prepareWrites([, { target: joe, events: [] }]));
  });

  it("rejects a hole among a write's events", () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is what is under test
    invalid(() => prepareWrites([{ target: joe, events: [, { name: "created", payload: 1 }] }]));
  });

  it("rejects a hole among scan names", () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is what is under test
    invalid(() => normaliseScanOptions(logIdentifier(), { names: [, "created"] as unknown as string[] }));
  });

  it("rejects a hole among nested conditions", () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is what is under test
    invalid(() => validateCondition({ type: "allOf", conditions: [, noCondition()] }));
  });
});
