// Two subscriptions over the "profiles" category: one keeps a read model of
// every profile live in a projection store, the other "sends" a welcome email
// for each new profile. Each run publishes two new profiles. Both subscriptions
// keep their checkpoints in the store, so run the program again: it emails only
// the profiles created since, and the read models carry on from where they were.
//
//   pnpm example:subscriptions                 # on subscriptions.db, kept between runs
//   pnpm example:subscriptions -- --in-memory  # in memory: every run starts empty
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { defineProjector, EventStore, eq, keepProjectionLive, ProjectionStore } from "@chronicle/core";
import { InMemoryEventStorageAdapter, InMemoryProjectionStorageAdapter } from "@chronicle/in-memory";
import { SqliteEventStorageAdapter, SqliteProjectionStorageAdapter } from "@chronicle/sqlite";

interface ProfileEvents {
  "profile-created": { name: string; email: string };
  "profile-moved": { city: string };
}
type Profile = { name?: string; email?: string; city?: string };

const profiles = defineProjector<Profile, ProfileEvents>({
  name: "profile",
  initialState: () => ({}),
  handlers: {
    "profile-created": (state, event) => ({ ...state, name: event.payload.name, email: event.payload.email }),
    "profile-moved": (state, event) => ({ ...state, city: event.payload.city }),
  },
});

// The one place that chooses storage: events, checkpoints and read models in one SQLite file, or in memory.
const inMemory = process.argv.slice(2).includes("--in-memory");
const filename = fileURLToPath(new URL("../subscriptions.db", import.meta.url));
const store = new EventStore<ProfileEvents>(inMemory ? new InMemoryEventStorageAdapter() : new SqliteEventStorageAdapter({ filename }));
const projections = new ProjectionStore(
  inMemory ? new InMemoryProjectionStorageAdapter() : new SqliteProjectionStorageAdapter({ filename }),
);

// Publish this run's new profiles (numbered after those already there), and move one of them.
const run = ((await store.stream("example", "runs").latest())?.position ?? -1) + 1;
await store.stream("example", "runs").publish({ events: [{ name: "profile-moved", payload: { city: `run ${run}` } }] });
for (const index of [1, 2]) {
  const name = `user-${run}-${index}`;
  await store.stream("profiles", name).publish({
    events: [
      { name: "profile-created", payload: { name, email: `${name}@example.com` } },
      { name: "profile-moved", payload: { city: index === 1 ? "Leeds" : "York" } },
    ],
  });
}
console.log(`run ${run}: published two new profiles ${inMemory ? "in memory" : `to ${relative(process.cwd(), filename)}`}`);

// Welcome emails: only profile-created events reach the handler (the filter runs in the storage).
const emails = store.subscribe({
  name: "welcome-emails",
  source: store.category("profiles"),
  names: ["profile-created"],
  from: "beginning",
  handler: async (event) => {
    if (event.name === "profile-created") console.log(`  email to ${event.payload.email}: welcome, ${event.payload.name}!`);
  },
});

// The read model: one "profile" projection per stream of the category, kept up to date event by event.
const readModel = keepProjectionLive({
  store,
  projector: profiles,
  projections,
  source: store.category("profiles"),
  per: "stream",
  from: "beginning",
});

await Promise.all([emails.caughtUp(), readModel.caughtUp()]);
const inLeeds = await projections.count({ name: "profile", filter: eq("state.city", "Leeds") });
console.log(`read model: ${await projections.count({ name: "profile" })} profiles, ${inLeeds} of them in Leeds`);
console.log(`emails: ${emails.status().handled} sent this run; checkpoint at sequence number ${emails.status().position}`);

await emails.close();
await readModel.close();
await projections.close();
await store.close();
if (!inMemory) console.log("Run it again: only the next run's new profiles get an email.");
