import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  CONTRACT_GROUPS,
  type ContractTestId,
  contractTestIds,
  contractTestIdsOf,
  contractTests,
  type DescribeEventStorageAdapterOptions,
  describeEventStorageAdapter,
} from "../src/vitest.js";

const source = join(dirname(fileURLToPath(import.meta.url)), "..", "src");

describe("the contract test registry", () => {
  it("holds well over 80 tests, each under its group, with a stable kebab-case id", () => {
    expect(contractTestIds.length).toBeGreaterThanOrEqual(80);
    for (const id of contractTestIds) {
      const test = contractTests[id];
      expect(test.id).toBe(id);
      expect(id.startsWith(`${test.group}.`)).toBe(true);
      expect(id).toMatch(/^[a-z]+(?:[.-][a-z0-9]+)+$/);
    }
  });

  it("covers every group", () => {
    for (const group of CONTRACT_GROUPS) expect(contractTestIdsOf(group).length, group).toBeGreaterThan(0);
    expect(CONTRACT_GROUPS.flatMap((group) => contractTestIdsOf(group)).sort()).toEqual([...contractTestIds].sort());
  });

  it("has one tailing-reader, race and interleaving test per serialisation guarantee", () => {
    for (const guarantee of ["log", "category", "stream"] as const) {
      for (const name of ["tailing-reader", "position-is-race", "interleaved-writers"]) {
        const id = `concurrency.${name}.${guarantee}` as ContractTestId;
        expect(contractTests[id]?.serialisationGuarantee, id).toBe(guarantee);
      }
    }
  });

  it("keeps skip ids and groups type-checked", () => {
    const skip: Partial<Record<ContractTestId, string>> = {
      "conditions.position-is.rejects-stale": "reason",
      // @ts-expect-error: not a contract test id
      "conditions.no-such-test": "reason",
    };
    expect(Object.keys(skip)).toHaveLength(2);
  });
});

describe("describeEventStorageAdapter's options", () => {
  const create = async () => {
    throw new Error("not reached: the options are rejected first");
  };

  it("rejects unknown ids and groups, and skips without a reason", () => {
    const untyped = (options: Record<string, unknown>) => () =>
      describeEventStorageAdapter({ name: "checked", create, ...options } as DescribeEventStorageAdapterOptions);
    expect(untyped({ skip: { "conditions.no-such-test": "why" } })).toThrow(/unknown contract test id/);
    expect(untyped({ skip: { "conditions.position-is.rejects-stale": " " } })).toThrow(/needs a reason/);
    expect(untyped({ skipGroups: { teleportation: "why" } })).toThrow(/unknown group/);
    expect(untyped({ skipGroups: { concurrency: "" } })).toThrow(/needs a reason/);
  });

  it("runs cleanup when it rejects the options", () => {
    let cleanedUp = 0;
    const cleanup = async () => {
      cleanedUp += 1;
    };
    expect(() =>
      describeEventStorageAdapter({
        name: "checked",
        create,
        cleanup,
        skip: { "conditions.no-such-test": "why" },
      } as DescribeEventStorageAdapterOptions),
    ).toThrow(/unknown contract test id/);
    expect(cleanedUp).toBe(1);
  });
});

describe("the entry points", () => {
  it("keeps vitest out of everything reachable from src/index.ts", () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, "utf8");
      expect(text, file).not.toMatch(/from\s+["']vitest/);
      for (const match of text.matchAll(/from\s+["'](\.{1,2}\/[^"']+)\.js["']/g)) visit(resolve(dirname(file), `${match[1]}.ts`));
    };
    visit(join(source, "index.ts"));
    expect(seen.size).toBeGreaterThan(1);
  });

  it("registers every contract test file in the registry", () => {
    const files = readdirSync(join(source, "contract", "tests"));
    const registry = readFileSync(join(source, "contract", "registry.ts"), "utf8");
    for (const file of files) expect(registry, file).toContain(`./tests/${file.replace(/\.ts$/, ".js")}`);
  });
});
