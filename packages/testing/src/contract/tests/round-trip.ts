import {
  categoryIdentifier,
  type EventStorageAdapter,
  type JsonValue,
  logIdentifier,
  type NewEvent,
  type StoredEvent,
  type StreamIdentifier,
} from "@chronicle/core";
import { expect } from "vitest";
import { newEvent } from "../../new-event-builder.js";
import type { ContractTestContext } from "../contract-test.js";
import { defineTests } from "../define-tests.js";
import { append, read, stream } from "../helpers.js";

const TARGET = stream("documents", "doc-1");

const UNICODE_STRINGS = [
  "emoji 🎉👩‍👩‍👧🏳️‍🌈",
  "CJK 日本語 中文 한국어",
  "combining e\u0301 a\u0308 n\u0303",
  "RTL שלום مرحبا",
  "NUL inside \u0000 a string",
  "quotes \" and ' and `",
  "backslashes \\ \\\\ \\u0041 \\n",
  "control \n\r\t\b\f characters",
  "astral 𝄞 𐍈",
  "",
];

/**
 * Reads an event back through every read path (the save's result, the stream,
 * the category, the log, `latest`, and the oracle when given) and expects each
 * to equal `expected`.
 */
async function expectEverywhere(context: ContractTestContext, target: StreamIdentifier, expected: StoredEvent[]): Promise<void> {
  const { adapter } = context;
  expect(await read(adapter, target), "stream scan").toEqual(expected);
  expect(await read(adapter, categoryIdentifier(target.category)), "category scan").toEqual(expected);
  expect(await read(adapter, logIdentifier()), "log scan").toEqual(expected);
  expect(await adapter.latest(target), "latest").toEqual(expected.at(-1));
  if (context.hasOracle) expect(await context.persisted(), "oracle").toEqual(expected);
}

/** Saves one event to an empty adapter, then expects it back exactly, everywhere. */
async function roundTrip(context: ContractTestContext, event: NewEvent, target: StreamIdentifier = TARGET): Promise<StoredEvent> {
  const [stored] = await append(context.adapter, target, [event]);
  if (stored === undefined) throw new Error("save returned no event");
  expect(stored.payload).toEqual(event.payload);
  await expectEverywhere(context, target, [stored]);
  return stored;
}

function expectSameInstant(actual: Date, expected: Date): void {
  expect(actual).toBeInstanceOf(Date);
  expect(actual.toISOString()).toBe(expected.toISOString());
}

async function saveAndRead(adapter: EventStorageAdapter, event: NewEvent): Promise<StoredEvent> {
  await append(adapter, TARGET, [event]);
  const [read0] = await read(adapter, TARGET);
  if (read0 === undefined) throw new Error("the stream is empty after a save");
  return read0;
}

/** Exact round trips (promise 6). */
export const roundTripTests = defineTests("round-trip", {
  "round-trip.unicode-payload": async (context) => {
    const payload: JsonValue = { strings: UNICODE_STRINGS, [UNICODE_STRINGS[0] as string]: UNICODE_STRINGS[2] as string };
    await roundTrip(context, newEvent().withName("unicode").withPayload(payload).build());
  },
  "round-trip.unicode-string-payload": async (context) => {
    const saved = await append(
      context.adapter,
      TARGET,
      UNICODE_STRINGS.map((text) => newEvent().withPayload(text).build()),
    );
    expect(saved.map((event) => event.payload)).toEqual(UNICODE_STRINGS);
    await expectEverywhere(context, TARGET, saved);
  },
  "round-trip.unicode-names": async (context) => {
    const target = stream("カテゴリー-🎉", "שלום e\u0301 stream");
    const stored = await roundTrip(context, newEvent().withName("événement-日本-🎉").withPayload(null).build(), target);
    expect(stored).toMatchObject({ category: "カテゴリー-🎉", stream: "שלום e\u0301 stream", name: "événement-日本-🎉" });
  },
  "round-trip.longest-names": async (context) => {
    // 255 characters each, counted in code points, several of them outside the BMP.
    const longest = (start: string) => start + "🎉".repeat(10) + "x".repeat(255 - 10 - [...start].length);
    const target = stream(longest("c"), longest("s"));
    const stored = await roundTrip(context, newEvent().withName(longest("n")).withId(longest("i")).withPayload(1).build(), target);
    expect([...stored.category]).toHaveLength(255);
    expect([...stored.name]).toHaveLength(255);
  },
  "round-trip.nested-payload": async (context) => {
    let deep: JsonValue = { leaf: [1, "two", null, true, { three: 3.5 }] };
    for (let depth = 0; depth < 50; depth += 1) deep = depth % 2 === 0 ? { [`level-${depth}`]: deep, sibling: [depth] } : [deep, depth];
    await roundTrip(context, newEvent().withPayload({ deep, empty: {}, emptyArray: [], nothing: null }).build());
  },
  "round-trip.scalar-payloads": async (context) => {
    const payloads: JsonValue[] = [null, true, false, 0, 42, -17.25, "text", "", [], [null, [[]]], {}];
    const saved = await append(
      context.adapter,
      TARGET,
      payloads.map((payload) => newEvent().withPayload(payload).build()),
    );
    expect(saved.map((event) => event.payload)).toEqual(payloads);
    await expectEverywhere(context, TARGET, saved);
  },
  "round-trip.numbers": async (context) => {
    const numbers = [
      0,
      1,
      -1,
      0.1,
      1 / 3,
      -2.5e-7,
      1.7976931348623157e308,
      5e-324,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      1e21,
      123456.789,
    ];
    await roundTrip(context, newEvent().withPayload({ numbers }).build());
  },
  "round-trip.large-payload": {
    timeout: 60_000,
    run: async (context) => {
      // About 1 MiB of JSON, with multi-byte characters, in one event.
      const chunk = 'Chronicle 日本 🎉 \\ " '.repeat(32);
      const items = Array.from({ length: 1200 }, (_, index) => ({ index, text: chunk }));
      const payload = { items };
      expect(new TextEncoder().encode(JSON.stringify(payload)).length).toBeGreaterThan(1024 * 1024);
      await roundTrip(context, newEvent().withName("large").withPayload(payload).build());
    },
  },
  "round-trip.metadata": async (context) => {
    const metadata = {
      correlationId: "c-1",
      actor: { id: 7, roles: ["admin", "🎉"] },
      flags: [true, false, null],
      note: UNICODE_STRINGS[4] as string,
    };
    const stored = await roundTrip(context, newEvent().withPayload({}).withMetadata(metadata).build());
    expect(stored.metadata).toEqual(metadata);
  },
  "round-trip.dates-keep-milliseconds": async (context) => {
    const occurredAt = new Date("2021-03-04T05:06:07.891Z");
    const observedAt = new Date("2024-12-31T23:59:59.999Z");
    const stored = await roundTrip(context, newEvent().occurredAt(occurredAt).observedAt(observedAt).build());
    expectSameInstant(stored.occurredAt, occurredAt);
    expectSameInstant(stored.observedAt, observedAt);
  },
  "round-trip.dates-far-apart": async (context) => {
    const occurredAt = new Date("1970-01-01T00:00:00.001Z");
    const observedAt = new Date("2099-06-15T12:00:00.007Z");
    const stored = await roundTrip(context, newEvent().occurredAt(occurredAt).observedAt(observedAt).build());
    expectSameInstant(stored.occurredAt, occurredAt);
    expectSameInstant(stored.observedAt, observedAt);
  },
  "round-trip.default-id-is-uuid-v7": async ({ adapter }) => {
    const stored = await append(adapter, TARGET, 3);
    const ids = stored.map((event) => event.id);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(3);
    expect((await read(adapter, TARGET)).map((event) => event.id)).toEqual(ids);
  },
  "round-trip.given-id-kept": async (context) => {
    const stored = await roundTrip(context, newEvent().withId("order-42/line-1").build());
    expect(stored.id).toBe("order-42/line-1");
  },
  "round-trip.default-dates": async ({ adapter }) => {
    const before = Date.now();
    const stored = await saveAndRead(adapter, newEvent().build());
    const after = Date.now();
    // A minute either way allows for a store that reads its database server's clock.
    expect(stored.observedAt.getTime()).toBeGreaterThanOrEqual(before - 60_000);
    expect(stored.observedAt.getTime()).toBeLessThanOrEqual(after + 60_000);
    expectSameInstant(stored.occurredAt, stored.observedAt);
  },
  "round-trip.occurred-at-defaults-to-observed-at": async ({ adapter }) => {
    const observedAt = new Date("2022-02-02T02:02:02.222Z");
    const stored = await saveAndRead(adapter, newEvent().observedAt(observedAt).build());
    expectSameInstant(stored.occurredAt, observedAt);
    expectSameInstant(stored.observedAt, observedAt);
  },
  "round-trip.default-metadata": async ({ adapter }) => {
    const stored = await saveAndRead(adapter, newEvent().build());
    expect(stored.metadata).toEqual({});
  },
  "round-trip.random-events": async (context) => {
    const input = context.random.newEvents(25);
    const saved = await append(context.adapter, TARGET, input);
    expect(saved.map(({ id, name, payload, metadata, occurredAt }) => ({ id, name, payload, metadata, occurredAt }))).toEqual(
      input.map(({ id, name, payload, metadata, occurredAt }) => ({ id, name, payload, metadata, occurredAt })),
    );
    await expectEverywhere(context, TARGET, saved);
  },
  "round-trip.caller-mutation-does-not-leak": async ({ adapter }) => {
    const payload = { list: [1, 2], nested: { value: "before" } };
    const metadata = { tag: "before" };
    const occurredAt = new Date("2020-01-01T00:00:00.000Z");
    const [saved] = await append(adapter, TARGET, [{ name: "mutated-later", payload, metadata, occurredAt }]);
    payload.list.push(3);
    payload.nested.value = "after";
    metadata.tag = "after";
    occurredAt.setFullYear(1999);
    // Mutating what save returned must not reach the store either.
    if (saved !== undefined) (saved.payload as { list: number[] }).list.push(4);
    const [stored] = await read(adapter, TARGET);
    expect(stored?.payload).toEqual({ list: [1, 2], nested: { value: "before" } });
    expect(stored?.metadata).toEqual({ tag: "before" });
    expect(stored?.occurredAt.toISOString()).toBe("2020-01-01T00:00:00.000Z");
  },
});
