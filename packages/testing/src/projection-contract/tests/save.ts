import type { Projection } from "@chronicle/core";
import { expect } from "vitest";
import { projection } from "../../projection-builder.js";
import { defineProjectionTests } from "../define-tests.js";
import type { ProjectionContractTestContext } from "../projection-contract-test.js";

/** A `profile/joe` projection at a version and position, with a state that tells saves apart. */
function joe(version: number, position: bigint | undefined, label: string): Projection {
  return projection()
    .withName("profile")
    .withId("joe")
    .withVersion(version)
    .withPosition(position)
    .withEventCount(position === undefined ? 0 : 1)
    .updatedAt(position === undefined ? undefined : new Date(Number(position % 1_000_000n)))
    .withState({ label })
    .build();
}

/** Saves `first`, then expects saving `second` to resolve `stored` and to leave the winner loaded (and persisted). */
function saveOver(first: Projection, second: Projection, stored: boolean) {
  return async (context: ProjectionContractTestContext): Promise<void> => {
    expect(await context.store.save(first), "the first save").toBe(true);
    expect(await context.store.save(second), `the second save is ${stored ? "stored" : "ignored as older"}`).toBe(stored);
    const winner = stored ? second : first;
    expect(await context.store.load({ name: "profile", id: "joe" })).toEqual(winner);
    const persisted = await context.persisted();
    if (persisted !== undefined) expect(persisted, "exactly the winner is persisted").toEqual([winner]);
  };
}

/** Keys of (version, position) in the order saves may not go back on. */
function later(left: Projection, right: Projection): boolean {
  if (left.version !== right.version) return left.version > right.version;
  if (left.position === right.position) return false;
  if (right.position === undefined) return true;
  if (left.position === undefined) return false;
  return left.position > right.position;
}

/** `save` stores, overwrites, and never moves a projection backwards. */
export const saveTests = defineProjectionTests("save", {
  "save.new-projection-resolves-true": async ({ store }) => {
    expect(await store.save(joe(1, 5n, "first"))).toBe(true);
    expect(await store.load({ name: "profile", id: "joe" })).toEqual(joe(1, 5n, "first"));
  },
  "save.higher-version-wins-over-later-position": saveOver(joe(2, 5n, "v2"), joe(1, 500n, "v1 later"), false),
  "save.higher-version-replaces-earlier-position": saveOver(joe(1, 500n, "v1"), joe(2, 5n, "v2 earlier"), true),
  "save.higher-version-replaces-defined-position": saveOver(joe(1, 500n, "v1"), joe(2, undefined, "v2 unfolded"), true),
  "save.same-version-later-position-wins": saveOver(joe(1, 10n, "at 10"), joe(1, 20n, "at 20"), true),
  "save.same-version-earlier-position-ignored": saveOver(joe(1, 20n, "at 20"), joe(1, 10n, "at 10"), false),
  "save.undefined-position-is-before-every-position": async (context) => {
    await saveOver(joe(1, 0n, "at 0"), joe(1, undefined, "unfolded"), false)(context);
    expect(await context.store.save(joe(1, 1n, "at 1"))).toBe(true);
  },
  "save.position-after-undefined-wins": saveOver(joe(1, undefined, "unfolded"), joe(1, 0n, "at 0"), true),
  "save.equal-version-and-position-overwrites": saveOver(joe(3, 42n, "before"), joe(3, 42n, "after"), true),
  "save.equal-undefined-positions-overwrite": saveOver(joe(1, undefined, "before"), joe(1, undefined, "after"), true),
  "save.retried-save-is-harmless": async ({ store }) => {
    const item = joe(2, 9n, "retried");
    expect(await store.save(item)).toBe(true);
    expect(await store.save(item)).toBe(true);
    expect(await store.save(structuredClone(item))).toBe(true);
    expect(await store.load({ name: "profile", id: "joe" })).toEqual(item);
  },
  "save.positions-compared-as-integers": async (context) => {
    // As text "9" > "10"; as doubles 2^53 + 1 equals 2^53.
    await saveOver(joe(1, 10n, "at 10"), joe(1, 9n, "at 9"), false)(context);
    expect(await context.store.save(joe(1, 2n ** 53n, "at 2^53"))).toBe(true);
    expect(await context.store.save(joe(1, 2n ** 53n + 1n, "at 2^53 + 1"))).toBe(true);
    expect(await context.store.save(joe(1, 2n ** 53n, "at 2^53 again"))).toBe(false);
    expect((await context.store.load({ name: "profile", id: "joe" }))?.state).toEqual({ label: "at 2^53 + 1" });
  },
  "save.versions-compared-as-numbers": async (context) => {
    await saveOver(joe(10, 1n, "v10"), joe(9, 2n, "v9"), false)(context);
    expect(await context.store.save(joe(11, 1n, "v11"))).toBe(true);
  },
  "save.ignored-save-changes-nothing": async (context) => {
    const stored = joe(2, 100n, "kept");
    await context.store.save(stored);
    await context.store.save(projection().withName("profile").withId("jane").withState({ other: true }).build());
    const before = await context.persisted();
    const older = { ...joe(1, 900n, "older version"), source: { type: "log" as const }, eventCount: 77 };
    expect(await context.store.save(older)).toBe(false);
    expect(await context.store.save(joe(2, 99n, "earlier position"))).toBe(false);
    expect(await context.store.load({ name: "profile", id: "joe" })).toEqual(stored);
    if (before !== undefined) expect(await context.persisted()).toEqual(before);
  },
  "save.keys-are-name-and-id": async ({ store }) => {
    expect(await store.save(joe(5, 50n, "profile joe"))).toBe(true);
    const sameIdOtherName = { ...joe(1, 1n, "account joe"), name: "account" };
    const sameNameOtherId = { ...joe(1, 1n, "profile jane"), id: "jane" };
    expect(await store.save(sameIdOtherName), "another name is another projection").toBe(true);
    expect(await store.save(sameNameOtherId), "another id is another projection").toBe(true);
    expect(await store.load({ name: "profile", id: "joe" })).toEqual(joe(5, 50n, "profile joe"));
    expect(await store.load({ name: "account", id: "joe" })).toEqual(sameIdOtherName);
    expect(await store.load({ name: "profile", id: "jane" })).toEqual(sameNameOtherId);
  },
  "save.adapter-direct": async ({ adapter }) => {
    // As the store hands it over: validated, with the state serialised beside it.
    const prepared = (item: Projection) => ({ ...item, stateJson: JSON.stringify(item.state) });
    expect(await adapter.save(prepared(joe(2, 5n, "v2")))).toBe(true);
    expect(await adapter.save(prepared(joe(1, 9n, "v1")))).toBe(false);
    expect(await adapter.save(prepared(joe(2, 4n, "v2 earlier")))).toBe(false);
    expect(await adapter.save(prepared(joe(2, 5n, "v2 again")))).toBe(true);
    const loaded = await adapter.load({ name: "profile", id: "joe" });
    expect(loaded).toEqual(joe(2, 5n, "v2 again"));
    expect(loaded !== undefined && "stateJson" in loaded, "load returns a Projection, without stateJson").toBe(false);
    expect(await adapter.delete({ name: "profile", id: "joe" })).toBe(true);
    expect(await adapter.delete({ name: "profile", id: "joe" })).toBe(false);
  },
  "save.concurrent-saves-never-move-back": async ({ store, random }) => {
    for (let round = 0; round < 5; round += 1) {
      const id = `racer-${round}`;
      const candidates = random
        .shuffle(
          Array.from({ length: 12 }, (_, index) => ({ version: 1 + (index % 3), position: BigInt(Math.floor(index / 3) * 10 + round) })),
        )
        .map(({ version, position }) => ({ ...joe(version, position, `v${version}@${position}`), id }));
      const results = await Promise.all(candidates.map((item) => store.save(item)));
      const best = candidates.reduce((winner, item) => (later(item, winner) ? item : winner));
      expect(results[candidates.indexOf(best)], "the latest save resolves true").toBe(true);
      expect(await store.load({ name: "profile", id }), "the latest (version, position) is what stays").toEqual(best);
    }
  },
  "save.concurrent-saves-of-many-keys": async ({ store }) => {
    const items = Array.from({ length: 40 }, (_, index) => ({ ...joe(1, BigInt(index), `n${index}`), id: `joe-${index}` }));
    const results = await Promise.all(items.map((item) => store.save(item)));
    expect(results.every((result) => result)).toBe(true);
    for (const item of items) expect(await store.load({ name: "profile", id: item.id })).toEqual(item);
  },
  "save.random-sequences-never-move-back": async ({ store, random }) => {
    const latest = new Map<string, Projection>();
    for (let step = 0; step < 150; step += 1) {
      const id = `key-${random.integer(0, 4)}`;
      const position = random.next() < 0.15 ? undefined : BigInt(random.integer(0, 20));
      const item = { ...joe(random.integer(1, 3), position, `step ${step}`), id };
      const previous = latest.get(id);
      const expected = previous === undefined || !later(previous, item);
      expect(await store.save(item), `step ${step}: save of ${id} at v${item.version}@${position}`).toBe(expected);
      if (expected) latest.set(id, item);
    }
    for (const [id, item] of latest) expect(await store.load({ name: "profile", id }), id).toEqual(item);
  },
});
