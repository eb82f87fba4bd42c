import { EventStore, positionIs, streamIsEmpty } from "@chronicle/core";
import { describe, expect, it } from "vitest";
import { InMemoryEventStorageAdapter } from "../src/index.js";

describe("in-memory adapter through the EventStore", () => {
  it("publishes, rejects an unmet condition and reads back", async () => {
    const store = new EventStore(new InMemoryEventStorageAdapter());
    const joe = store.category("profiles").stream("joe");
    const [created] = await joe.publish({ events: [{ name: "created", payload: { name: "Joe" } }], condition: streamIsEmpty() });
    expect(created?.position).toBe(0);
    expect(created?.sequenceNumber).toBe(1n);
    await expect(joe.publish({ events: [{ name: "renamed", payload: {} }], condition: positionIs(5) })).rejects.toMatchObject({
      code: "UNMET_WRITE_CONDITION",
      latestPosition: 0,
    });
    expect((await joe.read()).map((event) => event.name)).toEqual(["created"]);
    await expect(joe.publish({ events: [{ name: "", payload: {} }] })).rejects.toMatchObject({ code: "INVALID_INPUT" });
  });
});
