// A second writer on the soak's SQLite file, in a process of its own, which the fault injector kills with SIGKILL
// (mid-transaction, as often as not) and starts again. It prints one JSON line per write as it ends.
import { writeSync } from "node:fs";
import { EventStore } from "@chronicle/core";
import { SqliteEventStorageAdapter } from "@chronicle/sqlite";
import { soakRandom } from "./soak-random.js";
import { planWrite, publishPlanned, type WriterRecord } from "./soak-writes.js";

/** What the soak passes as the one JSON argument. */
export interface SecondWriterOptions {
  filename: string;
  /** Names this run of the process, so its write ids never repeat those of an earlier run. */
  writer: string;
  seed: number;
}

const options = JSON.parse(process.argv[2] ?? "{}") as SecondWriterOptions;
const store = new EventStore(new SqliteEventStorageAdapter({ filename: options.filename }));
const random = soakRandom(options.seed);
// Written synchronously, so an acknowledgement printed before the kill is never lost in a buffer with the process.
const print = (line: unknown) => writeSync(1, `${JSON.stringify(line)}\n`);

await store.log().latest();
print({ ready: true });
for (let index = 0; ; index += 1) {
  const record: WriterRecord = { outcomes: [], retried: new Map() };
  const outcome = await publishPlanned(store, planWrite(options.writer, index, random, true), random, record);
  const retried = Object.fromEntries(record.retried);
  if ("acknowledged" in outcome) {
    print({
      write: outcome.write.id,
      retried,
      stored: outcome.acknowledged.map((event) => [event.id, event.category, event.stream, event.position, String(event.sequenceNumber)]),
    });
  } else {
    print({ write: outcome.write.id, retried, failed: outcome.failed, message: outcome.message });
  }
}
