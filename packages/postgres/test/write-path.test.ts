import {
  EventStore,
  logIdentifier,
  positionIs,
  type SerialisationGuarantee,
  type StoredEvent,
  streamIdentifier,
  streamIsEmpty,
} from "@chronicle/core";
import { afterAll, describe, expect, it } from "vitest";
import { PostgresEventStorageAdapter } from "../src/index.js";
import { createPool, dropSchemas, readRaw, uniqueSchema } from "./postgres-test-support.js";

const pool = createPool(10);
const schemas: string[] = [];

function adapterFor(label: string, serialisationGuarantee: SerialisationGuarantee = "log"): PostgresEventStorageAdapter {
  const schema = uniqueSchema(label);
  schemas.push(schema);
  return new PostgresEventStorageAdapter({ pool }, { schema, serialisationGuarantee });
}

afterAll(async () => {
  await dropSchemas(pool, schemas);
  await pool.end();
});

async function transactionsOf(schema: string): Promise<number> {
  const { rows } = await pool.query(`SELECT count(DISTINCT transaction_id)::integer AS count FROM "${schema}".events`);
  return rows[0].count;
}

describe.each<SerialisationGuarantee>(["log", "stream"])("coalesced saves under %s", (serialisationGuarantee) => {
  it("judges each concurrent save on its own: a failed condition or a duplicate id fails only its save", async () => {
    const adapter = adapterFor(`coalesce-${serialisationGuarantee}`, serialisationGuarantee);
    const store = new EventStore(adapter);
    const [taken] = await store.stream("ids", "owner").publish({ events: [{ id: "taken-id", name: "owned", payload: 1 }] });
    const replayed = { id: "replayed-id", name: "replayed", payload: { again: true } };
    const [original] = await store.stream("ids", "replays").publish({ events: [replayed] });

    const publishes = Array.from({ length: 40 }, (_, index) => {
      const stream = store.stream("coalesced", `stream-${index}`);
      if (index === 7) return stream.publish({ events: [{ name: "too-late", payload: index }], condition: positionIs(3) });
      if (index === 13) return stream.publish({ events: [{ id: "taken-id", name: "clash", payload: index }] });
      if (index === 21) return store.stream("ids", "replays").publish({ events: [replayed], condition: streamIsEmpty() });
      return stream.publish({ events: [{ name: "coalesced", payload: index }], condition: streamIsEmpty() });
    });
    const outcomes = await Promise.allSettled(publishes);

    outcomes.forEach((outcome, index) => {
      if (index === 7)
        expect(outcome).toMatchObject({ status: "rejected", reason: { code: "UNMET_WRITE_CONDITION", latestPosition: undefined } });
      else if (index === 13) expect(outcome).toMatchObject({ status: "rejected", reason: { code: "DUPLICATE_EVENT_ID" } });
      else if (index === 21) expect(outcome).toEqual({ status: "fulfilled", value: [original] });
      else expect(outcome).toMatchObject({ status: "fulfilled", value: [{ name: "coalesced", payload: index, position: 0 }] });
    });

    const stored = await readRaw(pool, adapter.schema);
    expect(stored).toHaveLength(2 + 37);
    expect(stored.find((event) => event.id === "taken-id")).toEqual(taken);
    // Far fewer transactions than publishes: concurrent saves shared commits.
    expect(await transactionsOf(adapter.schema)).toBeLessThan(20);
    // What the publishes returned is what a read returns.
    const fulfilled = outcomes.flatMap((outcome, index) => (outcome.status === "fulfilled" && index !== 21 ? outcome.value : []));
    const read: StoredEvent[] = [];
    for await (const event of adapter.scan(logIdentifier())) read.push(event);
    for (const event of fulfilled) expect(read).toContainEqual(event);
    await store.close();
  });
});

describe("the write path", () => {
  it("judges concurrent saves to one stream one after the other, in order", async () => {
    const adapter = adapterFor("same-stream");
    const store = new EventStore(adapter);
    const stream = store.stream("shared", "one");
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 12 }, (_, index) => stream.publish({ events: [{ name: "appended", payload: index }] })),
      ...Array.from({ length: 4 }, (_, racer) =>
        stream.publish({ events: [{ name: "raced", payload: racer }], condition: positionIs(11) }),
      ),
    ]);
    expect(outcomes.slice(0, 12)).toEqual(
      Array.from({ length: 12 }, (_, index) => ({
        status: "fulfilled",
        value: [expect.objectContaining({ position: index, payload: index })],
      })),
    );
    // The racers come after the 12 appends: the first wins, the others find position 12 taken.
    expect(outcomes[12]).toMatchObject({ status: "fulfilled", value: [{ position: 12, payload: 0 }] });
    for (const outcome of outcomes.slice(13)) {
      expect(outcome).toMatchObject({ status: "rejected", reason: { code: "UNMET_WRITE_CONDITION", latestPosition: 12 } });
    }
    expect((await readRaw(pool, adapter.schema)).map((event) => event.position)).toEqual(Array.from({ length: 13 }, (_, index) => index));
    await store.close();
  });

  it("appends a batch at contiguous positions and sequence numbers in one transaction", async () => {
    const adapter = adapterFor("batch");
    const target = streamIdentifier("batches", "one");
    const events = Array.from({ length: 250 }, (_, index) => ({ name: "tick", payload: { index } }));
    const [first] = await adapter.save([{ target, events }]);
    const [second] = await adapter.save([{ target, events: events.slice(0, 3) }]);
    expect(first?.map((event) => event.position)).toEqual(events.map((_, index) => index));
    expect(second?.map((event) => event.position)).toEqual([250, 251, 252]);
    const numbers = [...(first ?? []), ...(second ?? [])].map((event) => event.sequenceNumber);
    expect(numbers).toEqual(numbers.map((_, index) => (numbers[0] as bigint) + BigInt(index)));
    expect(await transactionsOf(adapter.schema)).toBe(2);
    await adapter.close();
  });

  it("stores ids and names that an array literal must quote exactly as given", async () => {
    const adapter = adapterFor("quoting");
    const target = streamIdentifier("quoting", "texts");
    const texts = ['a"b', "a\\b", "{x,y}", "NULL", "null", " padded ", "tab\there", "ünïcödé", "😀", "plain-id.1:2_3", 'a\\"b'];
    const events = texts.map((text, index) => ({ id: `${text}#${index}`, name: text, payload: { index } }));
    events.push({ id: "NULL", name: "Null", payload: { index: texts.length } });
    const [stored] = await adapter.save([{ target, events }]);
    expect(stored?.map((event) => [event.id, event.name])).toEqual(events.map((event) => [event.id, event.name]));
    const raw = await readRaw(pool, adapter.schema);
    expect(raw.map((event) => [event.id, event.name])).toEqual(events.map((event) => [event.id, event.name]));
    await adapter.close();
  });

  it("replays a retried save whose id another writer stored concurrently, and rejects a clashing one", async () => {
    const adapter = adapterFor("id-race", "stream");
    const other = new PostgresEventStorageAdapter({ pool }, { schema: adapter.schema, serialisationGuarantee: "stream" });
    const event = { id: "raced-id", name: "raced", payload: { same: true } };
    const target = streamIdentifier("races", "ids");
    const outcomes = await Promise.allSettled([
      adapter.save([{ target, events: [event] }]),
      other.save([{ target, events: [event] }]),
      other.save([{ target: streamIdentifier("races", "elsewhere"), events: [event] }]),
    ]);
    const stored = await readRaw(pool, adapter.schema);
    expect(stored).toHaveLength(1);
    const [winner] = stored;
    for (const outcome of outcomes) {
      if (outcome.status === "fulfilled") expect(outcome.value).toEqual([[winner]]);
      else expect(outcome.reason).toMatchObject({ code: "DUPLICATE_EVENT_ID" });
    }
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled").length).toBeGreaterThanOrEqual(1);
    await Promise.all([adapter.close(), other.close()]);
  });

  it("keeps payloads PostgreSQL's jsonb would refuse, and dates to the millisecond across the whole range", async () => {
    const adapter = adapterFor("round-trip");
    const target = streamIdentifier("round", "trip");
    const dates = [new Date(-62135596800001), new Date(-1), new Date(0), new Date(1_700_000_000_123), new Date(8.64e15)];
    const payloads = ["nul \u0000 inside", { "\u0000key": [1.5, 1e300, "\ud800"] }, "😀 ✓ ü"];
    const [stored] = await adapter.save([
      {
        target,
        events: dates.map((date, index) => ({
          name: "dated",
          payload: payloads[index % payloads.length] ?? null,
          occurredAt: date,
          observedAt: date,
          metadata: { index },
        })),
      },
    ]);
    const read: StoredEvent[] = [];
    for await (const event of adapter.scan(target)) read.push(event);
    expect(read).toEqual(stored);
    expect(read.map((event) => event.occurredAt.getTime())).toEqual(dates.map((date) => date.getTime()));
    expect(read.map((event) => event.payload)).toEqual(dates.map((_, index) => payloads[index % payloads.length]));
    await expect(
      adapter.save([{ target, events: [{ name: "ancient", payload: null, occurredAt: new Date(-8.64e15) }] }]),
    ).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await adapter.close();
  });

  it("backs the application's checks with unique constraints on event id and stream position", async () => {
    const adapter = adapterFor("backstop");
    const [[event]] = (await adapter.save([
      { target: streamIdentifier("backstop", "one"), events: [{ name: "first", payload: null }] },
    ])) as [[StoredEvent]];
    const insert = (id: string, position: number) =>
      pool.query(
        `INSERT INTO "${adapter.schema}".events
           (sequence_number, id, category, stream, position, name, payload, metadata, occurred_at, observed_at, transaction_id)
         VALUES (nextval('"${adapter.schema}".events_sequence_number'), $1, 'backstop', 'one', $2, 'forged', 'null', '{}', now(), now(), pg_current_xact_id())`,
        [id, position],
      );
    await expect(insert("another-id", 0)).rejects.toMatchObject({ code: "23505", constraint: "events_stream_position_key" });
    await expect(insert(event.id, 1)).rejects.toMatchObject({ code: "23505", constraint: "events_id_key" });
    await adapter.close();
  });
});
