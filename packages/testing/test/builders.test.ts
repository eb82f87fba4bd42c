import { describe, expect, it } from "vitest";
import { DEFAULT_STORED_EVENT_DATE, newEvent, storedEvent } from "../src/index.js";

describe("newEvent()", () => {
  it("defaults to a named event with an empty payload, leaving the rest to the store", () => {
    expect(newEvent().build()).toEqual({ name: "something-happened", payload: {} });
    expect(Object.keys(newEvent().build())).toEqual(["name", "payload"]);
  });

  it("sets every field", () => {
    const occurredAt = new Date("2020-01-01T00:00:00.001Z");
    const observedAt = new Date("2020-01-02T00:00:00.002Z");
    const event = newEvent()
      .withName("profile-created")
      .withPayload({ name: "Joe" })
      .withId("event-1")
      .withMetadata({ actor: "admin" })
      .occurredAt(occurredAt)
      .observedAt(observedAt)
      .build();
    expect(event).toEqual({
      name: "profile-created",
      payload: { name: "Joe" },
      id: "event-1",
      metadata: { actor: "admin" },
      occurredAt,
      observedAt,
    });
    expect(event.payload.name).toBe("Joe");
  });

  it("builds independent events", () => {
    const builder = newEvent().occurredAt(new Date(0));
    const first = builder.build();
    first.occurredAt?.setFullYear(1999);
    expect(builder.build().occurredAt).toEqual(new Date(0));
  });
});

describe("storedEvent()", () => {
  it("has sensible defaults", () => {
    const event = storedEvent().build();
    expect(event).toMatchObject({
      name: "something-happened",
      category: "category",
      stream: "stream",
      position: 0,
      sequenceNumber: 1n,
      payload: {},
      metadata: {},
      occurredAt: DEFAULT_STORED_EVENT_DATE,
      observedAt: DEFAULT_STORED_EVENT_DATE,
    });
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(storedEvent().build().id).not.toBe(event.id);
  });

  it("sets every field, and occurredAt follows observedAt unless set", () => {
    const observedAt = new Date("2024-05-06T07:08:09.010Z");
    const event = storedEvent()
      .withId("e-1")
      .withName("order-placed")
      .withCategory("orders")
      .withStream("o-1")
      .withPosition(3)
      .withSequenceNumber(42n)
      .withPayload({ total: 10 })
      .withMetadata({ tenant: "t" })
      .observedAt(observedAt)
      .build();
    expect(event).toEqual({
      id: "e-1",
      name: "order-placed",
      category: "orders",
      stream: "o-1",
      position: 3,
      sequenceNumber: 42n,
      payload: { total: 10 },
      metadata: { tenant: "t" },
      occurredAt: observedAt,
      observedAt,
    });
    const occurredAt = new Date("2000-01-01T00:00:00.000Z");
    expect(storedEvent().occurredAt(occurredAt).build().occurredAt).toEqual(occurredAt);
  });
});
