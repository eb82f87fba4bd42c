import { describe, expect, expectTypeOf, it } from "vitest";
import {
  type CategoryHandle,
  type EventReader,
  type EventStorageAdapter,
  EventStore,
  type LogHandle,
  type NewEventOf,
  type StoredEvent,
  type StoredEventOf,
  type StreamHandle,
  streamIdentifier,
  streamIsEmpty,
  type UntypedEvents,
} from "../src/index.js";

// These tests are checked by the type checker (`pnpm --filter @chronicle/core typecheck`): the functions
// under test are only declared, never called, so each `@ts-expect-error` line must fail to compile.

interface ProfileEvents {
  "profile-created": { name: string; email: string };
  "date-of-birth-set": { dob: string };
}

interface BillingEvents {
  "invoice-paid": { amount: number; currency: "GBP" | "EUR" };
}

type AppEvents = ProfileEvents & BillingEvents;

type ProfileEvent = StoredEventOf<ProfileEvents>;

describe("a category typed by an event map", () => {
  it("publishes only the map's names, each with its own payload type", () => {
    const publish = (store: EventStore) => {
      const joe = store.category<ProfileEvents>("profiles").stream("joe");
      joe.publish({
        events: [
          { name: "profile-created", payload: { name: "Joe", email: "joe@example.com" } },
          { name: "date-of-birth-set", payload: { dob: "1990-01-01" }, metadata: { actor: "joe" } },
        ],
        condition: streamIsEmpty(),
      });
      // @ts-expect-error: a name the map does not have
      joe.publish({ events: [{ name: "profile-deleted", payload: {} }] });
      // @ts-expect-error: the payload of another event of the map
      joe.publish({ events: [{ name: "profile-created", payload: { dob: "1990-01-01" } }] });
      // @ts-expect-error: a payload field of the wrong type
      joe.publish({ events: [{ name: "date-of-birth-set", payload: { dob: 19900101 } }] });
      // @ts-expect-error: a payload missing a field
      joe.publish({ events: [{ name: "profile-created", payload: { name: "Joe" } }] });
      return joe.publish({ events: [{ name: "date-of-birth-set", payload: { dob: "1990-01-01" } }] });
    };
    expectTypeOf(publish).returns.resolves.toEqualTypeOf<ProfileEvent[]>();
  });

  it("reads a union discriminated by name, whose payload narrows on the name", () => {
    const read = async (store: EventStore) => {
      const profiles = store.category<ProfileEvents>("profiles");
      const events = await profiles.read();
      expectTypeOf(events).toEqualTypeOf<ProfileEvent[]>();
      for (const event of events) {
        expectTypeOf(event.name).toEqualTypeOf<"profile-created" | "date-of-birth-set">();
        if (event.name === "profile-created") {
          expectTypeOf(event.payload).toEqualTypeOf<{ name: string; email: string }>();
          // @ts-expect-error: narrowed away from the other event's payload
          event.payload.dob;
        } else {
          expectTypeOf(event.payload).toEqualTypeOf<{ dob: string }>();
        }
        // Everything else of a stored event is still there.
        expectTypeOf(event.sequenceNumber).toEqualTypeOf<bigint>();
        expectTypeOf(event.metadata).toEqualTypeOf<StoredEvent["metadata"]>();
      }
      for await (const event of profiles.iterate({ direction: "backwards" })) expectTypeOf(event).toEqualTypeOf<ProfileEvent>();
      expectTypeOf(await profiles.latest()).toEqualTypeOf<ProfileEvent | undefined>();
      expectTypeOf(await profiles.stream("joe").latest()).toEqualTypeOf<ProfileEvent | undefined>();
    };
    expectTypeOf(read).returns.resolves.toBeVoid();
  });

  it("passes its map on to its streams, and types multi-stream publishes", () => {
    const handles = (store: EventStore) => {
      const profiles = store.category<ProfileEvents>("profiles");
      expectTypeOf(profiles).toEqualTypeOf<CategoryHandle<ProfileEvents>>();
      expectTypeOf(profiles.stream("joe")).toEqualTypeOf<StreamHandle<ProfileEvents>>();
      expectTypeOf(store.stream<ProfileEvents>("profiles", "joe")).toEqualTypeOf<StreamHandle<ProfileEvents>>();
      // @ts-expect-error: a name of another map
      profiles.publish({ streams: { joe: { events: [{ name: "invoice-paid", payload: { amount: 1, currency: "GBP" } }] } } });
      return profiles.publish({
        streams: {
          joe: { events: [{ name: "profile-created", payload: { name: "Joe", email: "joe@example.com" } }] },
          jane: { events: [{ name: "date-of-birth-set", payload: { dob: "1991-02-03" } }], condition: streamIsEmpty() },
        },
      });
    };
    expectTypeOf(handles).returns.resolves.toEqualTypeOf<Record<string, ProfileEvent[]>>();
  });

  it("filters by the map's names only", () => {
    const read = (store: EventStore) => {
      const profiles = store.category<ProfileEvents>("profiles");
      // @ts-expect-error: not a name of the map
      profiles.read({ names: ["profile-deleted"] });
      return profiles.read({ names: ["profile-created"], limit: 10 });
    };
    expectTypeOf(read).returns.resolves.toEqualTypeOf<ProfileEvent[]>();
  });
});

describe("a store typed by an event map", () => {
  it("types every handle with the store's map, unless a handle names its own", () => {
    const typed = (adapter: EventStorageAdapter) => {
      const store = new EventStore<AppEvents>(adapter);
      expectTypeOf(store.log()).toEqualTypeOf<LogHandle<AppEvents>>();
      expectTypeOf(store.category("billing")).toEqualTypeOf<CategoryHandle<AppEvents>>();
      expectTypeOf(store.stream("billing", "invoice-1")).toEqualTypeOf<StreamHandle<AppEvents>>();
      expectTypeOf(store.category<BillingEvents>("billing")).toEqualTypeOf<CategoryHandle<BillingEvents>>();
      store.stream("billing", "invoice-1").publish({ events: [{ name: "invoice-paid", payload: { amount: 10, currency: "EUR" } }] });
      // @ts-expect-error: "USD" is not a currency of the map
      store.stream("billing", "invoice-1").publish({ events: [{ name: "invoice-paid", payload: { amount: 10, currency: "USD" } }] });
      return store;
    };
    expectTypeOf(typed).returns.toEqualTypeOf<EventStore<AppEvents>>();
  });

  it("reads the log as a union of every event of the map", () => {
    const read = async (store: EventStore<AppEvents>) => {
      for await (const event of store.log().iterate({ after: 42n })) {
        expectTypeOf(event).toEqualTypeOf<StoredEventOf<AppEvents>>();
        if (event.name === "invoice-paid") expectTypeOf(event.payload.currency).toEqualTypeOf<"GBP" | "EUR">();
      }
    };
    expectTypeOf(read).returns.resolves.toBeVoid();
  });

  it("publishes typed writes across categories", () => {
    const publish = (store: EventStore<AppEvents>) => {
      const paid: NewEventOf<AppEvents> = { name: "invoice-paid", payload: { amount: 5, currency: "GBP" } };
      store.publish({
        // @ts-expect-error: a name the map does not have
        writes: [{ target: streamIdentifier("billing", "invoice-1"), events: [{ name: "invoice-voided", payload: {} }] }],
      });
      return store.publish({
        writes: [
          { target: streamIdentifier("billing", "invoice-1"), events: [paid] },
          { target: streamIdentifier("profiles", "joe"), events: [{ name: "date-of-birth-set", payload: { dob: "1990-01-01" } }] },
        ],
      });
    };
    expectTypeOf(publish).returns.resolves.toEqualTypeOf<StoredEventOf<AppEvents>[][]>();
  });

  it("hands typed handles to code that takes untyped ones", () => {
    const readAny = (reader: EventReader) => reader.read();
    const pass = (store: EventStore<AppEvents>) => [readAny(store.log()), readAny(store.category<ProfileEvents>("profiles").stream("joe"))];
    expectTypeOf(pass).returns.toEqualTypeOf<Promise<StoredEvent[]>[]>();
  });
});

describe("untyped use", () => {
  it("is what it always was", () => {
    const untyped = (adapter: EventStorageAdapter) => {
      const store = new EventStore(adapter);
      expectTypeOf(store).toEqualTypeOf<EventStore<UntypedEvents>>();
      expectTypeOf(store.category("profiles")).toEqualTypeOf<CategoryHandle>();
      const joe = store.stream("profiles", "joe");
      expectTypeOf(joe.read).returns.resolves.toEqualTypeOf<StoredEvent[]>();
      expectTypeOf(joe.latest).returns.resolves.toEqualTypeOf<StoredEvent | undefined>();
      expectTypeOf(store.log().iterate()).toEqualTypeOf<AsyncIterable<StoredEvent>>();
      expectTypeOf(joe.publish({ events: [{ name: "anything", payload: [1, "two"] }] })).resolves.toEqualTypeOf<StoredEvent[]>();
      expectTypeOf(store.publish).returns.resolves.toEqualTypeOf<StoredEvent[][]>();
      expectTypeOf(store.category("profiles").publish).returns.resolves.toEqualTypeOf<Record<string, StoredEvent[]>>();
      joe.read({ names: ["any-name-at-all"] });
      // @ts-expect-error: payloads are still JSON
      joe.publish({ events: [{ name: "anything", payload: () => 1 }] });
    };
    expectTypeOf(untyped).returns.toBeVoid();
  });

  it("behaves the same at run time whether or not a map is given", () => {
    const store = new EventStore<AppEvents>({} as EventStorageAdapter);
    expect(store.category<ProfileEvents>("profiles").stream("joe").target).toEqual(streamIdentifier("profiles", "joe"));
    expect(store.stream("billing", "invoice-1").target).toEqual(store.category("billing").stream("invoice-1").target);
  });
});
