import {
  categoryIdentifier,
  type EventTarget,
  logIdentifier,
  type SerialisationGuarantee,
  type StoredEvent,
  streamIdentifier,
} from "@chronicle/core";
import { afterAll, describe, expect, it } from "vitest";
import { PostgresEventStorageAdapter } from "../src/index.js";
import { createPool, dropSchemas, POSTGRES_URL, readRaw, uniqueSchema } from "./postgres-test-support.js";

const WRITERS = 8;
const SAVES_PER_WRITER = 250;
const CATEGORIES = ["accounts", "orders", "invoices"];

const admin = createPool(2);
const schemas: string[] = [];

afterAll(async () => {
  await dropSchemas(admin, schemas);
  await admin.end();
});

/**
 * Promise 4 under load: 8 writers (each with its own pool, so their transactions
 * really overlap and commit out of sequence order under "category" and "stream")
 * append thousands of events in single events and small batches, while readers
 * tail the log and one category, each paging `after` the last sequence number it
 * saw. Every reader must end with every event of its scope exactly once, in order.
 */
describe.each<SerialisationGuarantee>(["log", "category", "stream"])("gap-free reading under %s", (serialisationGuarantee) => {
  it("tailing readers see every event exactly once while 8 writers append", { timeout: 120_000 }, async () => {
    const schema = uniqueSchema(`gap-free-${serialisationGuarantee}`);
    schemas.push(schema);
    const options = { schema, serialisationGuarantee };
    const readerAdapter = new PostgresEventStorageAdapter({ connectionString: POSTGRES_URL, maxConnections: 2 }, options);
    await readerAdapter.migrate();
    const writers = Array.from(
      { length: WRITERS },
      () => new PostgresEventStorageAdapter({ connectionString: POSTGRES_URL, maxConnections: 2 }, options),
    );

    let writing = true;
    const tail = async (target: EventTarget): Promise<StoredEvent[]> => {
      const seen: StoredEvent[] = [];
      let after: bigint | undefined;
      // One last pass after the writers finish picks up whatever the gate still held back.
      for (let finalPass = false; ; ) {
        const done = !writing;
        for await (const event of readerAdapter.scan(target, { after, pageSize: 50 })) {
          seen.push(event);
          after = event.sequenceNumber;
        }
        if (finalPass) return seen;
        if (done) finalPass = true;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    };
    const logReader = tail(logIdentifier());
    const categoryReader = tail(categoryIdentifier("accounts"));

    await Promise.all(
      writers.map(async (adapter, writer) => {
        for (let save = 0; save < SAVES_PER_WRITER; save += 1) {
          const category = CATEGORIES[(writer + save) % CATEGORIES.length] as string;
          const size = 1 + (save % 3);
          await adapter.save([
            {
              target: streamIdentifier(category, `writer-${writer}-${save % 5}`),
              events: Array.from({ length: size }, (_, index) => ({ name: "appended", payload: { writer, save, index } })),
            },
          ]);
        }
      }),
    );
    writing = false;
    const [logSeen, categorySeen] = await Promise.all([logReader, categoryReader]);
    await Promise.all([...writers, readerAdapter].map((adapter) => adapter.close()));

    const stored = await readRaw(admin, schema);
    expect(stored.length).toBeGreaterThan(WRITERS * SAVES_PER_WRITER);
    const idsOf = (events: readonly StoredEvent[]) => events.map((event) => event.id);
    expect(idsOf(logSeen), "the log reader saw every event once, in sequence order").toEqual(idsOf(stored));
    expect(idsOf(categorySeen), "the category reader saw every event of its category once, in sequence order").toEqual(
      idsOf(stored.filter((event) => event.category === "accounts")),
    );
  });
});
