import { ChronicleError, EventStore, type StoredEvent, type Subscription, shareOf } from "@chronicle/core";
import { describe, expect, it } from "vitest";
import { InMemoryEventStorageAdapter } from "../src/index.js";

interface Handled {
  readonly member: string;
  readonly event: StoredEvent;
  readonly share: number;
  readonly epoch: number;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function publishOver(store: EventStore, streams: number, perStream: number): Promise<void> {
  for (let round = 0; round < perStream; round++) {
    for (let stream = 0; stream < streams; stream++) {
      await store.stream("orders", `o-${stream}`).publish({ events: [{ name: "placed", payload: { round } }] });
    }
  }
}

function member(store: EventStore, name: string, log: Handled[], options: { leaseMs?: number; shares?: number } = {}): Subscription {
  return store.subscribe({
    name: "billing",
    source: store.category("orders"),
    group: { member: name, leaseMs: options.leaseMs ?? 300, shares: options.shares ?? 16 },
    handler: async (event, context) => {
      const group = context.group;
      if (group === undefined) throw new Error("a member's handler gets its group context");
      log.push({ member: name, event, share: group.share, epoch: group.epoch });
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
  });
}

/** Per stream, the sequence numbers handled must be non-decreasing, repeats allowed only of the latest one. */
function expectPerStreamOrder(log: readonly Handled[]): void {
  const last = new Map<string, bigint>();
  for (const entry of log) {
    const previous = last.get(entry.event.stream);
    if (previous !== undefined) expect(entry.event.sequenceNumber >= previous, `order of ${entry.event.stream}`).toBe(true);
    last.set(entry.event.stream, entry.event.sequenceNumber);
  }
}

function expectAllHandled(log: readonly Handled[], count: number): void {
  expect(new Set(log.map((entry) => entry.event.sequenceNumber)).size).toBe(count);
}

describe("consumer groups on the in-memory adapter", () => {
  it("spreads the shares over the members and hands every event to the member holding its stream's share", async () => {
    const store = new EventStore(new InMemoryEventStorageAdapter());
    await publishOver(store, 40, 5);
    const log: Handled[] = [];
    const a = member(store, "a", log);
    const b = member(store, "b", log);
    await waitFor(
      () => (a.status().group?.shares.length ?? 0) === 8 && (b.status().group?.shares.length ?? 0) === 8,
      "the shares are split",
    );
    await publishOver(store, 40, 2);
    await waitFor(() => new Set(log.map((entry) => entry.event.sequenceNumber)).size === 280, "every event is handled");
    expectAllHandled(log, 280);
    expectPerStreamOrder(log);
    for (const entry of log) expect(entry.share).toBe(shareOf("orders", entry.event.stream, 16));
    const status = await a.groupStatus();
    expect(status.members).toEqual(["a", "b"]);
    expect(status.shares).toHaveLength(16);
    const held = new Set([...(a.status().group?.shares ?? []), ...(b.status().group?.shares ?? [])]);
    expect(held.size).toBe(16);
    await a.caughtUp();
    await b.caughtUp();
    const settled = await b.groupStatus();
    for (const share of settled.shares) expect(share.member).toBeDefined();
    // A member knows its own shares' positions; others' idle shares are stored once per round.
    for (const member of [a, b]) {
      const status = await member.groupStatus();
      for (const share of member.status().group?.shares ?? []) expect(status.shares[share]?.lag).toBe(0n);
    }
    expect(a.status()).toMatchObject({ state: "live", group: { member: "a" } });
    await a.close();
    await b.close();
  });

  it("hands a closing member's shares over at once, well before its lease would expire", { timeout: 30_000 }, async () => {
    const store = new EventStore(new InMemoryEventStorageAdapter());
    const log: Handled[] = [];
    // Expired leases would move at least 2 × leaseMs / 3 after the close (b renewed at most a round before it).
    const leaseMs = 6_000;
    const a = member(store, "a", log, { leaseMs });
    await waitFor(() => a.status().group?.shares.length === 16, "the only member holds every share");
    const b = member(store, "b", log, { leaseMs });
    await waitFor(() => b.status().group?.shares.length === 8, "a joining member gets its part", 3 * leaseMs);
    await publishOver(store, 20, 3);
    await waitFor(() => log.length >= 60, "the group handled the events");
    expect(new Set(log.map((entry) => entry.member))).toEqual(new Set(["a", "b"]));
    const closedAt = performance.now();
    await b.close();
    expect(b.status().state).toBe("closed");
    // a's next round (every leaseMs / 3) takes the released shares; an expired lease would take leaseMs.
    await waitFor(() => a.status().group?.shares.length === 16, "a takes b's shares", leaseMs);
    expect(performance.now() - closedAt).toBeLessThan(leaseMs / 3 + 1_500);
    await publishOver(store, 20, 1);
    await a.caughtUp();
    expectAllHandled(log, 80);
    expectPerStreamOrder(log);
    await a.close();
    expect(await store.adapter.subscriptions?.listLeases?.("billing")).toEqual([]);
  });

  it("moves the shares of a member that leaves to the members that stay, skipping nothing", async () => {
    const store = new EventStore(new InMemoryEventStorageAdapter());
    const log: Handled[] = [];
    const a = member(store, "a", log);
    const b = member(store, "b", log);
    const c = member(store, "c", log);
    await waitFor(() => [a, b, c].every((one) => (one.status().group?.shares.length ?? 0) >= 5), "three members share the work");
    const publishing = publishOver(store, 30, 10);
    await waitFor(() => log.length > 50, "work has started");
    await b.close();
    await publishing;
    await waitFor(() => new Set(log.map((entry) => entry.event.sequenceNumber)).size === 300, "every event is handled");
    expectPerStreamOrder(log);
    await waitFor(() => (a.status().group?.shares.length ?? 0) + (c.status().group?.shares.length ?? 0) === 16, "a and c hold every share");
    // After b left, each stream's events went to one member at a time: epochs never go back within a share.
    const epochs = new Map<number, number>();
    for (const entry of log) {
      expect(entry.epoch).toBeGreaterThanOrEqual(epochs.get(entry.share) ?? 0);
      epochs.set(entry.share, entry.epoch);
    }
    await a.close();
    await c.close();
  });

  it("resumes each share from its own checkpoint when the group starts again", async () => {
    const store = new EventStore(new InMemoryEventStorageAdapter());
    await publishOver(store, 10, 3);
    const first: Handled[] = [];
    const a = member(store, "a", first);
    await waitFor(() => first.length === 30, "the first run handled everything");
    await a.close();
    await publishOver(store, 10, 1);
    const second: Handled[] = [];
    const again = member(store, "a", second);
    await waitFor(() => second.length === 10, "the second run handled the new events");
    await again.caughtUp();
    expect(second.map((entry) => entry.event.sequenceNumber).sort((x, y) => Number(x - y))).toEqual(
      Array.from({ length: 10 }, (_, index) => BigInt(31 + index)),
    );
    await again.close();
  });

  it("refuses bad group options, a member twice in one process, and a name used both ways", async () => {
    const store = new EventStore(new InMemoryEventStorageAdapter());
    const base = { name: "g", source: store.log(), handler: () => {} };
    for (const group of [null, { member: "" }, { member: "m", leaseMs: 0 }, { member: "m", shares: 0 }, { member: "m", shares: 1.5 }]) {
      expect(() => store.subscribe({ ...base, group: group as never }), JSON.stringify(group)).toThrow(ChronicleError);
    }
    const one = store.subscribe({ ...base, group: { member: "m" } });
    expect(() => store.subscribe({ ...base, group: { member: "m" } })).toThrow(/already running/);
    expect(() => store.subscribe(base)).toThrow(/consumer group/);
    await one.close();
    const plain = store.subscribe(base);
    expect(() => store.subscribe({ ...base, group: { member: "m" } })).toThrow(/plain subscription/);
    await expect(plain.groupStatus()).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await plain.close();
  });
});
