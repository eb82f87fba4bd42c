import { allOf, anyOf, noCondition, positionIs, streamExists, streamIsEmpty, type WriteCondition } from "@chronicle/core";
import { expect } from "vitest";
import type { ContractTestContext } from "../contract-test.js";
import { defineTests } from "../define-tests.js";
import { append, events, expectNextPositionsContiguous, expectRejection, read, stream } from "../helpers.js";

const TARGET = stream("accounts", "alice");

/** Seeds `TARGET` with `existing` events, then expects a write under `condition` to succeed. */
function holds(existing: number, condition: WriteCondition) {
  return async ({ adapter }: ContractTestContext) => {
    if (existing > 0) await append(adapter, TARGET, existing);
    const stored = await append(adapter, TARGET, events(2, "conditional"), condition);
    expect(stored.map((event) => event.position)).toEqual([existing, existing + 1]);
    expect((await read(adapter, TARGET)).map((event) => event.position)).toEqual(Array.from({ length: existing + 2 }, (_, index) => index));
  };
}

/**
 * Seeds `TARGET` with `existing` events, then expects a write under `condition`
 * to reject with UNMET_WRITE_CONDITION carrying the facts, and store nothing.
 */
function fails(existing: number, condition: WriteCondition) {
  return async ({ adapter }: ContractTestContext) => {
    const seeded = existing > 0 ? await append(adapter, TARGET, existing) : [];
    const error = await expectRejection(append(adapter, TARGET, events(2, "conditional"), condition), "UNMET_WRITE_CONDITION");
    expect(error).toMatchObject({
      target: { type: "stream", category: TARGET.category, stream: TARGET.stream },
      condition,
      latestPosition: existing > 0 ? existing - 1 : undefined,
    });
    expect((error as { latestPosition?: unknown }).latestPosition).toBe(existing > 0 ? existing - 1 : undefined);
    expect(await read(adapter, TARGET)).toEqual(seeded);
    await expectNextPositionsContiguous(adapter, [TARGET]);
  };
}

/** Write conditions, each holding and failing. */
export const conditionsTests = defineTests("conditions", {
  "conditions.no-condition.empty-stream": holds(0, noCondition()),
  "conditions.no-condition.existing-stream": holds(3, noCondition()),
  "conditions.omitted-means-no-condition": async ({ adapter }) => {
    await append(adapter, TARGET, 2);
    const [stored] = await adapter.save([{ target: TARGET, events: events(1) }]);
    expect(stored?.map((event) => event.position)).toEqual([2]);
  },
  "conditions.stream-is-empty.holds": holds(0, streamIsEmpty()),
  "conditions.stream-is-empty.rejects-existing-stream": fails(1, streamIsEmpty()),
  "conditions.stream-exists.holds": holds(1, streamExists()),
  "conditions.stream-exists.rejects-empty-stream": fails(0, streamExists()),
  "conditions.position-is.holds": holds(4, positionIs(3)),
  "conditions.position-is.holds-at-zero": holds(1, positionIs(0)),
  "conditions.position-is.rejects-stale": fails(5, positionIs(3)),
  "conditions.position-is.rejects-ahead": fails(2, positionIs(7)),
  "conditions.position-is.rejects-empty-stream": fails(0, positionIs(0)),
  "conditions.all-of.holds": holds(3, allOf(streamExists(), positionIs(2))),
  "conditions.all-of.rejects-when-one-fails": fails(3, allOf(streamExists(), positionIs(1))),
  "conditions.all-of.empty-holds": holds(2, allOf()),
  "conditions.any-of.holds-when-one-holds": holds(3, anyOf(streamIsEmpty(), positionIs(2))),
  "conditions.any-of.holds-on-empty-stream": holds(0, anyOf(streamIsEmpty(), positionIs(2))),
  "conditions.any-of.rejects-when-none-holds": fails(2, anyOf(streamIsEmpty(), positionIs(5))),
  "conditions.any-of.empty-rejects": fails(1, anyOf()),
  "conditions.nested.holds": holds(3, anyOf(allOf(streamExists(), positionIs(9)), allOf(positionIs(2), anyOf(streamExists())))),
  "conditions.nested.rejects": fails(3, allOf(anyOf(streamIsEmpty(), positionIs(2)), anyOf(positionIs(0), allOf(streamIsEmpty())))),
  "conditions.per-stream": async ({ adapter }) => {
    // Events in a sibling stream of the same category do not move this stream's position.
    const sibling = stream(TARGET.category, "bob");
    await append(adapter, sibling, 3);
    await append(adapter, TARGET, 1, streamIsEmpty());
    await append(adapter, sibling, 2, positionIs(2));
    const stored = await append(adapter, TARGET, 1, positionIs(0));
    expect(stored.map((event) => event.position)).toEqual([1]);
    await expectRejection(append(adapter, TARGET, 1, positionIs(4)), "UNMET_WRITE_CONDITION");
  },
  "conditions.unmet-stores-nothing": async (context) => {
    const { adapter } = context;
    await append(adapter, TARGET, 2);
    const before = await context.persisted();
    await expectRejection(append(adapter, TARGET, 5, positionIs(0)), "UNMET_WRITE_CONDITION");
    await expectRejection(append(adapter, stream("accounts", "carol"), 5, streamExists()), "UNMET_WRITE_CONDITION");
    expect(await context.persisted()).toEqual(before);
  },
  "conditions.checked-on-a-write-without-events": async ({ adapter }) => {
    await append(adapter, TARGET, 2);
    expect(await adapter.save([{ target: TARGET, events: [], condition: positionIs(1) }])).toEqual([[]]);
    const error = await expectRejection(adapter.save([{ target: TARGET, events: [], condition: positionIs(0) }]), "UNMET_WRITE_CONDITION");
    expect(error).toMatchObject({ latestPosition: 1 });
    expect(await read(adapter, TARGET)).toHaveLength(2);
  },
  "conditions.unmet-is-not-retryable": async ({ adapter }) => {
    await append(adapter, TARGET, 1);
    const error = await expectRejection(append(adapter, TARGET, 1, streamIsEmpty()), "UNMET_WRITE_CONDITION");
    expect(error).toMatchObject({ retryable: false });
  },
});
