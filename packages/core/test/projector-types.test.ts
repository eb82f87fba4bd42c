import { describe, expectTypeOf, it } from "vitest";
import {
  defineProjector,
  type EventStore,
  type Projection,
  type Projector,
  type ProjectorEvent,
  type StoredEvent,
  type StoredEventOf,
  streamIdentifier,
} from "../src/index.js";

// Checked by the type checker (`pnpm --filter @chronicle/core typecheck`): the functions under test are
// declared but never run, so each `@ts-expect-error` line must fail to compile.

interface ProfileEvents {
  "profile-created": { name: string; email: string };
  "date-of-birth-set": { dob: string };
}

interface BillingEvents {
  "invoice-paid": { amount: number };
}

type Profile = { name?: string; email?: string; dob?: string };

const define = () =>
  defineProjector<Profile, ProfileEvents>({
    name: "profile",
    initialState: () => ({}),
    handlers: {
      "profile-created": (state, event) => {
        expectTypeOf(state).toEqualTypeOf<Profile>();
        expectTypeOf(event.name).toEqualTypeOf<"profile-created">();
        expectTypeOf(event.payload).toEqualTypeOf<{ name: string; email: string }>();
        expectTypeOf(event.sequenceNumber).toEqualTypeOf<bigint>();
        return { ...state, name: event.payload.name, email: event.payload.email };
      },
      "date-of-birth-set": (state, event) => {
        expectTypeOf(event).toEqualTypeOf<ProjectorEvent<ProfileEvents, "date-of-birth-set">>();
        // @ts-expect-error: another event's payload field
        event.payload.email;
        return { ...state, dob: event.payload.dob };
      },
    },
  });

describe("defineProjector's types", () => {
  it("types each handler by its event's payload and returns a projector of the state", () => {
    expectTypeOf(define).returns.toEqualTypeOf<Projector<Profile, ProfileEvents>>();
  });

  it("rejects handlers for names the map does not have, and handlers that return another state", () => {
    const wrong = () => {
      defineProjector<Profile, ProfileEvents>({
        name: "profile",
        initialState: () => ({}),
        handlers: {
          // @ts-expect-error: not a name of the map
          "profile-deleted": (state: Profile) => state,
        },
      });
      defineProjector<Profile, ProfileEvents>({
        name: "profile",
        initialState: () => ({}),
        handlers: {
          // @ts-expect-error: the payload has no field `dob`
          "profile-created": (state, event) => ({ ...state, dob: event.payload.dob }),
        },
      });
      defineProjector<Profile, ProfileEvents>({
        name: "profile",
        initialState: () => ({}),
        handlers: {
          // @ts-expect-error: returns a number, not the state
          "date-of-birth-set": () => 42,
        },
      });
      defineProjector<Profile, ProfileEvents>({
        name: "profile",
        // @ts-expect-error: the initial state is not a Profile
        initialState: () => ({ name: 1 }),
        handlers: {},
      });
      defineProjector<Profile, ProfileEvents>({
        name: "profile",
        initialState: () => ({}),
        handlers: {},
        // @ts-expect-error: not one of "ignore" and "reject"
        unknownEvents: "skip",
      });
      // @ts-expect-error: a state must be JSON
      defineProjector<{ at: Date }, ProfileEvents>({ name: "p", initialState: () => ({ at: new Date() }), handlers: {} });
    };
    expectTypeOf(wrong).returns.toBeVoid();
  });

  it("infers the state from initialState when no types are given, and takes any event then", () => {
    const untyped = () =>
      defineProjector({
        name: "counter",
        initialState: () => ({ count: 0 }),
        handlers: {
          anything: (state, event) => {
            expectTypeOf(event.name).toEqualTypeOf<string>();
            return { count: state.count + 1 };
          },
        },
      });
    expectTypeOf(untyped).returns.toEqualTypeOf<Projector<{ count: number }>>();
  });

  it("returns the state from apply and project", () => {
    const use = async (store: EventStore) => {
      const profiles = define();
      const event = {} as StoredEventOf<ProfileEvents>;
      expectTypeOf(profiles.apply({}, event)).toEqualTypeOf<Profile>();
      expectTypeOf(profiles.apply({}, {} as StoredEvent)).toEqualTypeOf<Profile>();
      // @ts-expect-error: the state passed in must be a Profile
      profiles.apply({ name: 1 }, event);
      const joe = await profiles.project({ source: store.stream("profiles", "joe") });
      expectTypeOf(joe).toEqualTypeOf<Projection<Profile>>();
      expectTypeOf(joe.state).toEqualTypeOf<Profile>();
      await profiles.project({ source: store.stream("profiles", "joe"), from: joe });
      // @ts-expect-error: a projection of another state type
      await profiles.project({ source: store.stream("profiles", "joe"), from: {} as Projection<{ count: number }> });
      return joe;
    };
    expectTypeOf(use).returns.resolves.toEqualTypeOf<Projection<Profile>>();
  });

  it("takes handles typed by any map, untyped handles, and identifiers with their store", () => {
    const sources = async (store: EventStore, app: EventStore<ProfileEvents & BillingEvents>) => {
      const profiles = define();
      await profiles.project({ source: store.category<ProfileEvents>("profiles") });
      await profiles.project({ source: store.category<BillingEvents>("billing") });
      await profiles.project({ source: app.log() });
      await profiles.project({ source: app.stream("profiles", "joe") });
      await profiles.project({ source: store.log() });
      await profiles.project({ source: streamIdentifier("profiles", "joe"), events: store });
      await profiles.project({ source: streamIdentifier("profiles", "joe"), events: app });
      // @ts-expect-error: not a source
      await profiles.project({ source: "profiles/joe" });
    };
    expectTypeOf(sources).returns.resolves.toBeVoid();
  });
});
