import { describe, expectTypeOf, it } from "vitest";
import type { EventStore, JsonValue, StoredEvent } from "../src/index.js";

// Checked by the type checker: one publish often mixes event types whose payloads differ in shape.
describe("StreamHandle.publish payload types", () => {
  it("accepts events whose payloads differ in kind", () => {
    const publish = (store: EventStore) =>
      store.stream("profiles", "joe").publish({
        events: [
          { name: "renamed", payload: { name: "Joseph" } },
          { name: "verified", payload: true },
        ],
      });
    expectTypeOf(publish).returns.resolves.toEqualTypeOf<StoredEvent<JsonValue>[]>();
  });

  it("still types the result when the payload type is given", () => {
    const publish = (store: EventStore) =>
      store.stream("profiles", "joe").publish<{ name: string }>({ events: [{ name: "renamed", payload: { name: "Joseph" } }] });
    expectTypeOf(publish).returns.resolves.toEqualTypeOf<StoredEvent<{ name: string }>[]>();
  });
});
