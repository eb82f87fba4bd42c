// The one place that chooses storage: the rest of the example only sees an
// EventStore and a ProjectionStore. To keep events and projections elsewhere,
// construct other adapters here (for example SqliteEventStorageAdapter from
// @chronicle/sqlite); nothing else changes.
import { EventStore, ProjectionStore } from "@chronicle/core";
import { InMemoryEventStorageAdapter, InMemoryProjectionStorageAdapter } from "@chronicle/in-memory";
import type { ProfileEvents } from "./profile-projector.js";

/** The event store and the projection store the example runs on, closed together. */
export interface Stores extends AsyncDisposable {
  readonly events: EventStore<ProfileEvents>;
  readonly projections: ProjectionStore;
  /** Where the stores keep their data, for the program's first line. */
  readonly description: string;
}

export function openStores(): Stores {
  const events = new EventStore<ProfileEvents>(new InMemoryEventStorageAdapter());
  const projections = new ProjectionStore(new InMemoryProjectionStorageAdapter());
  return {
    events,
    projections,
    description: "in memory (events and projections start empty every run)",
    async [Symbol.asyncDispose]() {
      await projections.close();
      await events.close();
    },
  };
}
