import { describe, expect, it } from "vitest";
import { jsonEquals, prepareWrites, resolveStoredIds, type StoredEvent, type StreamWrite, streamIdentifier } from "../src/index.js";

const joe = streamIdentifier("profiles", "joe");

function stored(id: string, position: number, overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    id,
    name: "changed",
    category: "profiles",
    stream: "joe",
    position,
    sequenceNumber: BigInt(position + 1),
    payload: { n: position },
    metadata: { by: "ann" },
    occurredAt: new Date(0),
    observedAt: new Date(0),
    ...overrides,
  };
}

function write(ids: string[], positions: number[] = ids.map((_, index) => index)): StreamWrite {
  return {
    target: joe,
    events: ids.map((id, index) => ({ id, name: "changed", payload: { n: positions[index] ?? 0 }, metadata: { by: "ann" } })),
  };
}

function resolve(streamWrite: StreamWrite, events: StoredEvent[]) {
  const [prepared] = prepareWrites([streamWrite]);
  if (prepared === undefined) throw new Error("prepareWrites returned no write");
  return resolveStoredIds(prepared, new Map(events.map((event) => [event.id, event])));
}

function duplicate(action: () => unknown): void {
  expect(action).toThrow(expect.objectContaining({ code: "DUPLICATE_EVENT_ID" }));
}

describe("resolveStoredIds", () => {
  it("appends when none of the ids is stored, and for a write with no events", () => {
    expect(resolve(write(["a", "b"]), [])).toBe("append");
    expect(resolve(write(["a", "b"]), [stored("z", 0)])).toBe("append");
    expect(resolve({ target: joe, events: [] }, [stored("z", 0)])).toBe("append");
  });

  it("returns the stored events of a replayed write", () => {
    const events = [stored("a", 3), stored("b", 4)];
    expect(resolve(write(["a", "b"], [3, 4]), events)).toEqual(events);
  });

  it("ignores object key order when comparing content", () => {
    const event = stored("a", 0, { payload: { x: 1, y: [1, { p: 1, q: 2 }] }, metadata: { one: 1, two: 2 } });
    const replay: StreamWrite = {
      target: joe,
      events: [{ id: "a", name: "changed", payload: { y: [1, { q: 2, p: 1 }], x: 1 }, metadata: { two: 2, one: 1 } }],
    };
    expect(resolve(replay, [event])).toEqual([event]);
  });

  it("rejects an id stored in another stream", () => {
    duplicate(() => resolve(write(["a"]), [stored("a", 0, { stream: "jane" })]));
    duplicate(() => resolve(write(["a"]), [stored("a", 0, { category: "accounts" })]));
  });

  it("rejects an id stored with other content", () => {
    duplicate(() => resolve(write(["a"], [0]), [stored("a", 0, { name: "other" })]));
    duplicate(() => resolve(write(["a"], [0]), [stored("a", 0, { payload: { n: 99 } })]));
    duplicate(() => resolve(write(["a"], [0]), [stored("a", 0, { metadata: {} })]));
  });

  it("rejects a write of which only some ids are stored", () => {
    duplicate(() => resolve(write(["a", "b"]), [stored("a", 0)]));
    duplicate(() => resolve(write(["a", "b"]), [stored("b", 1)]));
    expect(() => resolve(write(["a", "b"]), [stored("a", 0)])).toThrow(/"b"/);
  });

  it("rejects stored events in another order or not at consecutive positions", () => {
    duplicate(() => resolve(write(["a", "b"], [1, 0]), [stored("a", 1, { payload: { n: 1 } }), stored("b", 0, { payload: { n: 0 } })]));
    duplicate(() => resolve(write(["a", "b"], [0, 2]), [stored("a", 0), stored("b", 2)]));
  });

  it("tells which id is taken", () => {
    try {
      resolve(write(["a"]), [stored("a", 0, { stream: "jane" })]);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: "DUPLICATE_EVENT_ID", eventId: "a" });
      expect((error as Error).message).toContain("profiles/jane");
    }
  });
});

describe("jsonEquals", () => {
  it("compares JSON values deeply, ignoring key order", () => {
    expect(jsonEquals(null, null)).toBe(true);
    expect(jsonEquals(1, 1)).toBe(true);
    expect(jsonEquals("a", "a")).toBe(true);
    expect(jsonEquals([1, [2, { a: null }]], [1, [2, { a: null }]])).toBe(true);
    expect(jsonEquals({ a: 1, b: { c: [true] } }, { b: { c: [true] }, a: 1 })).toBe(true);
    expect(jsonEquals({}, {})).toBe(true);
    expect(jsonEquals([], [])).toBe(true);
  });

  it("tells different values apart", () => {
    expect(jsonEquals(1, "1")).toBe(false);
    expect(jsonEquals(0, false)).toBe(false);
    expect(jsonEquals(null, {})).toBe(false);
    expect(jsonEquals(null, 0)).toBe(false);
    expect(jsonEquals([], {})).toBe(false);
    expect(jsonEquals({}, [])).toBe(false);
    expect(jsonEquals([1, 2], [2, 1])).toBe(false);
    expect(jsonEquals([1], [1, 1])).toBe(false);
    expect(jsonEquals({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEquals({ a: 1, b: 2 }, { a: 1, c: 2 })).toBe(false);
    expect(jsonEquals({ a: null }, { b: null })).toBe(false);
    expect(jsonEquals({ a: { b: [1, { c: 2 }] } }, { a: { b: [1, { c: 3 }] } })).toBe(false);
  });
});
