import { defineProjector, EventStore, type JsonValue, ProjectionStore, type StoredEvent, validateJson } from "@chronicle/core";
import { InMemoryEventStorageAdapter, InMemoryProjectionStorageAdapter } from "@chronicle/in-memory";
import { alternate, type BenchSuite, compare, measure } from "./harness.js";

const SUITE = "projections";
const APPLIED = 2_000_000;
const VALIDATED = 20_000;
const CATEGORY_EVENTS = 100_000;
const ROUNDS = 5;

type Counter = { count: number; total: number };
interface CounterEvents {
  added: { amount: number };
}

const counter = defineProjector<Counter, CounterEvents>({
  name: "counter",
  initialState: () => ({ count: 0, total: 0 }),
  handlers: { added: (state, event) => ({ count: state.count + 1, total: state.total + event.payload.amount }) },
});

/** The same fold written by hand, as a user would without a projector. */
function handFold(state: Counter, event: StoredEvent): Counter {
  return event.name === "added" ? { count: state.count + 1, total: state.total + (event.payload as { amount: number }).amount } : state;
}

function storedEvents(count: number): StoredEvent[] {
  const at = new Date("2026-01-01T00:00:00.000Z");
  return Array.from({ length: count }, (_, index) => ({
    id: `event-${index}`,
    name: "added",
    category: "counters",
    stream: `counter-${index % 10}`,
    position: Math.floor(index / 10),
    sequenceNumber: BigInt(index + 1),
    payload: { amount: index % 7 },
    metadata: {},
    occurredAt: at,
    observedAt: at,
  }));
}

/**
 * Folding: `apply` with a trivial handler against a hand-written reducer; what
 * validating the state as JSON after every event would cost; and `project` over
 * a 100,000-event in-memory category against a hand-written loop over
 * `iterate()` doing the same fold.
 */
export const projectionsSuite: BenchSuite = {
  name: SUITE,
  async run() {
    const events = storedEvents(1000);
    const applyAll = (fold: (state: Counter, event: StoredEvent) => Counter) => async () => {
      let state = counter.initialState();
      for (let index = 0; index < APPLIED; index += 1) state = fold(state, events[index % events.length] as StoredEvent);
      if (state.count !== APPLIED) throw new Error(`folded ${state.count} events, expected ${APPLIED}`);
      return APPLIED;
    };
    const [applied, handWritten] = await alternate(
      { suite: SUITE, scenario: "apply, trivial handler", unit: "events" },
      ROUNDS,
      () => applyAll(counter.apply),
      () => applyAll(handFold),
    );
    compare(applied, handWritten, { minimumRatio: 0, description: "at least 1,000,000 events/s (the ratio is for information)" });
    console.log(
      JSON.stringify({
        suite: SUITE,
        scenario: "apply, trivial handler",
        target: ">= 1,000,000 events/s",
        meetsTarget: applied.rate >= 1_000_000,
      }),
    );

    // What `project` would pay if it checked the state after every event rather than once per fold.
    for (const [label, state] of [
      ["a 2-field state", { count: 0, total: 0 }],
      [
        "a 100-field state",
        Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`field-${index}`, { value: index, tags: ["a", "b"] }])),
      ],
    ] as const) {
      const fold = (validate: boolean) => async () => {
        const value = state as JsonValue;
        let folded = counter.initialState();
        for (let index = 0; index < VALIDATED; index += 1) {
          folded = counter.apply(folded, events[index % events.length] as StoredEvent);
          if (validate) validateJson(value, "state");
        }
        return folded.count;
      };
      const [validated, unvalidated] = await alternate(
        { suite: SUITE, scenario: `apply + validateJson of ${label} per event`, unit: "events" },
        ROUNDS,
        () => fold(true),
        () => fold(false),
      );
      compare(validated, unvalidated, { minimumRatio: 0, description: "the cost of validating per event (for information)" });
    }

    const store = new EventStore(new InMemoryEventStorageAdapter());
    const category = store.category<CounterEvents>("counters");
    for (let published = 0; published < CATEGORY_EVENTS; published += 1000) {
      await category.publish({
        streams: Object.fromEntries(
          Array.from({ length: 10 }, (_, stream) => [
            `counter-${stream}`,
            { events: Array.from({ length: 100 }, (_, index) => ({ name: "added" as const, payload: { amount: index % 7 } })) },
          ]),
        ),
      });
    }
    const handFoldCategory = async () => {
      let state = counter.initialState();
      let count = 0;
      for await (const event of category.iterate()) {
        state = handFold(state, event as StoredEvent);
        count += 1;
      }
      if (state.count !== count) throw new Error("the hand-written fold lost events");
      return count;
    };
    // Both warmed up once, so neither pays for compiling the adapter's read path.
    await counter.project({ source: category });
    await handFoldCategory();
    const [projected, iterated] = await alternate(
      { suite: SUITE, scenario: `project a category of ${CATEGORY_EVENTS} events`, unit: "events" },
      ROUNDS,
      () => async () => (await counter.project({ source: category })).eventCount,
      () => handFoldCategory,
    );
    compare(projected, iterated, { minimumRatio: 1 / 1.5, description: "within 1.5x of a hand-written for await over iterate()" });

    // A snapshot turns a rebuild into a fold of the tail.
    const projections = new ProjectionStore(new InMemoryProjectionStorageAdapter());
    await counter.project({ source: category, store: projections });
    const stream = category.stream("counter-0");
    let tail = 0;
    await measure(
      { suite: SUITE, scenario: `project after 100 new events, snapshot of ${CATEGORY_EVENTS}`, subject: "chronicle", unit: "projects" },
      async () => {
        for (let round = 0; round < 20; round += 1) {
          await stream.publish({ events: Array.from({ length: 100 }, () => ({ name: "added" as const, payload: { amount: 1 } })) });
          tail += (await counter.project({ source: category, store: projections })).eventCount;
        }
        return 20;
      },
    );
    await measure(
      { suite: SUITE, scenario: `project after 100 new events, snapshot of ${CATEGORY_EVENTS}`, subject: "baseline", unit: "projects" },
      async () => {
        for (let round = 0; round < 20; round += 1) {
          await stream.publish({ events: Array.from({ length: 100 }, () => ({ name: "added" as const, payload: { amount: 1 } })) });
          tail += (await counter.project({ source: category })).eventCount;
        }
        return 20;
      },
    );
    if (tail === 0) throw new Error("nothing was folded");
    await store.close();
    await projections.close();
  },
};
