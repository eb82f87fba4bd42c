// Chronicle in one file: publish with write conditions, see a conflicting write
// rejected, then read a stream, a category and the whole log.
// Run it with `pnpm demo` from the repository root.
import { EventStore, positionIs, type StoredEvent, streamIsEmpty, UnmetWriteConditionError } from "@chronicle/core";
import { InMemoryEventStorageAdapter } from "@chronicle/in-memory";

function show(event: StoredEvent): string {
  const where = `${event.category}/${event.stream}@${event.position}`;
  return `  #${event.sequenceNumber} ${where.padEnd(18)} ${event.name.padEnd(16)} ${JSON.stringify(event.payload)}`;
}

await using store = new EventStore(new InMemoryEventStorageAdapter());
const profiles = store.category("profiles");
const joe = profiles.stream("joe");

console.log("Publishing to profiles/joe, only if the stream is still empty:");
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
    jane: { events: [{ name: "profile-created", payload: { name: "Jane", email: "jane@example.com" } }], condition: streamIsEmpty() },
    ann: { events: [{ name: "profile-created", payload: { name: "Ann", email: "ann@example.com" } }], condition: streamIsEmpty() },
  },
});
for (const events of Object.values(both)) for (const event of events) console.log(show(event));
await store.stream("orders", "o-1").publish({ events: [{ name: "order-placed", payload: { customer: "jane", total: 42 } }] });

console.log("\nA writer that last saw joe at position 0 tries to rename him again:");
try {
  await joe.publish({ events: [{ name: "profile-renamed", payload: { name: "Joey" } }], condition: positionIs(0) });
} catch (error) {
  if (!(error instanceof UnmetWriteConditionError)) throw error;
  // The error carries the facts a caller needs to decide: reload and retry, or give up.
  console.log(`  rejected with ${error.code} (retryable: ${error.retryable})`);
  console.log(`  stream:          ${error.target.category}/${error.target.stream}`);
  console.log(`  condition:       ${JSON.stringify(error.condition)}`);
  console.log(`  latest position: ${error.latestPosition}`);
  console.log(`  message:         ${error.message}`);
}

console.log("\nReading the stream profiles/joe:");
for (const event of await joe.read()) console.log(show(event));

console.log("\nIterating the category profiles, only profile-created events:");
for await (const event of profiles.iterate({ names: ["profile-created"] })) console.log(show(event));

console.log("\nIterating the whole log backwards, newest first, at most 3 events:");
for await (const event of store.log().iterate({ direction: "backwards", limit: 3 })) console.log(show(event));

console.log("\nWhen it happened (occurredAt) and when the store learned of it (observedAt):");
const [, emailChanged] = renamed;
console.log(
  `  ${emailChanged?.name}: occurred ${emailChanged?.occurredAt.toISOString()}, observed ${emailChanged?.observedAt.toISOString()}`,
);
