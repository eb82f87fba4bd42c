import { setTimeout as sleep } from "node:timers/promises";
import { type EventReader, EventStore, type StoredEvent } from "@chronicle/core";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteEventStorageAdapter } from "../src/index.js";
import { startScript } from "./child-process.js";
import { removeTemporaryFiles, temporaryDatabaseFile } from "./temporary-files.js";

afterAll(removeTemporaryFiles);

/** Polls `reader` after the last sequence number seen, as a subscriber does, until `finished()` and one more pass finds nothing. */
async function tail(
  reader: EventReader,
  pageSize: number,
  finished: () => boolean,
): Promise<{ seen: StoredEvent[]; growingPasses: number }> {
  const seen: StoredEvent[] = [];
  let growingPasses = 0;
  for (;;) {
    const writerDone = finished();
    let found = 0;
    for await (const event of reader.iterate({ after: seen.at(-1)?.sequenceNumber, pageSize })) {
      seen.push(event);
      found += 1;
    }
    if (!writerDone && found > 0) growingPasses += 1;
    if (writerDone && found === 0) return { seen, growingPasses };
    await sleep(1);
  }
}

describe("a read-only connection tailing the log while another process writes", () => {
  it("never skips an event", async () => {
    const filename = temporaryDatabaseFile();
    const writer = startScript("append-loop", { filename, writer: "w", publishes: 1500, eventsPerPublish: 2, concurrency: 2 });
    await writer.waitForLine((line) => (line as { type: string }).type === "ack");
    let exited = false;
    const exit = writer.exited.then((outcome) => {
      exited = true;
      return outcome;
    });

    const readOnly = new Database(filename, { readonly: true });
    const store = new EventStore(new SqliteEventStorageAdapter({ database: readOnly }));
    const [fromLog, fromCategory, fromStream] = await Promise.all([
      tail(store.log(), 7, () => exited),
      tail(store.category("shared"), 50, () => exited),
      tail(store.stream("shared", "all"), 13, () => exited),
    ]);
    expect(await exit).toMatchObject({ code: 0 });
    await store.close();
    expect(readOnly.open).toBe(true);
    readOnly.close();

    const oracle = new Database(filename, { readonly: true });
    const all = (
      oracle.prepare("SELECT sequence_number FROM chronicle_events ORDER BY sequence_number").all() as { sequence_number: number }[]
    ).map((row) => BigInt(row.sequence_number));
    oracle.close();
    expect(all).toHaveLength(3000);
    for (const { seen, growingPasses } of [fromLog, fromCategory, fromStream]) {
      // The readers really did overlap the writer: they found new events on several passes.
      expect(growingPasses).toBeGreaterThan(3);
      expect(seen.map((event) => event.sequenceNumber)).toEqual(all);
      expect(seen.map((event) => event.position)).toEqual(all.map((_, index) => index));
    }
  }, 60_000);
});
