import type { ScanOptions, StoredEvent } from "@chronicle/core";
import { expect } from "vitest";
import type { ContractGroup, ContractTest, ContractTestContext } from "../contract-test.js";
import { defineTests } from "../define-tests.js";
import { abortedSignal, append, collect, events, expectRejection, read, stream } from "../helpers.js";
import { expectedScan, type ScanTargetKind, seedWorld, WORLD_STREAMS, worldTarget } from "../scan-world.js";

/** The scan tests every target kind gets. */
const COMMON = [
  "forwards",
  "backwards",
  "empty",
  "after",
  "before",
  "after-and-before",
  "after-backwards",
  "before-backwards",
  "after-last",
  "names",
  "names-several",
  "names-unknown",
  "limit",
  "limit-zero",
  "limit-backwards",
  "limit-above-count",
  "page-size",
  "page-size-backwards",
  "page-size-with-names-and-limit",
  "combined",
  "signal-aborted",
  "signal-aborted-during-iteration",
] as const;

type CommonScanTest = (typeof COMMON)[number];

/** Checks a scan of the world's target against the reference model. */
async function expectScan(context: ContractTestContext, kind: ScanTargetKind, options: ScanOptions): Promise<StoredEvent[]> {
  const world = await seedWorld(context.adapter);
  const target = worldTarget(kind);
  const expected = expectedScan(world, target, options);
  expect(await read(context.adapter, target, options)).toEqual(expected);
  return world;
}

/** Sequence number of the world's event at an index in the target's own order. */
function sequenceAt(world: readonly StoredEvent[], kind: ScanTargetKind, index: number): bigint {
  const event = expectedScan(world, worldTarget(kind))[index];
  if (event === undefined) throw new Error(`the scan world has no event ${index} in the ${kind}`);
  return event.sequenceNumber;
}

/** The scan tests every target kind shares, registered as `<group>.<name>` against that kind's world target. */
function commonScanTests<G extends ContractGroup & `scan.${string}`>(
  group: G,
  kind: ScanTargetKind,
): Record<`${G}.${CommonScanTest}`, ContractTest> {
  const check = (optionsFor: (world: StoredEvent[]) => ScanOptions) => async (context: ContractTestContext) => {
    const world = await seedWorld(context.adapter);
    const target = worldTarget(kind);
    const options = optionsFor(world);
    const expected = expectedScan(world, target, options);
    expect(await read(context.adapter, target, options), `scan(${kind}, ${describeOptions(options)})`).toEqual(expected);
  };
  const bodies: Record<CommonScanTest, (context: ContractTestContext) => Promise<void>> = {
    forwards: async (context) => {
      const world = await expectScan(context, kind, {});
      expect(await read(context.adapter, worldTarget(kind), { direction: "forwards" })).toEqual(expectedScan(world, worldTarget(kind)));
    },
    backwards: check(() => ({ direction: "backwards" })),
    empty: async (context) => {
      const target =
        kind === "log"
          ? worldTarget("log")
          : kind === "category"
            ? { type: "category" as const, category: "nothing-here" }
            : stream("orders", "nobody");
      if (kind !== "log") await seedWorld(context.adapter);
      expect(await read(context.adapter, target)).toEqual([]);
      expect(await read(context.adapter, target, { direction: "backwards" })).toEqual([]);
    },
    after: check((world) => ({ after: sequenceAt(world, kind, 2) })),
    before: check((world) => ({ before: sequenceAt(world, kind, 5) })),
    "after-and-before": check((world) => ({ after: sequenceAt(world, kind, 1), before: sequenceAt(world, kind, 6) })),
    "after-backwards": check((world) => ({ after: sequenceAt(world, kind, 3), direction: "backwards" })),
    "before-backwards": check((world) => ({ before: sequenceAt(world, kind, 7), direction: "backwards" })),
    "after-last": async (context) => {
      const world = await seedWorld(context.adapter);
      const last = expectedScan(world, worldTarget("log")).at(-1)?.sequenceNumber ?? 0n;
      expect(await read(context.adapter, worldTarget(kind), { after: last })).toEqual([]);
      expect(await read(context.adapter, worldTarget(kind), { after: last, direction: "backwards" })).toEqual([]);
    },
    names: check(() => ({ names: ["shipped"] })),
    "names-several": check(() => ({ names: ["placed", "paid"], direction: "backwards" })),
    "names-unknown": check(() => ({ names: ["never-happened"] })),
    limit: check(() => ({ limit: 3 })),
    "limit-zero": async (context) => {
      await seedWorld(context.adapter);
      expect(await read(context.adapter, worldTarget(kind), { limit: 0 })).toEqual([]);
      expect(await read(context.adapter, worldTarget(kind), { limit: 0, direction: "backwards" })).toEqual([]);
    },
    "limit-backwards": check(() => ({ limit: 2, direction: "backwards" })),
    "limit-above-count": check(() => ({ limit: 1000 })),
    "page-size": async (context) => {
      const world = await seedWorld(context.adapter);
      const target = worldTarget(kind);
      const expected = expectedScan(world, target);
      // Page sizes that divide the count, that do not, and that equal it.
      for (const pageSize of [1, 2, 3, 5, expected.length, expected.length + 1]) {
        expect(await read(context.adapter, target, { pageSize }), `pageSize ${pageSize}`).toEqual(expected);
      }
    },
    "page-size-backwards": async (context) => {
      const world = await seedWorld(context.adapter);
      const target = worldTarget(kind);
      const expected = expectedScan(world, target, { direction: "backwards" });
      for (const pageSize of [1, 2, 4, expected.length]) {
        expect(await read(context.adapter, target, { pageSize, direction: "backwards" }), `pageSize ${pageSize}`).toEqual(expected);
      }
    },
    "page-size-with-names-and-limit": async (context) => {
      const world = await seedWorld(context.adapter);
      const target = worldTarget(kind);
      for (const direction of ["forwards", "backwards"] as const) {
        for (const pageSize of [1, 2, 3]) {
          const options: ScanOptions = { direction, pageSize, names: ["placed", "paid"], limit: 4 };
          expect(await read(context.adapter, target, options), describeOptions(options)).toEqual(expectedScan(world, target, options));
        }
      }
    },
    combined: async (context) => {
      const world = await seedWorld(context.adapter);
      const target = worldTarget(kind);
      const after = sequenceAt(world, kind, 1);
      const before = sequenceAt(world, kind, 10);
      for (const direction of ["forwards", "backwards"] as const) {
        const options: ScanOptions = { direction, after, before, names: ["placed", "shipped"], limit: 3, pageSize: 2 };
        expect(await read(context.adapter, target, options), describeOptions(options)).toEqual(expectedScan(world, target, options));
      }
    },
    "signal-aborted": async (context) => {
      await seedWorld(context.adapter);
      const { signal, reason } = abortedSignal();
      await expect(read(context.adapter, worldTarget(kind), { signal })).rejects.toBe(reason);
    },
    "signal-aborted-during-iteration": async (context) => {
      const world = await seedWorld(context.adapter);
      const target = worldTarget(kind);
      const controller = new AbortController();
      const reason = new Error("Chronicle contract suite: scan aborted on purpose");
      const seen: StoredEvent[] = [];
      let failure: unknown;
      try {
        for await (const event of context.adapter.scan(target, { signal: controller.signal, pageSize: 2 })) {
          seen.push(event);
          if (seen.length === 1) controller.abort(reason);
        }
      } catch (error) {
        failure = error;
      }
      expect(failure, "the iteration rejects with the signal's reason").toBe(reason);
      expect(seen.length).toBeLessThan(expectedScan(world, target).length);
    },
  };
  const tests: Record<string, ContractTest> = {};
  for (const name of COMMON) tests[`${group}.${name}`] = { id: `${group}.${name}`, group, run: bodies[name] };
  return tests as Record<`${G}.${CommonScanTest}`, ContractTest>;
}

function describeOptions(options: ScanOptions): string {
  return JSON.stringify(options, (_, value) => (typeof value === "bigint" ? `${value}n` : value));
}

/** Scans of one stream. */
export const scanStreamTests = {
  ...commonScanTests("scan.stream", "stream"),
  ...defineTests("scan.stream", {
    "scan.stream.from-position": async (context) => {
      await expectScan(context, "stream", { fromPosition: 5 });
    },
    "scan.stream.to-position": async (context) => {
      await expectScan(context, "stream", { toPosition: 4 });
    },
    "scan.stream.from-and-to-position": async (context) => {
      await expectScan(context, "stream", { fromPosition: 3, toPosition: 8 });
    },
    "scan.stream.same-from-and-to-position": async (context) => {
      const world = await expectScan(context, "stream", { fromPosition: 4, toPosition: 4 });
      expect(expectedScan(world, WORLD_STREAMS.main, { fromPosition: 4, toPosition: 4 })).toHaveLength(1);
    },
    "scan.stream.positions-backwards": async (context) => {
      await expectScan(context, "stream", { fromPosition: 2, toPosition: 9, direction: "backwards" });
    },
    "scan.stream.positions-with-page-size-and-limit": async (context) => {
      const world = await seedWorld(context.adapter);
      for (const direction of ["forwards", "backwards"] as const) {
        for (const pageSize of [1, 2, 5]) {
          const options: ScanOptions = { direction, fromPosition: 1, toPosition: 10, pageSize, limit: 7, names: ["placed", "shipped"] };
          expect(await read(context.adapter, WORLD_STREAMS.main, options), describeOptions(options)).toEqual(
            expectedScan(world, WORLD_STREAMS.main, options),
          );
        }
      }
    },
    "scan.stream.positions-beyond-end": async (context) => {
      await expectScan(context, "stream", { fromPosition: 100 });
    },
    "scan.stream.to-position-below-from-position": async (context) => {
      await expectScan(context, "stream", { fromPosition: 6, toPosition: 2 });
    },
    "scan.stream.only-its-own-events": async (context) => {
      const world = await seedWorld(context.adapter);
      const events = await read(context.adapter, WORLD_STREAMS.sibling);
      expect(events).toEqual(expectedScan(world, WORLD_STREAMS.sibling));
      expect(events.every((event) => event.category === "orders" && event.stream === "o-2")).toBe(true);
      expect(await read(context.adapter, WORLD_STREAMS.prefixed)).toEqual(expectedScan(world, WORLD_STREAMS.prefixed));
    },
    "scan.stream.not-matched-by-prefix": async ({ adapter }) => {
      const names = ["o", "o-1", "o-10", "o-1 ", "O-1"];
      const saved = new Map<string, StoredEvent[]>();
      for (const [index, name] of names.entries()) saved.set(name, await append(adapter, stream("orders", name), events(index + 1, name)));
      for (const name of names) {
        expect(await read(adapter, stream("orders", name)), name).toEqual(saved.get(name));
        expect(await adapter.latest(stream("orders", name)), name).toEqual(saved.get(name)?.at(-1));
      }
    },
    "scan.stream.position-options-invalid": async (context) => {
      await seedWorld(context.adapter);
      await expectRejection(read(context.adapter, WORLD_STREAMS.main, { fromPosition: -1 }), "INVALID_INPUT");
      await expectRejection(read(context.adapter, WORLD_STREAMS.main, { toPosition: 1.5 }), "INVALID_INPUT");
    },
  }),
};

/** Scans of one category. */
export const scanCategoryTests = {
  ...commonScanTests("scan.category", "category"),
  ...defineTests("scan.category", {
    "scan.category.position-options-rejected": async (context) => {
      await seedWorld(context.adapter);
      const target = worldTarget("category");
      await expectRejection(read(context.adapter, target, { fromPosition: 0 }), "INVALID_INPUT");
      await expectRejection(read(context.adapter, target, { toPosition: 3 }), "INVALID_INPUT");
    },
    "scan.category.not-matched-by-prefix": async (context) => {
      const world = await seedWorld(context.adapter);
      const archive = { type: "category" as const, category: "orders-archive" };
      expect(await read(context.adapter, archive)).toEqual(expectedScan(world, archive));
      const events = await read(context.adapter, worldTarget("category"));
      expect(events.some((event) => event.category !== "orders")).toBe(false);
    },
  }),
};

/** Scans of the whole log. */
export const scanLogTests = {
  ...commonScanTests("scan.log", "log"),
  ...defineTests("scan.log", {
    "scan.log.position-options-rejected": async (context) => {
      await seedWorld(context.adapter);
      await expectRejection(read(context.adapter, worldTarget("log"), { fromPosition: 0 }), "INVALID_INPUT");
      await expectRejection(read(context.adapter, worldTarget("log"), { toPosition: 3 }), "INVALID_INPUT");
    },
    "scan.log.every-event-once": async (context) => {
      const world = await seedWorld(context.adapter);
      const events = await collect(context.adapter.scan(worldTarget("log"), { pageSize: 7 }));
      expect(new Set(events.map((event) => event.id)).size).toBe(world.length);
      expect(events).toEqual(expectedScan(world, worldTarget("log")));
    },
    "scan.log.beyond-the-default-page-size": {
      timeout: 60_000,
      run: async ({ adapter }) => {
        // More events than any sensible default page, read without a pageSize, in both directions.
        const saved: StoredEvent[] = [];
        for (let batch = 0; batch < 3; batch += 1)
          saved.push(...(await append(adapter, stream("bulk", `b-${batch}`), events(400, "bulk", batch * 400))));
        expect(await read(adapter, worldTarget("log"))).toEqual(saved);
        expect(await read(adapter, worldTarget("log"), { direction: "backwards" })).toEqual([...saved].reverse());
        expect(await read(adapter, { type: "category", category: "bulk" }, { after: saved[99]?.sequenceNumber })).toEqual(saved.slice(100));
      },
    },
  }),
};
