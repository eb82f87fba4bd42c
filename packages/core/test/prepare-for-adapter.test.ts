import { describe, expect, it } from "vitest";
import { prepareForAdapter, prepareWrites } from "../src/validation.js";

const target = { type: "stream", category: "profiles", stream: "joe" } as const;
const adapterTime = new Date("2030-01-02T03:04:05.678Z");
const storeTime = new Date("2020-01-01T00:00:00.000Z");

describe("writes prepared by the EventStore for its adapter", () => {
  it("are frozen copies without observedAt when the store has no clock", () => {
    const handed = prepareForAdapter([{ target, events: [{ name: "created", payload: { name: "Joe" } }] }], {});
    expect(Object.isFrozen(handed)).toBe(true);
    expect(Object.isFrozen(handed[0]?.events[0])).toBe(true);
    expect(handed[0]?.events[0]).not.toHaveProperty("observedAt");
    expect(handed[0]?.events[0]).not.toHaveProperty("occurredAt");
  });

  it("are stamped once by the adapter's clock and not prepared again", () => {
    const occurredAt = new Date("1999-01-01T00:00:00.000Z");
    const handed = prepareForAdapter(
      [
        {
          target,
          events: [
            { name: "a", payload: 1 },
            { name: "b", payload: 2, occurredAt },
          ],
        },
      ],
      {},
    );
    let reads = 0;
    const clock = {
      now: () => {
        reads += 1;
        return adapterTime;
      },
    };
    const [write] = prepareWrites(handed, { clock });
    expect(write?.events.map((event) => [event.observedAt, event.occurredAt])).toEqual([
      [adapterTime, adapterTime],
      [adapterTime, occurredAt],
    ]);
    expect(write?.events[0]?.payloadJson).toBe("1");
    expect(prepareWrites(handed, { clock })[0]).toBe(write);
    expect(reads).toBe(1);
  });

  it("keep the store's clock when it has one", () => {
    const handed = prepareForAdapter([{ target, events: [{ name: "a", payload: 1 }] }], { clock: { now: () => storeTime } });
    expect(handed[0]?.events[0]).toMatchObject({ observedAt: storeTime, occurredAt: storeTime });
    const [write] = prepareWrites(handed, { clock: { now: () => adapterTime } });
    expect(write?.events[0]?.observedAt).toEqual(storeTime);
  });

  it("still honour an adapter without multi-stream writes", () => {
    const handed = prepareForAdapter(
      [
        { target, events: [] },
        { target: { ...target, stream: "jane" }, events: [] },
      ],
      {},
    );
    expect(() => prepareWrites(handed, { multiStreamWrites: false })).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
  });

  it("validate like prepareWrites", () => {
    expect(() => prepareForAdapter([{ target, events: [{ name: "", payload: 1 }] }], {})).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT" }),
    );
  });
});
