// Appends to one SQLite file from its own process, printing one JSON line per acknowledged publish.
import { EventStore, isChronicleError, positionIs, type StoredEvent, streamIsEmpty } from "@chronicle/core";
import { SqliteEventStorageAdapter, type SqliteSynchronous } from "../../src/index.js";

interface Options {
  filename: string;
  writer: string;
  /** How many publishes; -1 for as many as it can until killed. */
  publishes: number;
  eventsPerPublish: number;
  concurrency: number;
  /** Publish with `positionIs(latest)` and retry on UNMET_WRITE_CONDITION, instead of without a condition. */
  optimistic?: boolean;
  synchronous?: SqliteSynchronous;
  busyTimeoutMs?: number;
}

const options = JSON.parse(process.argv[2] ?? "{}") as Options;
const print = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);
const store = new EventStore(
  new SqliteEventStorageAdapter({ filename: options.filename }, { synchronous: options.synchronous, busyTimeoutMs: options.busyTimeoutMs }),
);
const shared = store.stream("shared", options.optimistic ? "counter" : "all");
const errors: string[] = [];
let next = 0;
let acknowledged = 0;

async function publish(index: number): Promise<StoredEvent[]> {
  const events = Array.from({ length: options.eventsPerPublish }, (_, part) => ({
    name: "appended",
    payload: { writer: options.writer, index, part },
  }));
  if (!options.optimistic) return shared.publish({ events });
  for (;;) {
    const latest = await shared.latest();
    try {
      return await shared.publish({ events, condition: latest === undefined ? streamIsEmpty() : positionIs(latest.position) });
    } catch (error) {
      if (!isChronicleError(error, "UNMET_WRITE_CONDITION")) throw error;
    }
  }
}

print({ type: "started", writer: options.writer });
await Promise.all(
  Array.from({ length: options.concurrency }, async () => {
    while (options.publishes < 0 || next < options.publishes) {
      const index = next;
      next += 1;
      try {
        const stored = await publish(index);
        acknowledged += 1;
        print({ type: "ack", writer: options.writer, index, ids: stored.map((event) => event.id) });
      } catch (error) {
        errors.push(isChronicleError(error) ? `${error.code}: ${error.message}` : String(error));
      }
    }
  }),
);
await store.close();
print({ type: "done", writer: options.writer, acknowledged, errors });
