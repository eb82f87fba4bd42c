import { describe, expect, it } from "vitest";
import { type EventStorageAdapter, EventStore, type StoredEvent } from "../src/index.js";

// Scans nothing: only what the store does before it reaches an adapter is under test.
const emptyAdapter: EventStorageAdapter = {
  capabilities: { multiStreamWrites: true, serialisationGuarantees: ["log"], serialisationGuarantee: "log" },
  save: async (writes) => writes.map(() => []),
  latest: async () => undefined,
  scan: () => (async function* (): AsyncGenerator<StoredEvent> {})(),
  close: async () => {},
  [Symbol.asyncDispose]: async () => {},
};

describe("EventReader.iterate", () => {
  it("rejects bad scan options on the first step, not when the iterator is made", async () => {
    const store = new EventStore(emptyAdapter);
    let iterator: AsyncIterator<StoredEvent> | undefined;
    expect(() => {
      iterator = store.log().iterate({ limit: -1 })[Symbol.asyncIterator]();
    }).not.toThrow();
    await expect(iterator?.next()).rejects.toMatchObject({ code: "INVALID_INPUT" });
  });
});
