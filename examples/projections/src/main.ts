// Projections in one program: fold a profile stream into a read model, keep a
// read model per profile in a projection store and search them with the query
// language, then keep a snapshot so a long stream is not folded from the start
// every time. Run it with `pnpm example:projections` from the repository root.
import { and, asc, defineProjector, desc, eq, gte, lt, type Projection, startsWith } from "@chronicle/core";
import { type Profile, type ProfileEvents, profileDefinition, profileProjector } from "./profile-projector.js";
import { openStores } from "./stores.js";

await using stores = openStores();
const { events, projections } = stores;
console.log(`Events and projections are kept ${stores.description}.\n`);

// 1. Fold one stream.
const joe = events.stream("profiles", "joe");
await joe.publish({
  events: [
    { name: "profile-created", payload: { name: "Joe", email: "joe@example.com" } },
    { name: "date-of-birth-set", payload: { dob: "1990-04-12" } },
    { name: "profile-moved", payload: { city: "Leeds" } },
  ],
});
const joeProfile = await profileProjector.project({ source: joe });
console.log("1. profiles/joe folded into a projection:");
show(joeProfile);

// apply folds one event synchronously, for code that already holds the events.
const [moved] = await joe.publish({ events: [{ name: "profile-moved", payload: { city: "York" } }] });
if (moved === undefined) throw new Error("A publish of one event returns one stored event.");
console.log("   apply(state, the next event) →", JSON.stringify(profileProjector.apply(joeProfile.state, moved)));

// `from` folds only the events after a projection's position.
const caughtUp = await profileProjector.project({ source: joe, from: joeProfile });
console.log(`   project({ from }) folded ${caughtUp.eventCount - joeProfile.eventCount} more event: now in ${caughtUp.state.city}\n`);

// 2. A read model per profile, searched with the query language.
const cities = ["Leeds", "York", "Bristol", "Glasgow", "Cardiff"];
const firstNames = ["Ada", "Alan", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances", "Edsger"];
const people = Array.from({ length: 300 }, (_, index) => ({
  stream: `person-${String(index).padStart(3, "0")}`,
  name: `${firstNames[index % firstNames.length]} ${index}`,
  dob: `${1950 + ((index * 7) % 55)}-${String(1 + (index % 12)).padStart(2, "0")}-15`,
  city: cities[(index * 3) % cities.length] as string,
}));
for (let start = 0; start < people.length; start += 50) {
  // One atomic publish per 50 profiles, each to its own stream.
  await events.category("profiles").publish({
    streams: Object.fromEntries(
      people.slice(start, start + 50).map((person) => [
        person.stream,
        {
          events: [
            { name: "profile-created", payload: { name: person.name, email: `${person.stream}@example.com` } },
            { name: "date-of-birth-set", payload: { dob: person.dob } },
            { name: "profile-moved", payload: { city: person.city } },
          ],
        },
      ]),
    ),
  });
}
// With `store`, project saves each projection: the read models the searches below query.
for (const person of people) {
  await profileProjector.project({ source: events.stream("profiles", person.stream), store: projections });
}

const inLeeds = and(eq("name", "profile"), eq("state.city", "Leeds"), lt("state.dob", "1980-01-01"));
console.log(`2. ${await projections.count({ filter: inLeeds })} profiles in Leeds born before 1980; the youngest first, 4 a page:`);
const firstPage = await projections.search<Profile>({ filter: inLeeds, sort: [desc("state.dob"), asc("id")], limit: 4 });
for (const profile of firstPage.items) console.log(`   ${profile.state.dob}  ${profile.state.name}`);
console.log("   next page (a keyset cursor: stable while profiles are saved and deleted meanwhile):");
const secondPage = await projections.search<Profile>({
  filter: inLeeds,
  sort: [desc("state.dob"), asc("id")],
  limit: 4,
  after: firstPage.next,
});
for (const profile of secondPage.items) console.log(`   ${profile.state.dob}  ${profile.state.name}`);
const graces: string[] = [];
for await (const profile of projections.iterate<Profile>({
  name: "profile",
  filter: and(startsWith("state.name", "Grace"), gte("state.moves", 1)),
  sort: [asc("state.name")],
})) {
  graces.push(profile.state.name ?? "");
}
console.log(`   iterate() over every Grace, page by page: ${graces.length} profiles, ${graces[0]} … ${graces.at(-1)}\n`);

// 3. Snapshots: a long stream folded once, then only its tail.
const nomad = events.stream("profiles", "nomad");
await nomad.publish({ events: [{ name: "profile-created", payload: { name: "Nomad", email: "nomad@example.com" } }] });
for (let batch = 0; batch < 20; batch += 1) {
  await nomad.publish({
    events: Array.from({ length: 500 }, (_, index) => ({
      name: "profile-moved" as const,
      payload: { city: cities[(batch + index) % cities.length] as string },
    })),
  });
}
const pages: number[] = [];
const rebuilt = await profileProjector.project({
  source: nomad,
  store: projections,
  saveEvery: 100,
  onProgress: ({ eventCount }) => pages.push(eventCount),
});
console.log(`3. profiles/nomad folded from the start in ${pages.length} pages: ${rebuilt.eventCount} events, ${rebuilt.state.moves} moves`);
await nomad.publish({ events: [{ name: "profile-moved", payload: { city: "Cardiff" } }] });
let folded = 0;
const tail = await profileProjector.project({
  source: nomad,
  store: projections,
  saveEvery: 100,
  onProgress: ({ eventCount }) => {
    folded = eventCount - rebuilt.eventCount;
  },
});
const stored = await projections.load<Profile>({ name: "profile", id: "nomad" });
console.log(`   one more move: the snapshot was loaded and ${folded} event folded; now in ${tail.state.city}`);
console.log(`   saveEvery: 100, so the stored snapshot still stops at event ${stored?.eventCount}`);

// Handlers that change meaning get a new version: older snapshots are ignored and the stream is folded again.
const profileProjectorV2 = defineProjector<Profile, ProfileEvents>({ ...profileDefinition, version: 2 });
const renewed = await profileProjectorV2.project({ source: nomad, store: projections });
console.log(`   version 2 ignores the version 1 snapshot: folded ${renewed.eventCount} events again and saved them`);
console.log(`   stored now: version ${(await projections.load({ name: "profile", id: "nomad" }))?.version}`);

function show(projection: Projection<Profile>): void {
  const { name, id, version, position, eventCount, updatedAt, state } = projection;
  console.log(`   ${name}/${id} v${version} at #${position}, ${eventCount} events, updated ${updatedAt?.toISOString()}`);
  console.log(`   state ${JSON.stringify(state)}`);
}
