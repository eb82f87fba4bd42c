import { type NewEvent, positionIs, streamIsEmpty } from "@chronicle/core";
import { expect } from "vitest";
import { newEvent } from "../../new-event-builder.js";
import type { Random } from "../../random.js";
import { defineTests } from "../define-tests.js";
import { append, expectRejection, read, stream } from "../helpers.js";

const TARGET = stream("carts", "cart-1");
const OTHER = stream("carts", "cart-2");

/** Events with ids, drawn from the test's seeded generator. */
function withIds(random: Random, count: number): NewEvent[] {
  return Array.from({ length: count }, (_, index) =>
    newEvent()
      .withId(random.uuid())
      .withName(`item-added-${index}`)
      .withPayload({ index, sku: random.string() })
      .withMetadata({ attempt: 1 })
      .build(),
  );
}

/** Appends by event id are idempotent (promise 5). */
export const idempotencyTests = defineTests("idempotency", {
  "idempotency.retry-returns-stored-events": async (context) => {
    const { adapter, random } = context;
    const batch = withIds(random, 3);
    const first = await append(adapter, TARGET, batch);
    const before = await context.persisted();
    const retried = await append(adapter, TARGET, batch);
    expect(retried).toEqual(first);
    expect(await context.persisted()).toEqual(before);
  },
  "idempotency.retry-with-position-is": async (context) => {
    const { adapter, random } = context;
    await append(adapter, TARGET, withIds(random, 2));
    const batch = withIds(random, 2);
    const first = await append(adapter, TARGET, batch, positionIs(1));
    // The stream has moved on to position 3, yet the retry returns what the first attempt stored.
    const retried = await append(adapter, TARGET, batch, positionIs(1));
    expect(retried).toEqual(first);
    expect(await read(adapter, TARGET)).toHaveLength(4);
  },
  "idempotency.retry-with-stream-is-empty": async ({ adapter, random }) => {
    const batch = withIds(random, 2);
    const first = await append(adapter, TARGET, batch, streamIsEmpty());
    expect(await append(adapter, TARGET, batch, streamIsEmpty())).toEqual(first);
    expect(await read(adapter, TARGET)).toEqual(first);
  },
  "idempotency.retry-after-later-appends": async ({ adapter, random }) => {
    const batch = withIds(random, 2);
    const first = await append(adapter, TARGET, batch);
    await append(adapter, TARGET, withIds(random, 3));
    expect(await append(adapter, TARGET, batch)).toEqual(first);
    expect(await read(adapter, TARGET)).toHaveLength(5);
  },
  "idempotency.metadata-key-order-does-not-matter": async ({ adapter, random }) => {
    const id = random.uuid();
    const first = await append(adapter, TARGET, [
      { id, name: "tagged", payload: { a: 1, b: [1, { c: 2, d: 3 }] }, metadata: { x: 1, y: 2 } },
    ]);
    const retried = await append(adapter, TARGET, [
      { id, name: "tagged", payload: { b: [1, { d: 3, c: 2 }], a: 1 }, metadata: { y: 2, x: 1 } },
    ]);
    expect(retried).toEqual(first);
  },
  "idempotency.retry-multi-stream": {
    requires: "multiStreamWrites",
    run: async (context) => {
      const { adapter, random } = context;
      const writes = [
        { target: TARGET, events: withIds(random, 2), condition: streamIsEmpty() },
        { target: OTHER, events: withIds(random, 1), condition: streamIsEmpty() },
      ];
      const first = await adapter.save(writes);
      const before = await context.persisted();
      expect(await adapter.save(writes)).toEqual(first);
      expect(await context.persisted()).toEqual(before);
    },
  },
  "idempotency.different-payload-rejects": async (context) => {
    const { adapter, random } = context;
    const [event] = withIds(random, 1) as [NewEvent];
    await append(adapter, TARGET, [event]);
    const before = await context.persisted();
    await expectRejection(append(adapter, TARGET, [{ ...event, payload: { changed: true } }]), "DUPLICATE_EVENT_ID");
    expect(await context.persisted()).toEqual(before);
  },
  "idempotency.different-name-rejects": async (context) => {
    const { adapter, random } = context;
    const [event] = withIds(random, 1) as [NewEvent];
    await append(adapter, TARGET, [event]);
    const before = await context.persisted();
    await expectRejection(append(adapter, TARGET, [{ ...event, name: "something-else" }]), "DUPLICATE_EVENT_ID");
    expect(await context.persisted()).toEqual(before);
  },
  "idempotency.different-metadata-rejects": async (context) => {
    const { adapter, random } = context;
    const [event] = withIds(random, 1) as [NewEvent];
    await append(adapter, TARGET, [event]);
    const before = await context.persisted();
    await expectRejection(append(adapter, TARGET, [{ ...event, metadata: { attempt: 2 } }]), "DUPLICATE_EVENT_ID");
    expect(await context.persisted()).toEqual(before);
  },
  "idempotency.different-stream-rejects": async (context) => {
    const { adapter, random } = context;
    const batch = withIds(random, 2);
    await append(adapter, TARGET, batch);
    const before = await context.persisted();
    await expectRejection(append(adapter, OTHER, batch), "DUPLICATE_EVENT_ID");
    await expectRejection(append(adapter, stream("other-category", TARGET.stream), batch), "DUPLICATE_EVENT_ID");
    expect(await context.persisted()).toEqual(before);
  },
  "idempotency.some-ids-stored-rejects": async (context) => {
    const { adapter, random } = context;
    const batch = withIds(random, 2);
    await append(adapter, TARGET, batch);
    const before = await context.persisted();
    await expectRejection(append(adapter, TARGET, [...batch, ...withIds(random, 1)]), "DUPLICATE_EVENT_ID");
    await expectRejection(append(adapter, TARGET, [...withIds(random, 1), batch[0] as NewEvent]), "DUPLICATE_EVENT_ID");
    expect(await context.persisted()).toEqual(before);
  },
  "idempotency.retry-of-part-of-a-write": async (context) => {
    // Retrying the first event of a stored write alone is a retry of a write of one event that is stored as it was.
    const { adapter, random } = context;
    const batch = withIds(random, 3);
    const first = await append(adapter, TARGET, batch);
    const before = await context.persisted();
    expect(await append(adapter, TARGET, [batch[0] as NewEvent])).toEqual([first[0]]);
    expect(await context.persisted()).toEqual(before);
  },
  "idempotency.different-order-rejects": async (context) => {
    const { adapter, random } = context;
    const batch = withIds(random, 2);
    await append(adapter, TARGET, batch);
    const before = await context.persisted();
    await expectRejection(append(adapter, TARGET, [...batch].reverse()), "DUPLICATE_EVENT_ID");
    expect(await context.persisted()).toEqual(before);
  },
  "idempotency.same-id-twice-in-one-save-rejects": async (context) => {
    const { adapter, random } = context;
    const id = random.uuid();
    await expectRejection(
      append(adapter, TARGET, [
        { id, name: "first", payload: 1 },
        { id, name: "first", payload: 1 },
      ]),
      "INVALID_INPUT",
    );
    expect(await context.persisted()).toEqual([]);
  },
  "idempotency.same-id-in-two-writes-rejects": {
    requires: "multiStreamWrites",
    run: async (context) => {
      const { adapter, random } = context;
      const id = random.uuid();
      await expectRejection(
        adapter.save([
          { target: TARGET, events: [{ id, name: "first", payload: 1 }] },
          { target: OTHER, events: [{ id, name: "first", payload: 1 }] },
        ]),
        "INVALID_INPUT",
      );
      expect(await context.persisted()).toEqual([]);
    },
  },
  "idempotency.duplicate-rejects-whole-save": {
    requires: "multiStreamWrites",
    run: async (context) => {
      const { adapter, random } = context;
      const [event] = withIds(random, 1) as [NewEvent];
      await append(adapter, TARGET, [event]);
      const before = await context.persisted();
      await expectRejection(
        adapter.save([
          { target: OTHER, events: withIds(random, 2) },
          { target: stream("carts", "cart-3"), events: [event] },
        ]),
        "DUPLICATE_EVENT_ID",
      );
      expect(await context.persisted()).toEqual(before);
    },
  },
  "idempotency.checked-before-conditions": async ({ adapter, random }) => {
    // A conflicting id is reported as such, even when the condition fails too.
    const [event] = withIds(random, 1) as [NewEvent];
    await append(adapter, TARGET, [event]);
    await expectRejection(append(adapter, TARGET, [{ ...event, payload: "changed" }], streamIsEmpty()), "DUPLICATE_EVENT_ID");
  },
  "idempotency.duplicate-is-not-retryable": async ({ adapter, random }) => {
    const [event] = withIds(random, 1) as [NewEvent];
    await append(adapter, TARGET, [event]);
    const error = await expectRejection(append(adapter, OTHER, [event]), "DUPLICATE_EVENT_ID");
    expect(error).toMatchObject({ retryable: false });
  },
});
