import { categoryIdentifier, logIdentifier, type NewEvent, type StreamWrite, type WriteCondition } from "@chronicle/core";
import { expect } from "vitest";
import type { ContractTestContext } from "../contract-test.js";
import { defineTests } from "../define-tests.js";
import { append, events, expectRejection, read, stream } from "../helpers.js";

const TARGET = stream("forms", "f-1");
const TOO_LONG = "x".repeat(256);
// 256 characters outside the Basic Multilingual Plane: too long however they are counted.
const TOO_LONG_ASTRAL = "🎉".repeat(256);

/**
 * Expects a save of `writes` (built from the values under test, cast because
 * they break the types on purpose) to reject with INVALID_INPUT, after a valid
 * event was stored, and to store nothing more.
 */
function rejects(writes: () => unknown[]) {
  return async (context: ContractTestContext) => {
    await append(context.adapter, TARGET, 1);
    const before = await context.persisted();
    await expectRejection(context.adapter.save(writes() as StreamWrite[]), "INVALID_INPUT");
    expect(await context.persisted()).toEqual(before);
  };
}

/** A save of one event (given as raw fields, so invalid values pass the types) to `TARGET`. */
function withEvent(event: Record<string, unknown>) {
  return rejects(() => [{ target: TARGET, events: [{ name: "valid-name", payload: {}, ...event }] }]);
}

function withPayload(make: () => unknown) {
  return rejects(() => [{ target: TARGET, events: [{ name: "bad-payload", payload: make() }] }]);
}

function withMetadata(make: () => unknown) {
  return rejects(() => [{ target: TARGET, events: [{ name: "bad-metadata", payload: {}, metadata: make() }] }]);
}

function withCondition(condition: unknown) {
  return rejects(() => [{ target: TARGET, events: events(1), condition: condition as WriteCondition }]);
}

function withTarget(category: string, name: string) {
  return rejects(() => [{ target: { type: "stream", category, stream: name }, events: events(1) }]);
}

/** Bad input is rejected with INVALID_INPUT before anything is written (promise 7). */
export const validationTests = defineTests("validation", {
  "validation.category-name.empty": withTarget("", "s"),
  "validation.category-name.too-long": withTarget(TOO_LONG, "s"),
  "validation.category-name.too-long-astral": withTarget(TOO_LONG_ASTRAL, "s"),
  "validation.stream-name.empty": withTarget("forms", ""),
  "validation.stream-name.too-long": withTarget("forms", TOO_LONG),
  "validation.event-name.empty": withEvent({ name: "" }),
  "validation.event-name.too-long": withEvent({ name: TOO_LONG }),
  "validation.event-name.missing": withEvent({ name: undefined }),
  "validation.event-id.empty": withEvent({ id: "" }),
  "validation.payload.undefined": withPayload(() => undefined),
  "validation.payload.nested-undefined": withPayload(() => ({ present: 1, absent: undefined })),
  "validation.payload.function": withPayload(() => ({ callback: () => 1 })),
  "validation.payload.nan": withPayload(() => ({ value: Number.NaN })),
  "validation.payload.infinity": withPayload(() => [1, Number.POSITIVE_INFINITY]),
  "validation.payload.negative-infinity": withPayload(() => Number.NEGATIVE_INFINITY),
  "validation.payload.bigint": withPayload(() => ({ amount: 10n })),
  "validation.payload.symbol": withPayload(() => ({ tag: Symbol("tag") })),
  "validation.payload.cycle": withPayload(() => {
    const node: Record<string, unknown> = { name: "loop" };
    node.self = node;
    return node;
  }),
  "validation.payload.date": withPayload(() => ({ when: new Date("2020-01-01T00:00:00.000Z") })),
  "validation.payload.map": withPayload(() => new Map([["key", "value"]])),
  "validation.payload.class-instance": withPayload(() => {
    class Money {
      constructor(readonly amount: number) {}
    }
    return { price: new Money(3) };
  }),
  "validation.metadata.not-json": withMetadata(() => ({ actor: () => "me" })),
  "validation.metadata.nan": withMetadata(() => ({ score: Number.NaN })),
  "validation.metadata.array": withMetadata(() => ["not", "an", "object"]),
  "validation.metadata.string": withMetadata(() => "not an object"),
  "validation.occurred-at.invalid-date": withEvent({ occurredAt: new Date(Number.NaN) }),
  "validation.observed-at.invalid-date": withEvent({ observedAt: new Date("not a date") }),
  "validation.occurred-at.not-a-date": withEvent({ occurredAt: "2020-01-01T00:00:00.000Z" }),
  "validation.observed-at.not-a-date": withEvent({ observedAt: 1_600_000_000_000 }),
  "validation.position-is.negative": withCondition({ type: "positionIs", position: -1 }),
  "validation.position-is.fraction": withCondition({ type: "positionIs", position: 1.5 }),
  "validation.position-is.nan": withCondition({ type: "positionIs", position: Number.NaN }),
  "validation.position-is.not-a-number": withCondition({ type: "positionIs", position: "3" }),
  "validation.position-is.nested-invalid": withCondition({
    type: "anyOf",
    conditions: [{ type: "streamExists" }, { type: "positionIs", position: -2 }],
  }),
  "validation.condition.unknown-type": withCondition({ type: "streamIsFull" }),
  "validation.condition.not-an-object": withCondition("streamIsEmpty"),
  "validation.target.not-a-stream": rejects(() => [{ target: categoryIdentifier("forms"), events: events(1) }]),
  "validation.bad-event-among-good-ones": rejects(() => [
    { target: TARGET, events: [...events(3), { name: "late-bad", payload: { n: Number.NaN } }] },
  ]),
  "validation.events-not-an-array": rejects(() => [{ target: TARGET, events: { name: "not-a-list", payload: {} } }]),
  "validation.bad-event-after-valid-write": {
    requires: "multiStreamWrites",
    run: rejects(() => [
      { target: stream("forms", "f-2"), events: events(2) },
      { target: TARGET, events: [{ name: "bad", payload: undefined }] as unknown as NewEvent[] },
    ]),
  },
  "validation.scan-target": async ({ adapter }) => {
    await expectRejection(read(adapter, categoryIdentifier("")), "INVALID_INPUT");
    await expectRejection(read(adapter, stream("forms", TOO_LONG)), "INVALID_INPUT");
    await expectRejection(read(adapter, { type: "everything" } as unknown as ReturnType<typeof logIdentifier>), "INVALID_INPUT");
  },
  "validation.calls-reject-rather-than-throw": async ({ adapter }) => {
    // Callers write `adapter.latest(x).catch(…)` and `for await (… of adapter.scan(x))`: a synchronous
    // throw escapes both, so every failure must arrive through the promise or the iteration.
    const badTarget = { type: "everything" } as unknown as ReturnType<typeof logIdentifier>;
    let latest: Promise<unknown> | undefined;
    expect(() => {
      latest = adapter.latest(badTarget);
    }, "latest() must not throw synchronously: return a rejected promise (declare it async)").not.toThrow();
    await expectRejection(latest as Promise<unknown>, "INVALID_INPUT");
    let saved: Promise<unknown> | undefined;
    expect(() => {
      saved = adapter.save([{ target: badTarget, events: events(1) }] as never);
    }, "save() must not throw synchronously: return a rejected promise (declare it async)").not.toThrow();
    await expectRejection(saved as Promise<unknown>, "INVALID_INPUT");
    for (const [target, options] of [
      [badTarget, undefined],
      [logIdentifier(), { limit: -1 }],
    ] as const) {
      let iterable: AsyncIterable<unknown> | undefined;
      expect(() => {
        iterable = adapter.scan(target, options);
      }, "scan() must not throw synchronously: return an iterable whose first step rejects (an async generator does this)").not.toThrow();
      await expectRejection(async () => {
        for await (const _ of iterable as AsyncIterable<unknown>) {
          // Nothing may be yielded for bad input.
        }
      }, "INVALID_INPUT");
    }
  },
  "validation.scan-options": async ({ adapter }) => {
    await append(adapter, TARGET, 2);
    const bad: Record<string, unknown>[] = [
      { limit: -1 },
      { limit: 1.5 },
      { pageSize: 0 },
      { after: 3 },
      { before: "5" },
      { direction: "sideways" },
      { names: [""] },
    ];
    for (const options of bad) {
      await expectRejection(read(adapter, logIdentifier(), options), "INVALID_INPUT");
    }
  },
});
