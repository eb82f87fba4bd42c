// The one place that chooses storage: the rest of the example only sees an
// EventStore and a ProjectionStore. By default both live in one SQLite file;
// `--in-memory` keeps them in memory instead. To keep events and projections
// elsewhere, construct other adapters here; nothing else changes.
import { rmSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { EventStore, ProjectionStore } from "@chronicle/core";
import { InMemoryEventStorageAdapter, InMemoryProjectionStorageAdapter } from "@chronicle/in-memory";
import { SqliteEventStorageAdapter, SqliteProjectionStorageAdapter } from "@chronicle/sqlite";
import type { ProfileEvents } from "./profile-projector.js";

/** The event store and the projection store the example runs on, closed together. */
export interface Stores extends AsyncDisposable {
  readonly events: EventStore<ProfileEvents>;
  readonly projections: ProjectionStore;
  /** Where the stores keep their data, for the program's first line. */
  readonly description: string;
}

export function openStores(): Stores {
  // `pnpm example:projections -- --in-memory` hands the script a literal "--" before the flag.
  const inMemory = process.argv.slice(2).includes("--in-memory");
  let events: EventStore<ProfileEvents>;
  let projections: ProjectionStore;
  let description: string;
  if (inMemory) {
    events = new EventStore<ProfileEvents>(new InMemoryEventStorageAdapter());
    projections = new ProjectionStore(new InMemoryProjectionStorageAdapter());
    description = "in memory (events and projections start empty every run)";
  } else {
    // The program publishes the same streams every run, so it starts from a fresh file, and leaves it to look at afterwards.
    const filename = fileURLToPath(new URL("../projections.db", import.meta.url));
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${filename}${suffix}`, { force: true });
    // One file holds both: the events in chronicle_events, the projections in chronicle_projections.
    events = new EventStore<ProfileEvents>(new SqliteEventStorageAdapter({ filename }));
    projections = new ProjectionStore(new SqliteProjectionStorageAdapter({ filename }, { indexedPaths: ["state.city"] }));
    description = `in one SQLite file, ${relative(process.cwd(), filename)} (started afresh every run; --in-memory keeps them in memory)`;
  }
  return {
    events,
    projections,
    description,
    async [Symbol.asyncDispose]() {
      await projections.close();
      await events.close();
    },
  };
}
