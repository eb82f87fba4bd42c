import { describe, expect, it } from "vitest";
import { categoryIdentifier, defineProjector, type JsonValue, logIdentifier, type StoredEvent, streamIdentifier } from "../src/index.js";

function event(name: string, payload: JsonValue, sequenceNumber = 1n): StoredEvent {
  return {
    id: `id-${sequenceNumber}`,
    name,
    category: "counters",
    stream: "c-1",
    position: Number(sequenceNumber) - 1,
    sequenceNumber,
    payload,
    metadata: {},
    occurredAt: new Date("2026-01-01T00:00:00.000Z"),
    observedAt: new Date("2026-01-01T00:00:00.000Z"),
  };
}

type Counter = { count: number; labels: string[] };
interface CounterEvents {
  added: { by: number };
  labelled: { label: string };
}

const valid = {
  name: "counter",
  initialState: (): Counter => ({ count: 0, labels: [] }),
  handlers: {
    added: (state: Counter, e: { payload: { by: number } }) => ({ ...state, count: state.count + e.payload.by }),
  },
};

describe("defineProjector", () => {
  it("gives the projector its name, version (default 1), unknownEvents (default ignore) and initial state", () => {
    const counter = defineProjector<Counter, CounterEvents>(valid);
    expect(counter.name).toBe("counter");
    expect(counter.version).toBe(1);
    expect(counter.unknownEvents).toBe("ignore");
    expect(counter.initialState()).toEqual({ count: 0, labels: [] });
    expect(counter.initialState()).not.toBe(counter.initialState());
    expect(defineProjector<Counter, CounterEvents>({ ...valid, version: 7, unknownEvents: "reject" })).toMatchObject({
      version: 7,
      unknownEvents: "reject",
    });
  });

  it("names a projection after the stream, the category or the log by default, or as id says", () => {
    const counter = defineProjector<Counter, CounterEvents>(valid);
    expect(counter.id(streamIdentifier("counters", "c-1"))).toBe("c-1");
    expect(counter.id(categoryIdentifier("counters"))).toBe("counters");
    expect(counter.id(logIdentifier())).toBe("log");
    const keyed = defineProjector<Counter, CounterEvents>({
      ...valid,
      id: (source) => (source.type === "stream" ? `${source.category}:${source.stream}` : "all"),
    });
    expect(keyed.id(streamIdentifier("counters", "c-1"))).toBe("counters:c-1");
    const empty = defineProjector<Counter, CounterEvents>({ ...valid, id: () => "" });
    expect(() => empty.id(logIdentifier())).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["an empty name", { name: "" }, /projector name must not be empty/],
    ["a name that is not a string", { name: 42 }, /projector name must be a string/],
    ["version 0", { version: 0 }, /version must be a positive integer, got 0/],
    ["a fractional version", { version: 1.5 }, /version must be a positive integer/],
    ["a version given as a string", { version: "2" }, /version must be a positive integer, got "2"/],
    ["an initial state that is not a function", { initialState: { count: 0 } }, /initialState must be a function/],
    ["handlers that are not an object", { handlers: null }, /handlers must be an object of functions/],
    ["handlers given as an array", { handlers: [() => 1] }, /handlers must be an object of functions/],
    ["a handler that is not a function", { handlers: { added: "add" } }, /the handler of "added" must be a function, got "add"/],
    ["a handler with an empty name", { handlers: { "": () => ({}) } }, /handler name "" must not be empty/],
    ["an id that is not a function", { id: "joe" }, /id must be a function of the source/],
    ["an unknown unknownEvents", { unknownEvents: "skip" }, /unknownEvents must be "ignore" or "reject", got "skip"/],
  ])("rejects %s with INVALID_INPUT", (_, change, message) => {
    const definition = { ...valid, ...change } as unknown as Parameters<typeof defineProjector>[0];
    expect(() => defineProjector(definition)).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT", message: expect.stringMatching(message) }),
    );
  });

  it("rejects a definition that is not an object", () => {
    expect(() => defineProjector(undefined as unknown as Parameters<typeof defineProjector>[0])).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT" }),
    );
  });

  it("treats a handler left undefined as no handler", () => {
    const counter = defineProjector<Counter, CounterEvents>({
      ...valid,
      handlers: { ...valid.handlers, labelled: undefined },
      unknownEvents: "reject",
    });
    expect(() => counter.apply(counter.initialState(), event("labelled", { label: "x" }))).toThrow(/no handler for event "labelled"/);
  });
});

describe("projector.apply", () => {
  it("folds an event with its handler, synchronously, without changing the state given", () => {
    const counter = defineProjector<Counter, CounterEvents>(valid);
    const before = counter.initialState();
    const after = counter.apply(before, event("added", { by: 3 }));
    expect(after).toEqual({ count: 3, labels: [] });
    expect(before).toEqual({ count: 0, labels: [] });
  });

  it("works detached from the projector, as a reducer", () => {
    const counter = defineProjector<Counter, CounterEvents>(valid);
    const events = [event("added", { by: 1 }, 1n), event("added", { by: 2 }, 2n), event("labelled", { label: "x" }, 3n)];
    expect(events.reduce(counter.apply, counter.initialState())).toEqual({ count: 3, labels: [] });
  });

  it("ignores events without a handler by default, even names on Object.prototype", () => {
    const counter = defineProjector<Counter, CounterEvents>(valid);
    const state = counter.initialState();
    expect(counter.apply(state, event("labelled", { label: "x" }))).toBe(state);
    for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty"])
      expect(counter.apply(state, event(name, null))).toBe(state);
  });

  it("rejects events without a handler with INVALID_INPUT naming the event and the projector, when unknownEvents is reject", () => {
    const counter = defineProjector<Counter, CounterEvents>({ ...valid, unknownEvents: "reject" });
    expect(() => counter.apply(counter.initialState(), event("labelled", { label: "x" }, 4n))).toThrow(
      expect.objectContaining({
        code: "INVALID_INPUT",
        message: expect.stringMatching(/projector "counter" has no handler for event "labelled" \(counters\/c-1 at position 3\)/),
      }),
    );
    expect(() => counter.apply(counter.initialState(), event("constructor", null))).toThrow(/no handler for event "constructor"/);
  });

  it("throws a handler's error as it is", () => {
    const failure = new RangeError("no negative amounts");
    const counter = defineProjector<Counter, CounterEvents>({
      ...valid,
      handlers: {
        added: () => {
          throw failure;
        },
      },
    });
    expect(() => counter.apply(counter.initialState(), event("added", { by: -1 }))).toThrow(failure);
  });

  it("rejects a handler that returns undefined instead of the state", () => {
    const counter = defineProjector<Counter, CounterEvents>({
      ...valid,
      handlers: { added: ((state: Counter) => void state) as unknown as (state: Counter) => Counter },
    });
    expect(() => counter.apply(counter.initialState(), event("added", { by: 1 }))).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT", message: expect.stringMatching(/handler of "added" returned undefined/) }),
    );
  });

  it("rejects something that is not an event", () => {
    const counter = defineProjector<Counter, CounterEvents>(valid);
    for (const notAnEvent of [undefined, null, "added", { payload: {} }]) {
      expect(() => counter.apply(counter.initialState(), notAnEvent as unknown as StoredEvent)).toThrow(
        expect.objectContaining({ code: "INVALID_INPUT", message: expect.stringMatching(/apply needs a stored event/) }),
      );
    }
  });
});
