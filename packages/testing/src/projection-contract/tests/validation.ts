import { type Projection, streamIdentifier } from "@chronicle/core";
import { expect } from "vitest";
import { projection } from "../../projection-builder.js";
import { defineProjectionTests } from "../define-tests.js";
import { expectRejection } from "../helpers.js";
import type { ProjectionContractTestContext } from "../projection-contract-test.js";

const VALID = projection()
  .withName("profile")
  .withId("joe")
  .withSource(streamIdentifier("profiles", "joe"))
  .withState({ name: "Joe" })
  .withVersion(2)
  .withPosition(10n)
  .withEventCount(3)
  .updatedAt(new Date("2025-01-01T00:00:00.000Z"))
  .build();

/**
 * Expects a save of `VALID` with `fields` replaced (raw values, cast because
 * they break the types on purpose) to reject with INVALID_INPUT after a valid
 * projection was stored, and to change nothing.
 */
function saveWith(fields: () => Record<string, unknown>) {
  return async ({ store, persisted }: ProjectionContractTestContext): Promise<void> => {
    await store.save(VALID);
    const before = await persisted();
    const bad = { ...VALID, state: { name: "changed" }, version: 9, ...fields() };
    await expectRejection(store.save(bad as Projection), "INVALID_INPUT");
    expect(await store.load({ name: "profile", id: "joe" }), "the stored projection is unchanged").toEqual(VALID);
    expect(await persisted(), "nothing else was stored").toEqual(before);
  };
}

function withState(make: () => unknown) {
  return saveWith(() => ({ state: make() }));
}

/** Bad projections and keys are rejected with INVALID_INPUT before anything is written. */
export const validationTests = defineProjectionTests("validation", {
  "validation.name.empty": saveWith(() => ({ name: "" })),
  "validation.name.not-a-string": saveWith(() => ({ name: 5 })),
  "validation.id.empty": saveWith(() => ({ id: "" })),
  "validation.id.not-a-string": saveWith(() => ({ id: ["joe"] })),
  "validation.source.unknown-type": saveWith(() => ({ source: { type: "everything" } })),
  "validation.source.empty-stream": saveWith(() => ({ source: { type: "stream", category: "profiles", stream: "" } })),
  "validation.state.undefined": withState(() => undefined),
  "validation.state.nested-undefined": withState(() => ({ present: 1, absent: undefined })),
  "validation.state.function": withState(() => ({ callback: () => 1 })),
  "validation.state.nan": withState(() => ({ value: Number.NaN })),
  "validation.state.infinity": withState(() => [1, Number.POSITIVE_INFINITY]),
  "validation.state.bigint": withState(() => ({ amount: 10n })),
  "validation.state.date": withState(() => ({ when: new Date(0) })),
  "validation.state.cycle": withState(() => {
    const node: Record<string, unknown> = { name: "loop" };
    node.self = node;
    return node;
  }),
  "validation.version.not-a-positive-integer": async (context) => {
    for (const version of [0, -1, 1.5, Number.NaN, "2", undefined]) await saveWith(() => ({ version }))(context);
  },
  "validation.position.not-a-non-negative-bigint": async (context) => {
    for (const position of [-1n, 5, "5", null, Number.NaN]) await saveWith(() => ({ position }))(context);
  },
  "validation.event-count.not-a-non-negative-integer": async (context) => {
    for (const eventCount of [-1, 1.5, Number.NaN, "3", undefined]) await saveWith(() => ({ eventCount }))(context);
  },
  "validation.updated-at.not-a-valid-date": async (context) => {
    for (const updatedAt of [new Date(Number.NaN), "2025-01-01T00:00:00.000Z", 1_700_000_000_000, null]) {
      await saveWith(() => ({ updatedAt }))(context);
    }
  },
  "validation.not-an-object": async ({ store }) => {
    for (const bad of [undefined, null, "profile/joe", 42, []]) await expectRejection(store.save(bad as never), "INVALID_INPUT");
  },
  "validation.keys": async ({ store }) => {
    await store.save(VALID);
    for (const key of [{ name: "", id: "joe" }, { name: "profile", id: "" }, { name: "profile" }, { id: "joe" }, null, "profile/joe"]) {
      await expectRejection(store.load(key as never), "INVALID_INPUT");
      await expectRejection(store.delete(key as never), "INVALID_INPUT");
    }
    await expectRejection(store.locate({ name: "", source: VALID.source }), "INVALID_INPUT");
    await expectRejection(store.locate({ name: "profile", source: { type: "stream", category: "", stream: "joe" } }), "INVALID_INPUT");
    await expectRejection(store.locate({ name: "profile", source: { type: "nowhere" } } as never), "INVALID_INPUT");
    expect(await store.load({ name: "profile", id: "joe" }), "a rejected delete deletes nothing").toEqual(VALID);
  },
  "validation.calls-reject-rather-than-throw": async ({ store }) => {
    for (const [name, call] of [
      ["save", () => store.save({ ...VALID, version: -1 })],
      ["load", () => store.load({ name: "", id: "" })],
      ["locate", () => store.locate({ name: "", source: VALID.source })],
      ["delete", () => store.delete({ name: "", id: "" })],
    ] as const) {
      let pending: Promise<unknown> | undefined;
      expect(() => {
        pending = call();
      }, `${name}() must return a rejected promise, not throw synchronously`).not.toThrow();
      await expectRejection(pending as Promise<unknown>, "INVALID_INPUT");
    }
  },
});
