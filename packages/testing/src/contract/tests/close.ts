import { logIdentifier } from "@chronicle/core";
import { expect } from "vitest";
import { defineTests } from "../define-tests.js";
import { append, events, expectRejection, read, stream } from "../helpers.js";

const TARGET = stream("sessions", "s-1");

/** After `close()`, calls reject with CLOSED (promise 8). */
export const closeTests = defineTests("close", {
  "close.save-rejects": async ({ adapter }) => {
    await append(adapter, TARGET, 1);
    await adapter.close();
    await expectRejection(adapter.save([{ target: TARGET, events: events(1) }]), "CLOSED");
  },
  "close.latest-rejects": async ({ adapter }) => {
    await append(adapter, TARGET, 1);
    await adapter.close();
    await expectRejection(adapter.latest(TARGET), "CLOSED");
    await expectRejection(adapter.latest(logIdentifier()), "CLOSED");
  },
  "close.scan-rejects": async ({ adapter }) => {
    await append(adapter, TARGET, 1);
    await adapter.close();
    await expectRejection(read(adapter, TARGET), "CLOSED");
    await expectRejection(read(adapter, logIdentifier()), "CLOSED");
  },
  "close.scan-created-before-close-rejects": async ({ adapter }) => {
    await append(adapter, TARGET, 3);
    const iterable = adapter.scan(TARGET);
    await adapter.close();
    await expectRejection(async () => {
      for await (const _ of iterable) {
        // Reaching here is fine only if the rejection comes later.
      }
    }, "CLOSED");
  },
  "close.calls-reject-rather-than-throw": async ({ adapter }) => {
    await adapter.close();
    let latest: Promise<unknown> | undefined;
    expect(() => {
      latest = adapter.latest(TARGET);
    }, "after close(), latest() must return a rejected promise, not throw synchronously").not.toThrow();
    await expectRejection(latest as Promise<unknown>, "CLOSED");
    let iterable: AsyncIterable<unknown> | undefined;
    expect(() => {
      iterable = adapter.scan(TARGET);
    }, "after close(), scan() must return an iterable whose first step rejects, not throw synchronously").not.toThrow();
    await expectRejection(async () => {
      for await (const _ of iterable as AsyncIterable<unknown>) {
        // Nothing may be yielded after close.
      }
    }, "CLOSED");
  },
  "close.twice-is-harmless": async ({ adapter }) => {
    await adapter.close();
    await expect(adapter.close()).resolves.toBeUndefined();
    await expectRejection(adapter.latest(TARGET), "CLOSED");
  },
  "close.concurrent-calls-are-harmless": async ({ adapter }) => {
    await expect(Promise.all([adapter.close(), adapter.close()])).resolves.toBeDefined();
  },
  "close.async-dispose-closes": async ({ adapter }) => {
    await adapter[Symbol.asyncDispose]();
    await expectRejection(adapter.save([{ target: TARGET, events: events(1) }]), "CLOSED");
  },
  "close.await-using": async ({ createAdapter }) => {
    let escaped: Awaited<ReturnType<typeof createAdapter>> | undefined;
    {
      await using adapter = await createAdapter();
      escaped = adapter;
      await append(adapter, TARGET, 1);
    }
    await expectRejection(escaped.latest(TARGET), "CLOSED");
  },
});
