import {
  defineProjector,
  type EventStorageAdapter,
  EventStore,
  type ProjectionStorageAdapter,
  ProjectionStore,
  type StoredEvent,
} from "@chronicle/core";
import { afterAll, describe, expect, it } from "vitest";

/** Options of `describeSnapshots`. */
export interface DescribeSnapshotsOptions {
  /** Names the tests in reports. */
  name: string;
  /**
   * Opens an event storage adapter and a projection storage adapter over one
   * fresh, isolated storage (the same schema, file or key prefix), named after `testId`.
   */
  create: (context: { testId: string }) => Promise<{ events: EventStorageAdapter; projections: ProjectionStorageAdapter }>;
  /** Runs after the tests. */
  cleanup?: () => Promise<void>;
}

type Totals = { count: number; total: number; last: number | null };

/** Folds `added` events into a count and a sum; `version` 2 counts twice, so its states differ from version 1's. */
function totals(version: number) {
  return defineProjector<Totals>({
    name: "totals",
    version,
    initialState: () => ({ count: 0, total: 0, last: null }),
    handlers: {
      added: (state, event) => ({
        count: state.count + version,
        total: state.total + (event.payload as { n: number }).n,
        last: (event.payload as { n: number }).n,
      }),
    },
  });
}

function fullFold(version: number, events: readonly StoredEvent[]): Totals {
  const projector = totals(version);
  return events.reduce((state, event) => projector.apply(state, event), projector.initialState());
}

/**
 * Checks snapshots (`projector.project({ source, store, saveEvery })`) with an
 * event store and a projection store kept in the same storage: the snapshot is
 * saved, a later fold continues from it and reads only the newer events, the
 * state always equals a full fold, and a new projector version folds from the
 * start and replaces the old snapshot.
 */
export function describeSnapshots(options: DescribeSnapshotsOptions): void {
  describe(`${options.name}: snapshots beside the events`, () => {
    if (options.cleanup !== undefined) afterAll(options.cleanup);

    it("saves a snapshot, continues from it, and always equals a full fold", async () => {
      const { events, projections: projectionAdapter } = await options.create({ testId: "snapshots-continue" });
      const store = new EventStore(events);
      const projections = new ProjectionStore(projectionAdapter);
      try {
        const stream = store.stream("ledgers", "l-1");
        const publish = (from: number, count: number) =>
          stream.publish({ events: Array.from({ length: count }, (_, index) => ({ name: "added", payload: { n: from + index } })) });
        await publish(0, 40);
        const first = await totals(1).project({ source: stream, store: projections, saveEvery: 10 });
        expect(first.state).toEqual(fullFold(1, await stream.read()));
        const saved = await projections.load({ name: "totals", id: "l-1" });
        expect(saved?.position).toBe(first.position);
        expect(saved?.eventCount).toBe(40);

        await publish(40, 5);
        let read = 0;
        const counted = {
          ...stream,
          target: stream.target,
          iterate: (scan?: Parameters<typeof stream.iterate>[0]) => {
            const inner = stream.iterate(scan);
            return {
              async *[Symbol.asyncIterator]() {
                for await (const event of inner) {
                  read += 1;
                  yield event;
                }
              },
            };
          },
        };
        // saveEvery 10 with only 5 new events: the fold is up to date but the snapshot is left as it was.
        const second = await totals(1).project({ source: counted, store: projections, saveEvery: 10 });
        expect(read, "only the events after the snapshot are read").toBe(5);
        expect(second.state).toEqual(fullFold(1, await stream.read()));
        expect(second.eventCount).toBe(45);
        expect((await projections.load({ name: "totals", id: "l-1" }))?.eventCount).toBe(40);

        const third = await totals(1).project({ source: stream, store: projections });
        expect(third.state).toEqual(second.state);
        expect((await projections.load({ name: "totals", id: "l-1" }))?.eventCount).toBe(45);
      } finally {
        await projections.close();
        await store.close();
      }
    });

    it("folds from the start when the projector's version changed, and replaces the old snapshot", async () => {
      const { events, projections: projectionAdapter } = await options.create({ testId: "snapshots-version" });
      const store = new EventStore(events);
      const projections = new ProjectionStore(projectionAdapter);
      try {
        const stream = store.stream("ledgers", "l-2");
        await stream.publish({ events: Array.from({ length: 30 }, (_, n) => ({ name: "added", payload: { n } })) });
        await totals(1).project({ source: stream, store: projections });
        const upgraded = await totals(2).project({ source: stream, store: projections });
        expect(upgraded.state).toEqual(fullFold(2, await stream.read()));
        expect(upgraded.version).toBe(2);
        const stored = await projections.load({ name: "totals", id: "l-2" });
        expect(stored?.version).toBe(2);
        expect(stored?.state).toEqual(upgraded.state);
        // The old version can no longer overwrite it.
        expect(await projections.save({ ...upgraded, version: 1 })).toBe(false);
      } finally {
        await projections.close();
        await store.close();
      }
    });
  });
}
