import { describe, expect, it } from "vitest";
import {
  allOf,
  anyOf,
  describeCondition,
  evaluateCondition,
  evaluateConditionAt,
  noCondition,
  positionIs,
  streamExists,
  streamIsEmpty,
  validateCondition,
  type WriteCondition,
} from "../src/index.js";

const empty = undefined;
const atPosition = (position: number) => ({ position });

describe("condition builders", () => {
  it("build plain data", () => {
    expect(noCondition()).toEqual({ type: "noCondition" });
    expect(streamIsEmpty()).toEqual({ type: "streamIsEmpty" });
    expect(streamExists()).toEqual({ type: "streamExists" });
    expect(positionIs(4)).toEqual({ type: "positionIs", position: 4 });
    expect(allOf(streamExists(), positionIs(1))).toEqual({
      type: "allOf",
      conditions: [{ type: "streamExists" }, { type: "positionIs", position: 1 }],
    });
    expect(anyOf()).toEqual({ type: "anyOf", conditions: [] });
    // Plain data survives JSON, so it can be handed to a database script.
    const nested = anyOf(streamIsEmpty(), allOf(streamExists(), positionIs(7)));
    expect(JSON.parse(JSON.stringify(nested))).toEqual(nested);
  });
});

describe("evaluateCondition", () => {
  const cases: [string, WriteCondition, boolean, boolean, boolean][] = [
    // condition, on an empty stream, at position 0, at position 3
    ["noCondition()", noCondition(), true, true, true],
    ["streamIsEmpty()", streamIsEmpty(), true, false, false],
    ["streamExists()", streamExists(), false, true, true],
    ["positionIs(0)", positionIs(0), false, true, false],
    ["positionIs(3)", positionIs(3), false, false, true],
    ["allOf()", allOf(), true, true, true],
    ["anyOf()", anyOf(), false, false, false],
    ["allOf(streamExists(), positionIs(3))", allOf(streamExists(), positionIs(3)), false, false, true],
    ["anyOf(streamIsEmpty(), positionIs(0))", anyOf(streamIsEmpty(), positionIs(0)), true, true, false],
    ["allOf(streamIsEmpty(), streamExists())", allOf(streamIsEmpty(), streamExists()), false, false, false],
    ["anyOf(allOf(), anyOf())", anyOf(allOf(), anyOf()), true, true, true],
    [
      "allOf(anyOf(positionIs(0), positionIs(3)), streamExists())",
      allOf(anyOf(positionIs(0), positionIs(3)), streamExists()),
      false,
      true,
      true,
    ],
  ];

  for (const [label, condition, onEmpty, atZero, atThree] of cases) {
    it(`evaluates ${label}`, () => {
      expect(evaluateCondition(condition, empty)).toBe(onEmpty);
      expect(evaluateCondition(condition, atPosition(0))).toBe(atZero);
      expect(evaluateCondition(condition, atPosition(3))).toBe(atThree);
      expect(evaluateConditionAt(condition, undefined)).toBe(onEmpty);
      expect(evaluateConditionAt(condition, 0)).toBe(atZero);
      expect(evaluateConditionAt(condition, 3)).toBe(atThree);
    });
  }
});

describe("describeCondition", () => {
  it("reads like the builders", () => {
    expect(describeCondition(noCondition())).toBe("noCondition()");
    expect(describeCondition(streamIsEmpty())).toBe("streamIsEmpty()");
    expect(describeCondition(streamExists())).toBe("streamExists()");
    expect(describeCondition(positionIs(12))).toBe("positionIs(12)");
    expect(describeCondition(allOf())).toBe("allOf()");
    expect(describeCondition(anyOf(streamIsEmpty(), allOf(streamExists(), positionIs(3))))).toBe(
      "anyOf(streamIsEmpty(), allOf(streamExists(), positionIs(3)))",
    );
  });
});

describe("validateCondition", () => {
  it("returns a frozen copy, so later mutation cannot change a write", () => {
    const original = { type: "allOf" as const, conditions: [positionIs(2)] };
    const checked = validateCondition(original);
    expect(checked).toEqual(original);
    expect(checked).not.toBe(original);
    expect(Object.isFrozen(checked)).toBe(true);
    original.conditions.push(streamIsEmpty());
    expect(checked).toEqual(allOf(positionIs(2)));
  });

  it("drops properties that are not part of a condition", () => {
    expect(validateCondition({ type: "streamExists", position: 4, extra: true })).toEqual({ type: "streamExists" });
  });

  it("rejects positions that are not non-negative safe integers", () => {
    for (const position of [-1, -0.5, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, "3", 3n, null, undefined]) {
      expect(() => validateCondition({ type: "positionIs", position })).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
    }
    expect(validateCondition(positionIs(0))).toEqual(positionIs(0));
    expect(validateCondition(positionIs(Number.MAX_SAFE_INTEGER))).toEqual(positionIs(Number.MAX_SAFE_INTEGER));
  });

  it("points positionIs(-1) to streamIsEmpty()", () => {
    expect(() => validateCondition(positionIs(-1))).toThrow(/streamIsEmpty\(\)/);
  });

  it("rejects unknown types, missing nested lists and bad nested conditions", () => {
    for (const condition of [
      { type: "positionIsNot", position: 1 },
      { type: "NOCONDITION" },
      {},
      [],
      null,
      undefined,
      "noCondition",
      { type: "anyOf" },
      { type: "allOf", conditions: "streamExists" },
      { type: "anyOf", conditions: [null] },
      allOf(anyOf(positionIs(-3))),
    ]) {
      expect(() => validateCondition(condition)).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
    }
  });

  it("names the path of a bad nested condition", () => {
    expect(() => validateCondition(allOf(streamExists(), anyOf(positionIs(1.5))), "writes[2].condition")).toThrow(
      /writes\[2\]\.condition\.conditions\[1\]\.conditions\[0\]/,
    );
  });

  it("limits nesting depth", () => {
    let shallow: WriteCondition = noCondition();
    for (let level = 0; level < 32; level += 1) shallow = allOf(shallow);
    expect(() => validateCondition(shallow)).not.toThrow();
    let deep: WriteCondition = noCondition();
    for (let level = 0; level < 40; level += 1) deep = allOf(deep);
    expect(() => validateCondition(deep)).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
  });
});
