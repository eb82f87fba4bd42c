import {
  categoryIdentifier,
  defineProjector,
  EventStore,
  isChronicleError,
  logIdentifier,
  type Projection,
  type ProjectionReader,
  ProjectionStore,
  type ProjectProgress,
  type ScanOptions,
  type StoredEvent,
  streamIdentifier,
} from "@chronicle/core";
import { createRandom } from "@chronicle/testing";
import { describe, expect, it } from "vitest";
import { InMemoryEventStorageAdapter, InMemoryProjectionStorageAdapter } from "../src/index.js";

interface ProfileEvents {
  "profile-created": { name: string; email: string };
  "date-of-birth-set": { dob: string };
}
type Profile = { name?: string; email?: string; dob?: string };

const profiles = defineProjector<Profile, ProfileEvents>({
  name: "profile",
  initialState: () => ({}),
  handlers: {
    "profile-created": (state, event) => ({ ...state, name: event.payload.name, email: event.payload.email }),
    "date-of-birth-set": (state, event) => ({ ...state, dob: event.payload.dob }),
  },
});

/** An order-sensitive fold: any event folded twice, skipped or out of order changes `hash`. */
type Tally = { count: number; total: number; hash: number; last: string | null };
interface TallyEvents {
  added: { amount: number };
  removed: { amount: number };
}
function tally(options: { version?: number; unknownEvents?: "ignore" | "reject"; calls?: { count: number } } = {}) {
  const step = (state: Tally, event: StoredEvent, amount: number): Tally => {
    if (options.calls) options.calls.count += 1;
    return {
      count: state.count + 1,
      total: state.total + amount,
      hash: (Math.imul(state.hash, 31) + Number(event.sequenceNumber) * 7 + amount) | 0,
      last: event.id,
    };
  };
  return defineProjector<Tally, TallyEvents>({
    name: "tally",
    version: options.version ?? 1,
    unknownEvents: options.unknownEvents ?? "ignore",
    initialState: () => ({ count: 0, total: 0, hash: 17, last: null }),
    handlers: {
      added: (state, event) => step(state, event, event.payload.amount),
      removed: (state, event) => step(state, event, -event.payload.amount),
    },
  });
}

function newStores() {
  const events = new EventStore(new InMemoryEventStorageAdapter());
  const projections = new ProjectionStore(new InMemoryProjectionStorageAdapter());
  return { events, projections };
}

async function publishTally(events: EventStore, stream: string, amounts: number[], category = "tallies") {
  return events.stream(category, stream).publish({
    events: amounts.map((amount) => ({ name: amount >= 0 ? "added" : "removed", payload: { amount: Math.abs(amount) } })),
  });
}

/** What a full fold gives, computed from the events read in one go. */
async function fullFold(projector: ReturnType<typeof tally>, reader: ProjectionReader) {
  let state = projector.initialState();
  for await (const event of reader.iterate()) state = projector.apply(state, event);
  return state;
}

/** A reader over a handle that records the scan options of every page asked for. */
function recording(reader: ProjectionReader): ProjectionReader & { pages: ScanOptions[] } {
  const pages: ScanOptions[] = [];
  return {
    target: reader.target,
    pages,
    iterate(options?: ScanOptions) {
      pages.push({ ...options });
      return reader.iterate(options);
    },
  };
}

const INVALID_INPUT = expect.objectContaining({ code: "INVALID_INPUT" });

describe("projector.project", () => {
  it("folds a stream into a projection", async () => {
    const { events } = newStores();
    const joe = events.stream<ProfileEvents>("profiles", "joe");
    await events.stream("profiles", "jane").publish({ events: [{ name: "profile-created", payload: { name: "Jane", email: "j@x" } }] });
    const stored = await joe.publish({
      events: [
        { name: "profile-created", payload: { name: "Joe", email: "joe@example.com" } },
        { name: "date-of-birth-set", payload: { dob: "1990-01-01" } },
      ],
    });
    const last = stored[1] as StoredEvent;

    const projection = await profiles.project({ source: joe });

    expect(projection).toEqual({
      name: "profile",
      id: "joe",
      source: streamIdentifier("profiles", "joe"),
      state: { name: "Joe", email: "joe@example.com", dob: "1990-01-01" },
      version: 1,
      position: last.sequenceNumber,
      eventCount: 2,
      updatedAt: last.observedAt,
    } satisfies Projection<Profile>);
  });

  it("gives the initial state of an empty source, with no position", async () => {
    const { events } = newStores();
    expect(await profiles.project({ source: events.stream("profiles", "nobody") })).toEqual({
      name: "profile",
      id: "nobody",
      source: streamIdentifier("profiles", "nobody"),
      state: {},
      version: 1,
      position: undefined,
      eventCount: 0,
      updatedAt: undefined,
    });
  });

  it("folds a category and the log, named after the category and 'log'", async () => {
    const { events } = newStores();
    await publishTally(events, "a", [1, 2]);
    await publishTally(events, "b", [10]);
    await publishTally(events, "c", [100], "other");
    const projector = tally();
    const category = await projector.project({ source: events.category("tallies") });
    expect(category).toMatchObject({ id: "tallies", source: categoryIdentifier("tallies"), eventCount: 3, state: { total: 13 } });
    const log = await projector.project({ source: events.log() });
    expect(log).toMatchObject({ id: "log", source: logIdentifier(), eventCount: 4, state: { total: 113 }, position: 4n });
  });

  it("reads an identifier through the event store given as events", async () => {
    const { events } = newStores();
    await publishTally(events, "a", [1, 2, 3]);
    const projector = tally();
    const byHandle = await projector.project({ source: events.stream("tallies", "a") });
    expect(await projector.project({ source: streamIdentifier("tallies", "a"), events })).toEqual(byHandle);
    expect(await projector.project({ source: categoryIdentifier("tallies"), events })).toMatchObject({ id: "tallies", eventCount: 3 });
    expect(await projector.project({ source: logIdentifier(), events })).toMatchObject({ id: "log", eventCount: 3 });
  });

  it("rejects an identifier without events, and events beside a handle", async () => {
    const { events } = newStores();
    const projector = tally();
    await expect(projector.project({ source: streamIdentifier("tallies", "a") })).rejects.toThrow(
      expect.objectContaining({ code: "INVALID_INPUT", message: expect.stringMatching(/needs the event store to read it from as events/) }),
    );
    await expect(projector.project({ source: events.stream("tallies", "a"), events })).rejects.toThrow(
      expect.objectContaining({
        code: "INVALID_INPUT",
        message: expect.stringMatching(/events is only for a source given as an identifier/),
      }),
    );
  });

  it("reads in pages of pageSize, each after the last event folded, and reports progress after each", async () => {
    const { events } = newStores();
    const amounts = Array.from({ length: 23 }, (_, index) => index + 1);
    await publishTally(events, "a", amounts);
    const reader = recording(events.stream("tallies", "a"));
    const progress: ProjectProgress[] = [];
    const projection = await tally().project({ source: reader, pageSize: 10, onProgress: (step) => progress.push(step) });

    expect(projection.state).toEqual(await fullFold(tally(), events.stream("tallies", "a")));
    expect(reader.pages.map((page) => [page.after, page.limit])).toEqual([
      [undefined, 10],
      [10n, 10],
      [20n, 10],
    ]);
    expect(progress).toEqual([
      { eventCount: 10, position: 10n },
      { eventCount: 20, position: 20n },
      { eventCount: 23, position: 23n },
    ]);
  });

  it("reports progress once when there is nothing to fold", async () => {
    const { events } = newStores();
    const progress: ProjectProgress[] = [];
    await tally().project({ source: events.stream("tallies", "empty"), onProgress: (step) => progress.push(step) });
    expect(progress).toEqual([{ eventCount: 0, position: undefined }]);
  });

  it("continues from a projection, folding only the events after its position, without changing it", async () => {
    const { events } = newStores();
    const stream = events.stream("tallies", "a");
    await publishTally(events, "a", [1, 2, 3]);
    const calls = { count: 0 };
    const projector = tally({ calls });
    const first = await projector.project({ source: stream });
    const copy = structuredClone(first);
    await publishTally(events, "a", [4, 5]);
    calls.count = 0;

    const next = await projector.project({ source: stream, from: first });

    expect(calls.count).toBe(2);
    expect(first).toEqual(copy);
    expect(next).toEqual(await projector.project({ source: stream }));
    expect(next).toMatchObject({ eventCount: 5, position: 5n, state: { total: 15 } });
  });

  it("leaves from unchanged even when handlers change the state in place", async () => {
    const { events, projections } = newStores();
    const stream = events.stream("tallies", "a");
    const inPlace = defineProjector<{ amounts: number[] }, TallyEvents>({
      name: "amounts",
      initialState: () => ({ amounts: [] }),
      handlers: {
        added: (state, event) => {
          state.amounts.push(event.payload.amount);
          return state;
        },
      },
    });
    await publishTally(events, "a", [1, 2]);
    const first = await inPlace.project({ source: stream, store: projections });
    await publishTally(events, "a", [3]);
    const next = await inPlace.project({ source: stream, from: first });
    expect(first.state).toEqual({ amounts: [1, 2] });
    expect(next.state).toEqual({ amounts: [1, 2, 3] });
    expect(await inPlace.project({ source: stream, store: projections })).toMatchObject({ state: { amounts: [1, 2, 3] } });
    expect(await projections.load({ name: "amounts", id: "a" })).toMatchObject({ state: { amounts: [1, 2, 3] } });
  });

  it("folds from the start when from has another version", async () => {
    const { events } = newStores();
    const stream = events.stream("tallies", "a");
    await publishTally(events, "a", [1, 2, 3]);
    const old = await tally({ version: 1 }).project({ source: stream });
    const calls = { count: 0 };
    const next = await tally({ version: 2, calls }).project({ source: stream, from: old });
    expect(calls.count).toBe(3);
    expect(next).toMatchObject({ version: 2, eventCount: 3, state: { total: 6 } });
  });

  it("rejects from of another name, id or source with INVALID_INPUT", async () => {
    const { events } = newStores();
    await publishTally(events, "a", [1]);
    await publishTally(events, "b", [1]);
    const projector = tally();
    const a = await projector.project({ source: events.stream("tallies", "a") });
    const source = events.stream("tallies", "a");
    await expect(projector.project({ source, from: { ...a, name: "other" } })).rejects.toThrow(
      /from is a projection of "other", not of projector "tally"/,
    );
    await expect(projector.project({ source, from: { ...a, id: "b" } })).rejects.toThrow(/from is the projection "b"/);
    await expect(projector.project({ source, from: { ...a, source: streamIdentifier("other", "a") } })).rejects.toThrow(
      /from folds other\/a, not tallies\/a/,
    );
    await expect(projector.project({ source: events.stream("tallies", "b"), from: a })).rejects.toThrow(INVALID_INPUT);
    await expect(projector.project({ source, from: { ...a, position: 3 as unknown as bigint } })).rejects.toThrow(INVALID_INPUT);
    await expect(projector.project({ source, from: { ...a, state: { at: new Date() } as unknown as typeof a.state } })).rejects.toThrow(
      INVALID_INPUT,
    );
  });

  it("does not read or count events without a handler when unknown events are ignored", async () => {
    const { events } = newStores();
    await publishTally(events, "a", [1, 2]);
    await events.stream("tallies", "a").publish({ events: [{ name: "renamed", payload: {} }] });
    const reader = recording(events.stream("tallies", "a"));
    const projection = await tally().project({ source: reader });
    expect(reader.pages[0]?.names).toEqual(["added", "removed"]);
    expect(projection).toMatchObject({ eventCount: 2, position: 2n, state: { total: 3 } });
  });

  it("rejects with INVALID_INPUT naming the event and projector when unknown events are rejected", async () => {
    const { events } = newStores();
    await publishTally(events, "a", [1]);
    await events.stream("tallies", "a").publish({ events: [{ name: "renamed", payload: {} }] });
    await expect(tally({ unknownEvents: "reject" }).project({ source: events.stream("tallies", "a") })).rejects.toThrow(
      expect.objectContaining({
        code: "INVALID_INPUT",
        message: expect.stringMatching(/projector "tally" has no handler for event "renamed" \(tallies\/a at position 1\)/),
      }),
    );
  });

  it("rejects with a handler's own error, and saves nothing", async () => {
    const { events, projections } = newStores();
    await publishTally(events, "a", [1, 2, 3]);
    const failure = new RangeError("amount too large");
    const failing = defineProjector<Tally, TallyEvents>({
      name: "tally",
      initialState: () => ({ count: 0, total: 0, hash: 0, last: null }),
      handlers: {
        added: (state, event) => {
          if (event.payload.amount > 2) throw failure;
          return { ...state, count: state.count + 1 };
        },
      },
    });
    await expect(failing.project({ source: events.stream("tallies", "a"), store: projections })).rejects.toBe(failure);
    expect(await projections.load({ name: "tally", id: "a" })).toBeUndefined();
  });

  it("rejects a state that is not JSON with INVALID_INPUT, and saves nothing", async () => {
    const { events, projections } = newStores();
    await publishTally(events, "a", [1]);
    const dated = defineProjector<{ at?: string }, TallyEvents>({
      name: "dated",
      initialState: () => ({}),
      handlers: { added: (_, event) => ({ at: event.observedAt as unknown as string }) },
    });
    await expect(dated.project({ source: events.stream("tallies", "a"), store: projections })).rejects.toThrow(
      expect.objectContaining({
        code: "INVALID_INPUT",
        message: expect.stringMatching(/state of projection "dated"\/"a".*\.at is an instance of Date/),
      }),
    );
    const unset = defineProjector<{ at?: string }, TallyEvents>({
      name: "unset",
      initialState: () => ({ at: "x" }),
      handlers: { added: () => ({ at: undefined }) },
    });
    await expect(unset.project({ source: events.stream("tallies", "a"), store: projections })).rejects.toThrow(INVALID_INPUT);
    expect(await projections.count({})).toBe(0);
  });

  it("rejects with the signal's reason when aborted, before or during the fold, and saves nothing", async () => {
    const { events, projections } = newStores();
    await publishTally(
      events,
      "a",
      Array.from({ length: 30 }, () => 1),
    );
    const projector = tally();
    const source = events.stream("tallies", "a");
    const reason = new Error("stopped");
    await expect(projector.project({ source, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);

    const controller = new AbortController();
    const progress: ProjectProgress[] = [];
    const during = projector.project({
      source,
      store: projections,
      pageSize: 10,
      signal: controller.signal,
      onProgress: (step) => {
        progress.push(step);
        if (step.eventCount === 10) controller.abort(reason);
      },
    });
    await expect(during).rejects.toBe(reason);
    expect(progress).toHaveLength(1);
    expect(await projections.load({ name: "tally", id: "a" })).toBeUndefined();
  });

  it("rejects with the error onProgress throws", async () => {
    const { events } = newStores();
    await publishTally(events, "a", [1]);
    const failure = new Error("progress bar broke");
    await expect(
      tally().project({
        source: events.stream("tallies", "a"),
        onProgress: () => {
          throw failure;
        },
      }),
    ).rejects.toBe(failure);
  });

  it.each<[string, Record<string, unknown>]>([
    ["saveEvery 0", { saveEvery: 0 }],
    ["a fractional saveEvery", { saveEvery: 1.5 }],
    ["pageSize 0", { pageSize: 0 }],
    ["a signal that is not an AbortSignal", { signal: { aborted: false } }],
    ["an onProgress that is not a function", { onProgress: "log" }],
    ["a store without load and save", { store: {} }],
    ["a from that is not an object", { from: "joe" }],
  ])("rejects %s with INVALID_INPUT", async (_, options) => {
    const { events } = newStores();
    await expect(tally().project({ source: events.stream("tallies", "a"), ...options })).rejects.toThrow(INVALID_INPUT);
  });

  it.each<[string, unknown]>([
    ["no options", undefined],
    ["a source that is not one", { source: "tallies/a" }],
    ["an identifier of nothing", { source: { type: "table" }, events: new EventStore(new InMemoryEventStorageAdapter()) }],
    [
      "a category identifier with an empty name",
      { source: { type: "category", category: "" }, events: new EventStore(new InMemoryEventStorageAdapter()) },
    ],
  ])("rejects %s with INVALID_INPUT", async (_, options) => {
    await expect(tally().project(options as Parameters<ReturnType<typeof tally>["project"]>[0])).rejects.toThrow(INVALID_INPUT);
  });
});

describe("snapshots: projector.project with a store", () => {
  it("saves the projection, then folds only the events after it and saves again", async () => {
    const { events, projections } = newStores();
    const source = events.stream("tallies", "a");
    await publishTally(events, "a", [1, 2, 3]);
    const calls = { count: 0 };
    const projector = tally({ calls });

    const first = await projector.project({ source, store: projections });
    expect(await projections.load({ name: "tally", id: "a" })).toEqual(first);
    expect(calls.count).toBe(3);

    await publishTally(events, "a", [4]);
    calls.count = 0;
    const second = await projector.project({ source, store: projections });
    expect(calls.count).toBe(1);
    expect(second).toEqual(await projector.project({ source }));
    expect(await projections.load({ name: "tally", id: "a" })).toEqual(second);

    calls.count = 0;
    expect(await projector.project({ source, store: projections })).toEqual(second);
    expect(calls.count).toBe(0);
  });

  it("saves only when at least saveEvery events were folded since the snapshot loaded", async () => {
    const { events, projections } = newStores();
    const source = events.stream("tallies", "a");
    const projector = tally();
    await publishTally(events, "a", [1, 2]);
    expect(await projector.project({ source, store: projections, saveEvery: 3 })).toMatchObject({ eventCount: 2 });
    expect(await projections.load({ name: "tally", id: "a" })).toBeUndefined();

    await publishTally(events, "a", [3]);
    await projector.project({ source, store: projections, saveEvery: 3 });
    expect(await projections.load({ name: "tally", id: "a" })).toMatchObject({ eventCount: 3, position: 3n });

    await publishTally(events, "a", [4, 5]);
    const latest = await projector.project({ source, store: projections, saveEvery: 3 });
    expect(latest).toMatchObject({ eventCount: 5, position: 5n, state: { total: 15 } });
    expect(await projections.load({ name: "tally", id: "a" })).toMatchObject({ eventCount: 3 });
  });

  it("ignores a snapshot of another version: folds from the start and saves the new version", async () => {
    const { events, projections } = newStores();
    const source = events.stream("tallies", "a");
    await publishTally(events, "a", [1, 2, 3]);
    await tally({ version: 1 }).project({ source, store: projections });
    // A snapshot whose state a full fold would never give: only a fold from the start corrects it.
    const stored = (await projections.load({ name: "tally", id: "a" })) as Projection;
    await projections.save({ ...stored, state: { count: 99, total: 99, hash: 0, last: null } });

    const calls = { count: 0 };
    const bumped = await tally({ version: 2, calls }).project({ source, store: projections });
    expect(calls.count).toBe(3);
    expect(bumped).toMatchObject({ version: 2, eventCount: 3, state: { count: 3, total: 6 } });
    expect(await projections.load({ name: "tally", id: "a" })).toEqual(bumped);

    // The old version's projector folds from the start too, and cannot move the stored projection back.
    const old = await tally({ version: 1 }).project({ source, store: projections });
    expect(old).toMatchObject({ version: 1, state: { count: 3, total: 6 } });
    expect(await projections.load({ name: "tally", id: "a" })).toEqual(bumped);
  });

  it("continues from the later of from and the snapshot", async () => {
    const { events, projections } = newStores();
    const source = events.stream("tallies", "a");
    await publishTally(events, "a", [1, 2]);
    const early = await tally().project({ source });
    await publishTally(events, "a", [3, 4]);
    await tally().project({ source, store: projections });
    await publishTally(events, "a", [5]);
    const calls = { count: 0 };
    const result = await tally({ calls }).project({ source, from: early, store: projections });
    expect(calls.count).toBe(1);
    expect(result).toEqual(await tally().project({ source }));
  });

  it("rejects a stored projection of the same name and id over another source", async () => {
    const { events, projections } = newStores();
    await publishTally(events, "joe", [1]);
    await publishTally(events, "x", [1], "joe");
    const projector = tally();
    await projector.project({ source: events.stream("tallies", "joe"), store: projections });
    await expect(projector.project({ source: events.category("joe"), store: projections })).rejects.toThrow(
      expect.objectContaining({ code: "INVALID_INPUT", message: expect.stringMatching(/folds tallies\/joe, not joe/) }),
    );
  });

  it("always equals a full fold, whatever the pages, snapshots and saves (seeded)", async () => {
    for (let seed = 1; seed <= 25; seed += 1) {
      const random = createRandom(`projector snapshots ${seed}`);
      const { events, projections } = newStores();
      const streams = ["a", "b", "c"];
      const categories = ["tallies", "others"];
      const sources: ProjectionReader[] = [
        events.stream("tallies", "a"),
        events.stream("tallies", "b"),
        events.category("tallies"),
        events.category("others"),
        events.log(),
      ];
      const projector = tally();
      let latest = new Map<string, Projection<Tally>>();
      for (let round = 0; round < 12; round += 1) {
        const writes = random.integer(0, 4);
        for (let write = 0; write < writes; write += 1) {
          const names = Array.from({ length: random.integer(1, 6) }, () => random.pick(["added", "removed", "renamed"]));
          await events.stream(random.pick(categories), random.pick(streams)).publish({
            events: names.map((name) => ({ name, payload: { amount: random.integer(0, 1000) } })),
          });
        }
        const source = random.pick(sources);
        const key = JSON.stringify(source.target);
        const from = random.boolean() ? latest.get(key) : undefined;
        const projection = await projector.project({
          source,
          store: projections,
          saveEvery: random.integer(1, 8),
          pageSize: random.integer(1, 7),
          ...(from === undefined ? {} : { from }),
        });
        latest = new Map(latest).set(key, projection);
        const expected = await fullFold(projector, source);
        expect(projection.state, `seed ${seed}, round ${round}, ${key}`).toEqual(expected);
        const stored = await projections.load({ name: "tally", id: projection.id });
        if (stored !== undefined) {
          // A snapshot is a full fold up to its position.
          let state = projector.initialState();
          for await (const event of source.iterate({ before: (stored.position ?? 0n) + 1n })) state = projector.apply(state, event);
          expect(stored.state, `seed ${seed}, round ${round}, snapshot of ${key}`).toEqual(state);
        }
      }
    }
  });

  it("isChronicleError recognises the errors project rejects with", async () => {
    const { events } = newStores();
    const error = await tally()
      .project({ source: events.stream("tallies", "a"), saveEvery: -1 })
      .catch((caught: unknown) => caught);
    expect(isChronicleError(error, "INVALID_INPUT")).toBe(true);
  });
});
