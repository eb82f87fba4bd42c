// Chronicle in one file: publish with write conditions, see a conflicting write
// rejected, then read a stream, a category and the whole log.
// Run it with `pnpm demo` from the repository root: the events go to an SQLite
// file that persists across runs (`--file <path>` picks another one), or, with
// `--in-memory`, to the in-memory adapter, which starts empty every time.
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { EventStore, isChronicleError, positionIs, type StoredEvent, streamIsEmpty } from "@chronicle/core";
import { InMemoryEventStorageAdapter } from "@chronicle/in-memory";
import { SqliteEventStorageAdapter } from "@chronicle/sqlite";

const { values: flags } = parseArgs({
  // `pnpm demo -- --in-memory` hands the script a literal "--", which would end option parsing.
  args: process.argv.slice(2).filter((argument) => argument !== "--"),
  options: { file: { type: "string" }, "in-memory": { type: "boolean", default: false } },
});
if (flags["in-memory"] && flags.file !== undefined) throw new Error("Give either --in-memory or --file <path>, not both.");
const filename = flags.file ?? fileURLToPath(new URL("../quickstart.db", import.meta.url));

function show(event: StoredEvent): string {
  const where = `${event.category}/${event.stream}@${event.position}`;
  return `  ${`#${event.sequenceNumber}`.padEnd(4)} ${where.padEnd(20)} ${event.name.padEnd(16)} ${JSON.stringify(event.payload)}`;
}

// Disposed when the program ends, even if a step throws: the store closes its adapter, and the SQLite adapter its file.
await using store = new EventStore(flags["in-memory"] ? new InMemoryEventStorageAdapter() : new SqliteEventStorageAdapter({ filename }));

// On a file the log keeps every earlier run's events, so this run numbers itself
// from the runs already recorded and writes to streams of its own: a second
// `streamIsEmpty()` publish to the same stream would rightly be rejected.
let earlierEvents = 0;
for await (const _ of store.log().iterate()) earlierEvents++;
const runs = store.stream("quickstart", "runs");
const lastRun = await runs.latest();
const [started] = await runs.publish({
  events: [{ name: "run-started", payload: { adapter: flags["in-memory"] ? "in-memory" : "sqlite" } }],
  // Two demos started at once on one file cannot both claim the same run number.
  condition: lastRun === undefined ? streamIsEmpty() : positionIs(lastRun.position),
});
if (started === undefined) throw new Error("A publish of one event returns one stored event.");
const run = started.position + 1;
const where = flags["in-memory"] ? "in memory" : `on ${flags.file ?? relative(process.cwd(), filename)}`;
console.log(`Run ${run} ${where}: the log holds ${earlierEvents} events from earlier runs.`);

const profiles = store.category("profiles");
const joe = profiles.stream(`joe-${run}`);

console.log(`\nPublishing to ${joe.target.category}/${joe.target.stream}, only if the stream is still empty:`);
const created = await joe.publish({
  events: [{ name: "profile-created", payload: { name: "Joe", email: "joe@example.com" } }],
  condition: streamIsEmpty(),
});
for (const event of created) console.log(show(event));

console.log("\nPublishing two more events, only if joe's latest position is still 0:");
const renamed = await joe.publish({
  events: [
    { name: "profile-renamed", payload: { name: "Joseph" }, metadata: { by: "joe" } },
    { name: "email-changed", payload: { email: "joseph@example.com" }, occurredAt: new Date("2024-05-01T09:30:00Z") },
  ],
  condition: positionIs(0),
});
for (const event of renamed) console.log(show(event));

console.log("\nPublishing to two streams of profiles in one atomic write:");
const both = await profiles.publish({
  streams: {
    [`jane-${run}`]: {
      events: [{ name: "profile-created", payload: { name: "Jane", email: "jane@example.com" } }],
      condition: streamIsEmpty(),
    },
    [`ann-${run}`]: {
      events: [{ name: "profile-created", payload: { name: "Ann", email: "ann@example.com" } }],
      condition: streamIsEmpty(),
    },
  },
});
for (const events of Object.values(both)) for (const event of events) console.log(show(event));
await store.stream("orders", `o-${run}`).publish({ events: [{ name: "order-placed", payload: { customer: "jane", total: 42 } }] });

console.log("\nA writer that last saw joe at position 0 tries to rename him again:");
try {
  await joe.publish({ events: [{ name: "profile-renamed", payload: { name: "Joey" } }], condition: positionIs(0) });
} catch (error) {
  if (!isChronicleError(error, "UNMET_WRITE_CONDITION")) throw error;
  // The error carries the facts a caller needs to decide: reload and retry, or give up.
  console.log(`  rejected with ${error.code} (retryable: ${error.retryable})`);
  console.log(`  stream:          ${error.target.category}/${error.target.stream}`);
  console.log(`  condition:       ${JSON.stringify(error.condition)}`);
  console.log(`  latest position: ${error.latestPosition}`);
  console.log(`  message:         ${error.message}`);
}

console.log(`\nReading the stream ${joe.target.category}/${joe.target.stream}:`);
for (const event of await joe.read()) console.log(show(event));

// `after` an exclusive sequence number: how a reader picks up where it left off, here where this run began.
console.log(`\nIterating the category profiles after #${started.sequenceNumber}, only profile-created events:`);
for await (const event of profiles.iterate({ names: ["profile-created"], after: started.sequenceNumber })) {
  console.log(show(event));
}

console.log("\nIterating the whole log backwards, newest first, at most 3 events:");
for await (const event of store.log().iterate({ direction: "backwards", limit: 3 })) console.log(show(event));

console.log("\nWhen it happened (occurredAt) and when the store learned of it (observedAt):");
const [, emailChanged] = renamed;
console.log(
  `  ${emailChanged?.name}: occurred ${emailChanged?.occurredAt.toISOString()}, observed ${emailChanged?.observedAt.toISOString()}`,
);
