import { describe, expect, it } from "vitest";
import {
  type Clock,
  categoryIdentifier,
  logIdentifier,
  MAX_JSON_DEPTH,
  MAX_NAME_LENGTH,
  normaliseScanOptions,
  type PreparedWrite,
  positionIs,
  prepareWrites,
  streamIdentifier,
  validateDate,
  validateJson,
  validateJsonObject,
  validateName,
  validateTarget,
} from "../src/index.js";

const joe = streamIdentifier("profiles", "joe");
const fixedClock = (iso: string): Clock => ({ now: () => new Date(iso) });

function invalid(action: () => unknown): void {
  expect(action).toThrow(expect.objectContaining({ code: "INVALID_INPUT", retryable: false }));
}

function prepareOne(event: unknown, extra: Record<string, unknown> = {}): PreparedWrite[] {
  return prepareWrites([{ target: joe, events: [event], ...extra }]);
}

describe("validateName", () => {
  it("accepts names of 1 to 255 code points", () => {
    expect(validateName("a", "name")).toBe("a");
    expect(validateName("a".repeat(MAX_NAME_LENGTH), "name")).toHaveLength(255);
    // 255 astral characters are 510 UTF-16 units but 255 characters.
    const emoji = "😀".repeat(MAX_NAME_LENGTH);
    expect(validateName(emoji, "name")).toBe(emoji);
    expect(validateName("profil-überprüft ✓", "name")).toBe("profil-überprüft ✓");
  });

  it("rejects empty, over-long, NUL-bearing and ill-formed names", () => {
    invalid(() => validateName("", "name"));
    invalid(() => validateName("a".repeat(MAX_NAME_LENGTH + 1), "name"));
    invalid(() => validateName("😀".repeat(MAX_NAME_LENGTH + 1), "name"));
    invalid(() => validateName("a\u0000b", "name"));
    invalid(() => validateName("\u0000", "name"));
    invalid(() => validateName("lone \ud800 high", "name"));
    invalid(() => validateName("lone \udc00 low", "name"));
    invalid(() => validateName("\udc00\ud800", "name"));
  });

  it("rejects values that are not strings", () => {
    for (const value of [undefined, null, 42, 42n, true, {}, [], Symbol("x"), () => "x", new String("x")]) {
      invalid(() => validateName(value, "name"));
    }
  });

  it("names what it checked in the message", () => {
    expect(() => validateName("", "writes[0].target.stream")).toThrow(/writes\[0\]\.target\.stream/);
  });
});

describe("validateTarget", () => {
  it("accepts the three identifiers and returns a copy", () => {
    expect(validateTarget(logIdentifier())).toEqual({ type: "log" });
    expect(validateTarget(categoryIdentifier("profiles"))).toEqual({ type: "category", category: "profiles" });
    const checked = validateTarget(joe);
    expect(checked).toEqual(joe);
    expect(checked).not.toBe(joe);
  });

  it("rejects unknown types and bad names", () => {
    invalid(() => validateTarget(null));
    invalid(() => validateTarget("profiles"));
    invalid(() => validateTarget({ type: "table", category: "profiles" }));
    invalid(() => validateTarget({ type: "category" }));
    invalid(() => validateTarget({ type: "category", category: "" }));
    invalid(() => validateTarget({ type: "stream", category: "profiles" }));
    invalid(() => validateTarget({ type: "stream", category: "profiles", stream: "x".repeat(256) }));
  });
});

describe("validateJson", () => {
  it("accepts every JSON value", () => {
    const values = [
      null,
      true,
      false,
      0,
      -1.5,
      Number.MAX_SAFE_INTEGER,
      "",
      "unicode ✓ 😀 \u0000 inside a payload string",
      [],
      {},
      [1, "two", null, { three: [3] }],
      { nested: { deeper: { deepest: [true, false, null] } } },
      Object.assign(Object.create(null), { prototypeless: 1 }),
    ];
    for (const value of values) expect(validateJson(value, "payload")).toBe(value);
  });

  it("accepts a shared reference, which is not a cycle", () => {
    const shared = { id: 1 };
    const value = { first: shared, second: shared, list: [shared, shared] };
    expect(validateJson(value, "payload")).toBe(value);
  });

  it("rejects values JSON cannot represent", () => {
    for (const value of [undefined, () => 1, Symbol("s"), 10n, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      invalid(() => validateJson(value, "payload"));
    }
  });

  it("rejects class instances whose JSON form does not parse back into them", () => {
    class Money {
      amount = 5;
    }
    for (const value of [new Date(), new Map([["a", 1]]), new Set([1]), new Money(), /regex/, new Uint8Array(2), new Number(1)]) {
      invalid(() => validateJson(value, "payload"));
    }
  });

  it("rejects sparse arrays", () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is what is under test
    invalid(() => validateJson([1, , 3], "payload"));
    invalid(() => validateJson(new Array(3), "payload"));
  });

  it("rejects cycles, directly and through arrays", () => {
    const selfish: Record<string, unknown> = {};
    selfish.self = selfish;
    invalid(() => validateJson(selfish, "payload"));
    const list: unknown[] = [];
    list.push({ inner: list });
    invalid(() => validateJson(list, "payload"));
  });

  it("names the nested path of the offending value", () => {
    expect(() => validateJson({ a: { b: [1, { c: undefined }] } }, "writes[0].events[0].payload")).toThrow(
      /writes\[0\]\.events\[0\]\.payload\.a\.b\[1\]\.c/,
    );
    expect(() => validateJson({ when: new Date() }, "payload")).toThrow(/payload\.when/);
    expect(() => validateJson({ values: [1, Number.NaN] }, "payload")).toThrow(/payload\.values\[1\]/);
  });

  it(`accepts nesting up to ${MAX_JSON_DEPTH} levels and rejects deeper`, () => {
    const nest = (levels: number): unknown => {
      let value: unknown = 1;
      for (let level = 0; level < levels; level += 1) value = [value];
      return value;
    };
    expect(() => validateJson(nest(MAX_JSON_DEPTH), "payload")).not.toThrow();
    invalid(() => validateJson(nest(MAX_JSON_DEPTH + 1), "payload"));
  });
});

describe("validateJsonObject", () => {
  it("accepts plain objects only", () => {
    expect(validateJsonObject({ correlationId: "c-1", actor: { id: 7 } }, "metadata")).toEqual({
      correlationId: "c-1",
      actor: { id: 7 },
    });
    for (const value of [null, [], "text", 1, new Map(), new Date()]) invalid(() => validateJsonObject(value, "metadata"));
    invalid(() => validateJsonObject({ nested: { fn: () => 1 } }, "metadata"));
  });
});

describe("validateDate", () => {
  it("returns a copy of a valid date", () => {
    const date = new Date("2024-02-29T12:34:56.789Z");
    const checked = validateDate(date, "occurredAt");
    expect(checked).toEqual(date);
    expect(checked).not.toBe(date);
  });

  it("rejects invalid dates and non-dates", () => {
    for (const value of [new Date(Number.NaN), new Date("not a date"), "2024-01-01T00:00:00Z", 1_700_000_000_000, null, {}]) {
      invalid(() => validateDate(value, "occurredAt"));
    }
  });
});

describe("prepareWrites", () => {
  it("fills in every default", () => {
    const [write] = prepareWrites([{ target: joe, events: [{ name: "created", payload: { name: "Joe" } }] }], {
      clock: fixedClock("2025-01-02T03:04:05.678Z"),
    });
    expect(write?.target).toEqual(joe);
    expect(write?.condition).toEqual({ type: "noCondition" });
    const event = write?.events[0];
    expect(event?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(event?.metadata).toEqual({});
    expect(event?.observedAt.toISOString()).toBe("2025-01-02T03:04:05.678Z");
    expect(event?.occurredAt.toISOString()).toBe("2025-01-02T03:04:05.678Z");
    expect(event?.payloadJson).toBe('{"name":"Joe"}');
    expect(event?.metadataJson).toBe("{}");
  });

  it("keeps what the caller gave", () => {
    const occurredAt = new Date("2020-01-01T00:00:00.000Z");
    const observedAt = new Date("2021-01-01T00:00:00.000Z");
    const [write] = prepareWrites([
      {
        target: joe,
        condition: positionIs(3),
        events: [{ id: "my-id", name: "created", payload: [1], metadata: { actor: "ann" }, occurredAt, observedAt }],
      },
    ]);
    expect(write?.condition).toEqual(positionIs(3));
    expect(write?.events[0]).toMatchObject({ id: "my-id", payload: [1], metadata: { actor: "ann" }, occurredAt, observedAt });
    expect(write?.events[0]?.metadataJson).toBe('{"actor":"ann"}');
  });

  it("defaults occurredAt to observedAt, and observedAt to one reading of the clock", () => {
    let readings = 0;
    const clock: Clock = {
      now: () => {
        readings += 1;
        return new Date(Date.UTC(2025, 0, 1, 0, 0, readings));
      },
    };
    const observedAt = new Date("2019-05-05T05:05:05.005Z");
    const [first, second] = prepareWrites(
      [
        {
          target: joe,
          events: [
            { name: "a", payload: 1 },
            { name: "b", payload: 2, observedAt },
          ],
        },
        { target: streamIdentifier("profiles", "jane"), events: [{ name: "c", payload: 3 }] },
      ],
      { clock },
    );
    expect(readings).toBe(1);
    expect(first?.events[0]?.observedAt).toEqual(second?.events[0]?.observedAt);
    expect(first?.events[1]?.occurredAt).toEqual(observedAt);
  });

  it("copies dates, so a caller mutating its Date later cannot change the write", () => {
    const occurredAt = new Date("2020-01-01T00:00:00.000Z");
    const [write] = prepareOne({ name: "a", payload: null, occurredAt });
    occurredAt.setFullYear(1999);
    expect(write?.events[0]?.occurredAt.toISOString()).toBe("2020-01-01T00:00:00.000Z");
  });

  it("accepts null as a payload and a write with no events", () => {
    expect(prepareOne({ name: "a", payload: null })[0]?.events[0]?.payloadJson).toBe("null");
    expect(prepareWrites([{ target: joe, events: [] }])[0]?.events).toEqual([]);
    expect(prepareWrites([])).toEqual([]);
  });

  it("rejects malformed writes", () => {
    invalid(() => prepareWrites(undefined));
    invalid(() => prepareWrites({ target: joe, events: [] }));
    invalid(() => prepareWrites([null]));
    invalid(() => prepareWrites([{ events: [] }]));
    invalid(() => prepareWrites([{ target: categoryIdentifier("profiles"), events: [] }]));
    invalid(() => prepareWrites([{ target: logIdentifier(), events: [] }]));
    invalid(() => prepareWrites([{ target: joe }]));
    invalid(() => prepareWrites([{ target: joe, events: "created" }]));
    invalid(() => prepareWrites([{ target: joe, events: [null] }]));
    invalid(() => prepareWrites([{ target: joe, events: ["created"] }]));
  });

  it("rejects bad names in targets and events", () => {
    invalid(() => prepareWrites([{ target: streamIdentifier("", "joe"), events: [] }]));
    invalid(() => prepareWrites([{ target: streamIdentifier("profiles", ""), events: [] }]));
    invalid(() => prepareWrites([{ target: streamIdentifier("x".repeat(256), "joe"), events: [] }]));
    invalid(() => prepareWrites([{ target: streamIdentifier("profiles", "jo\u0000e"), events: [] }]));
    invalid(() => prepareWrites([{ target: streamIdentifier("profiles", "\ud83d"), events: [] }]));
    invalid(() => prepareOne({ name: "", payload: 1 }));
    invalid(() => prepareOne({ name: "n".repeat(256), payload: 1 }));
    invalid(() => prepareOne({ name: "a\u0000", payload: 1 }));
    invalid(() => prepareOne({ name: "\udfff", payload: 1 }));
    invalid(() => prepareOne({ payload: 1 }));
    invalid(() => prepareOne({ name: 7, payload: 1 }));
  });

  it("rejects bad ids", () => {
    invalid(() => prepareOne({ id: "", name: "a", payload: 1 }));
    invalid(() => prepareOne({ id: 42, name: "a", payload: 1 }));
    invalid(() => prepareOne({ id: "i".repeat(256), name: "a", payload: 1 }));
    invalid(() => prepareOne({ id: "a\u0000b", name: "a", payload: 1 }));
  });

  it("rejects payloads that are missing or not JSON, at any depth", () => {
    invalid(() => prepareOne({ name: "a" }));
    invalid(() => prepareOne({ name: "a", payload: undefined }));
    const cyclic: Record<string, unknown> = {};
    cyclic.again = { back: cyclic };
    for (const payload of [
      () => 1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      1n,
      Symbol("s"),
      new Date(),
      new Map(),
      cyclic,
      { deep: { inside: [undefined] } },
      { deep: { inside: [1n] } },
      { deep: { when: new Date() } },
      // biome-ignore lint/suspicious/noSparseArray: the hole is what is under test
      { deep: [1, , 2] },
    ]) {
      invalid(() => prepareOne({ name: "a", payload }));
    }
  });

  it("rejects metadata that is not a JSON object, at any depth", () => {
    for (const metadata of [
      null,
      [],
      "meta",
      5,
      new Map(),
      { fn: () => 1 },
      { nested: { value: Number.NaN } },
      { nested: { when: new Date() } },
      { nested: [undefined] },
    ]) {
      invalid(() => prepareOne({ name: "a", payload: 1, metadata }));
    }
  });

  it("rejects invalid dates", () => {
    invalid(() => prepareOne({ name: "a", payload: 1, occurredAt: new Date(Number.NaN) }));
    invalid(() => prepareOne({ name: "a", payload: 1, observedAt: new Date("nonsense") }));
    invalid(() => prepareOne({ name: "a", payload: 1, occurredAt: "2024-01-01" }));
    invalid(() => prepareOne({ name: "a", payload: 1, observedAt: 0 }));
    invalid(() => prepareOne({ name: "a", payload: 1, occurredAt: null }));
    invalid(() => prepareWrites([{ target: joe, events: [{ name: "a", payload: 1 }] }], { clock: { now: () => new Date(Number.NaN) } }));
  });

  it("rejects conditions that are malformed", () => {
    for (const condition of [
      positionIs(-1),
      positionIs(1.5),
      positionIs(Number.NaN),
      positionIs(Number.POSITIVE_INFINITY),
      positionIs(2 ** 53),
      { type: "positionIs" },
      { type: "positionIs", position: "3" },
      { type: "nope" },
      { type: "allOf" },
      { type: "anyOf", conditions: [positionIs(-1)] },
      { type: "allOf", conditions: [{ type: "anyOf", conditions: [{ type: "mystery" }] }] },
      null,
      "positionIs(3)",
      3,
    ]) {
      invalid(() => prepareWrites([{ target: joe, events: [], condition }]));
    }
  });

  it("rejects a stream named twice in one save", () => {
    invalid(() =>
      prepareWrites([
        { target: joe, events: [] },
        { target: streamIdentifier("profiles", "joe"), events: [{ name: "a", payload: 1 }] },
      ]),
    );
    // Same stream name in another category is another stream.
    expect(
      prepareWrites([
        { target: joe, events: [] },
        { target: streamIdentifier("accounts", "joe"), events: [] },
      ]),
    ).toHaveLength(2);
  });

  it("does not confuse streams whose joined names collide", () => {
    expect(
      prepareWrites([
        { target: streamIdentifier("a/b", "c"), events: [] },
        { target: streamIdentifier("a", "b/c"), events: [] },
      ]),
    ).toHaveLength(2);
  });

  it("rejects an event id given twice in one save, within a write or across writes", () => {
    invalid(() =>
      prepareWrites([
        {
          target: joe,
          events: [
            { id: "same", name: "a", payload: 1 },
            { id: "same", name: "a", payload: 1 },
          ],
        },
      ]),
    );
    invalid(() =>
      prepareWrites([
        { target: joe, events: [{ id: "same", name: "a", payload: 1 }] },
        { target: streamIdentifier("profiles", "jane"), events: [{ id: "same", name: "b", payload: 2 }] },
      ]),
    );
  });

  it("rejects several writes when the adapter cannot save them atomically", () => {
    const writes = [
      { target: joe, events: [] },
      { target: streamIdentifier("profiles", "jane"), events: [] },
    ];
    invalid(() => prepareWrites(writes, { multiStreamWrites: false }));
    expect(prepareWrites(writes.slice(0, 1), { multiStreamWrites: false })).toHaveLength(1);
  });
});

describe("normaliseScanOptions", () => {
  it("fills in the defaults", () => {
    expect(normaliseScanOptions(logIdentifier())).toEqual({
      direction: "forwards",
      after: undefined,
      before: undefined,
      fromPosition: undefined,
      toPosition: undefined,
      names: undefined,
      limit: undefined,
      pageSize: undefined,
      signal: undefined,
    });
  });

  it("keeps valid options", () => {
    const signal = new AbortController().signal;
    expect(
      normaliseScanOptions(joe, {
        direction: "backwards",
        after: 0n,
        before: 100n,
        fromPosition: 0,
        toPosition: 9,
        names: ["a", "b", "a"],
        limit: 0,
        pageSize: 1,
        signal,
      }),
    ).toEqual({
      direction: "backwards",
      after: 0n,
      before: 100n,
      fromPosition: 0,
      toPosition: 9,
      names: ["a", "b"],
      limit: 0,
      pageSize: 1,
      signal,
    });
    expect(normaliseScanOptions(logIdentifier(), { names: [] }).names).toEqual([]);
  });

  it("rejects positions on a category or the log", () => {
    invalid(() => normaliseScanOptions(categoryIdentifier("profiles"), { fromPosition: 0 }));
    invalid(() => normaliseScanOptions(categoryIdentifier("profiles"), { toPosition: 3 }));
    invalid(() => normaliseScanOptions(logIdentifier(), { fromPosition: 0 }));
  });

  it("rejects bad values", () => {
    const bad: unknown[] = [
      { direction: "sideways" },
      { after: 5 },
      { after: "5" },
      { before: 5 },
      { fromPosition: -1 },
      { fromPosition: 1.5 },
      { toPosition: Number.NaN },
      { toPosition: 5n },
      { limit: -1 },
      { limit: 1.5 },
      { limit: Number.POSITIVE_INFINITY },
      { pageSize: 0 },
      { pageSize: -3 },
      { names: "created" },
      { names: [""] },
      { names: ["a", 1] },
      { names: ["x".repeat(256)] },
      { signal: "stop" },
      { signal: {} },
      null,
      "forwards",
    ];
    for (const options of bad) invalid(() => normaliseScanOptions(joe, options as never));
  });
});
