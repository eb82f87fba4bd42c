import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  type DescribeProjectionStorageAdapterOptions,
  describeProjectionStorageAdapter,
  PROJECTION_CONTRACT_GROUPS,
  type ProjectionContractTestId,
  projectionContractTestIds,
  projectionContractTestIdsOf,
  projectionContractTests,
} from "../src/vitest.js";

const source = join(dirname(fileURLToPath(import.meta.url)), "..", "src");

describe("the projection contract test registry", () => {
  it("holds well over 80 tests, each under its group, with a stable kebab-case id", () => {
    expect(projectionContractTestIds.length).toBeGreaterThanOrEqual(80);
    for (const id of projectionContractTestIds) {
      const test = projectionContractTests[id];
      expect(test.id).toBe(id);
      expect(id.startsWith(`${test.group}.`)).toBe(true);
      expect(id).toMatch(/^[a-z]+(?:[.-][a-z0-9]+)+$/);
      // The isolation tests name their second storage "<id>.second".
      expect(id.endsWith(".second")).toBe(false);
    }
  });

  it("covers every group", () => {
    for (const group of PROJECTION_CONTRACT_GROUPS) expect(projectionContractTestIdsOf(group).length, group).toBeGreaterThan(0);
    expect(PROJECTION_CONTRACT_GROUPS.flatMap((group) => projectionContractTestIdsOf(group)).sort()).toEqual(
      [...projectionContractTestIds].sort(),
    );
  });

  it("keeps skip ids and groups type-checked", () => {
    const skip: Partial<Record<ProjectionContractTestId, string>> = {
      "search.gt.string-code-point-order": "reason",
      // @ts-expect-error: not a projection contract test id
      "search.no-such-test": "reason",
    };
    expect(Object.keys(skip)).toHaveLength(2);
  });

  it("registers every test file", () => {
    const files = readdirSync(join(source, "projection-contract", "tests"));
    const registry = readFileSync(join(source, "projection-contract", "registry.ts"), "utf8");
    for (const file of files) expect(registry, file).toContain(`./tests/${file.replace(/\.ts$/, ".js")}`);
  });
});

describe("describeProjectionStorageAdapter's options", () => {
  const create = async () => {
    throw new Error("not reached: the options are rejected first");
  };

  it("rejects unknown ids and groups, and skips without a reason, after running cleanup", () => {
    let cleanedUp = 0;
    const untyped = (options: Record<string, unknown>) => () =>
      describeProjectionStorageAdapter({
        name: "checked",
        create,
        cleanup: async () => {
          cleanedUp += 1;
        },
        ...options,
      } as DescribeProjectionStorageAdapterOptions);
    expect(untyped({ skip: { "search.no-such-test": "why" } })).toThrow(/unknown contract test id/);
    expect(untyped({ skip: { "search.gt.string-code-point-order": " " } })).toThrow(/needs a reason/);
    expect(untyped({ skipGroups: { teleportation: "why" } })).toThrow(/unknown group/);
    expect(untyped({ skipGroups: { search: "" } })).toThrow(/needs a reason/);
    expect(cleanedUp).toBe(4);
  });
});
