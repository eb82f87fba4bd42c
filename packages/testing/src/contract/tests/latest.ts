import { categoryIdentifier, logIdentifier } from "@chronicle/core";
import { expect } from "vitest";
import { defineTests } from "../define-tests.js";
import { append, read } from "../helpers.js";
import { seedWorld, WORLD_STREAMS, worldTarget } from "../scan-world.js";

/** `latest()` on every kind of target. */
export const latestTests = defineTests("latest", {
  "latest.stream.empty": async ({ adapter }) => {
    expect(await adapter.latest(WORLD_STREAMS.main)).toBeUndefined();
    await append(adapter, WORLD_STREAMS.sibling, 2);
    expect(await adapter.latest(WORLD_STREAMS.main)).toBeUndefined();
  },
  "latest.stream.newest-event": async ({ adapter }) => {
    await seedWorld(adapter);
    const events = await read(adapter, WORLD_STREAMS.main);
    expect(await adapter.latest(WORLD_STREAMS.main)).toEqual(events.at(-1));
  },
  "latest.stream.follows-appends": async ({ adapter }) => {
    for (let index = 0; index < 3; index += 1) {
      const [stored] = await append(adapter, WORLD_STREAMS.main, 1);
      await append(adapter, WORLD_STREAMS.sibling, 1);
      expect(await adapter.latest(WORLD_STREAMS.main)).toEqual(stored);
    }
  },
  "latest.category.empty": async ({ adapter }) => {
    expect(await adapter.latest(categoryIdentifier("orders"))).toBeUndefined();
    await append(adapter, WORLD_STREAMS.prefixed, 1);
    await append(adapter, WORLD_STREAMS.otherCategory, 1);
    expect(await adapter.latest(categoryIdentifier("orders"))).toBeUndefined();
  },
  "latest.category.newest-event": async ({ adapter }) => {
    await seedWorld(adapter);
    const events = await read(adapter, worldTarget("category"));
    expect(await adapter.latest(worldTarget("category"))).toEqual(events.at(-1));
  },
  "latest.log.empty": async ({ adapter }) => {
    expect(await adapter.latest(logIdentifier())).toBeUndefined();
  },
  "latest.log.newest-event": async ({ adapter }) => {
    const world = await seedWorld(adapter);
    expect(await adapter.latest(logIdentifier())).toEqual(world.at(-1));
  },
  "latest.invalid-target-rejects": async ({ adapter }) => {
    await expect(adapter.latest(categoryIdentifier(""))).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await expect(adapter.latest({ type: "stream", category: "orders", stream: "" })).rejects.toMatchObject({ code: "INVALID_INPUT" });
  },
});
