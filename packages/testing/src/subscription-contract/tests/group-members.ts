import type { EventStore } from "@chronicle/core";
import { expect } from "vitest";
import { groupViolations } from "../group-member-checks.js";
import { type HandledEntry, timestamp } from "../group-member-log.js";
import { type GroupMemberHandle, GroupUnderTest, Publisher, sleep } from "../group-under-test.js";
import { events, waitUntil } from "../helpers.js";
import { defineSubscriptionTests, type SubscriptionContractTestContext } from "../subscription-contract-test.js";

const CATEGORY = "work";
const STREAMS = 200;
const SHARES = 16;
/** Short enough to see failover within a test, long enough for a loaded two-core machine to renew in time. */
const LEASE_MS = 1_500;
/**
 * Where a closing member's shares must move at once: within half of it. A member that kept its leases
 * until they expired would hold them for `leaseMs` after its last renewal, at least two thirds of it.
 */
const CLOSE_LEASE_MS = 6_000;
/** Slack on top of a bound for a busy machine: acquiring several shares one after the other, a late timer, a slow scan. */
const MARGIN_MS = 500;
/** The fair part of the events each of three members handles at least: each holds five or six of sixteen shares. */
const FAIR_PART = 0.15;
const MEMBERS = ["member-a", "member-b", "member-c"] as const;

type Context = SubscriptionContractTestContext;

/** Each test's timeout; its waits end 5 s earlier, so a test that cannot go on says what it waited for. */
const TIMEOUT_MS = 60_000;

/** Runs `body` with the test's store and a group under test with this lease, disposing of the group (and its members) after. */
async function withGroup(
  context: Context,
  leaseMs: number,
  body: (group: GroupUnderTest, store: EventStore) => Promise<void>,
): Promise<void> {
  const store = await context.createStore();
  const group = await GroupUnderTest.create(
    { name: "group", category: CATEGORY, shares: SHARES, leaseMs, handlerDelayMs: 1 },
    TIMEOUT_MS - 5_000,
  );
  try {
    await body(group, store);
  } finally {
    await group.dispose();
  }
}

/** Starts members in child processes over the test's storage. */
function startProcesses(context: Context, store: EventStore, group: GroupUnderTest, members: readonly string[]) {
  return members.map((member) => group.startProcess(context, store.adapter.capabilities.serialisationGuarantee, member));
}

/** Publishes `perRound` events every 50 ms (to `STREAMS` streams, round-robin) until stopped, for at most 40 s. */
function publishSteadily(store: EventStore, perRound = 20): Publisher {
  return new Publisher(store, { category: CATEGORY, streams: STREAMS, perRound, intervalMs: 50, rounds: 800 });
}

/** Publishes the group's whole workload fast: `rounds` rounds of one event for each of `STREAMS` streams. */
function publishWorkload(store: EventStore, rounds: number): Publisher {
  return new Publisher(store, { category: CATEGORY, streams: STREAMS, perRound: 50, intervalMs: 10, rounds: (rounds * STREAMS) / 50 });
}

/** Stops publishing, waits for every event to be handled, closes the members left, and checks the group's promises. */
async function finish(
  group: GroupUnderTest,
  publisher: Publisher,
  members: readonly GroupMemberHandle[],
  mayOverlap?: (entry: HandledEntry) => boolean,
) {
  await publisher.stop();
  const all = await publisher.events();
  await group.waitHandled(all, 30_000);
  await group.close(members);
  expect(groupViolations(group.log.handled, { events: all, shares: SHARES, mayOverlap }), "what the members' log shows").toEqual([]);
  return all;
}

function expectFairParts(group: GroupUnderTest, members: readonly string[], total: number): void {
  const counts = group.log.countsByMember();
  for (const member of members) {
    expect(
      counts.get(member) ?? 0,
      `${member} handled a fair part of ${total} events (${JSON.stringify(Object.fromEntries(counts))})`,
    ).toBeGreaterThanOrEqual(Math.floor(total * FAIR_PART));
  }
}

/** Three members share the work; each handles a fair part, every stream in order, one member at a time. */
async function shareStreamsInOrder(group: GroupUnderTest, store: EventStore, members: readonly GroupMemberHandle[]): Promise<void> {
  const names = members.map((member) => member.member);
  await group.waitSettled(names, 30_000);
  const publisher = publishWorkload(store, 15);
  await publisher.done;
  const all = await finish(group, publisher, members);
  expect(all).toHaveLength(15 * STREAMS);
  expectFairParts(group, names, all.length);
}

/**
 * Two members share the work; a third joins mid-run and gets its part; then
 * one of the first two closes, and its shares move to the others at once,
 * long before its lease would have expired. Nothing is lost; order holds.
 */
async function joinAndLeave(
  group: GroupUnderTest,
  store: EventStore,
  start: (members: readonly string[]) => GroupMemberHandle[],
): Promise<void> {
  const [leaver, stayer] = start(["member-a", "member-b"]) as [GroupMemberHandle, GroupMemberHandle];
  await group.waitSettled([leaver.member, stayer.member], 30_000);
  const publisher = publishSteadily(store);
  await group.waitUntil((log) => log.handled.length >= 200, "200 events are handled", 20_000);
  const [joiner] = start(["member-c"]) as [GroupMemberHandle];
  await group.waitSettled([leaver.member, stayer.member, joiner.member], 30_000);
  await group.waitUntil(
    (log) => log.handled.some((entry) => entry.member === joiner.member),
    `${joiner.member} handles events of the shares it got`,
    10_000,
  );
  const closing = timestamp();
  await leaver.close();
  await expectHandedOverAtOnce(group, leaver.member, closing);
  await group.waitSettled([stayer.member, joiner.member], 10_000);
  expect(group.log.shares.get(joiner.member)?.length, `${joiner.member} ends up with half the shares`).toBeGreaterThanOrEqual(SHARES / 2);
  await sleep(200);
  await finish(group, publisher, [stayer, joiner]);
}

async function expectHandedOverAtOnce(group: GroupUnderTest, leaver: string, closing: number): Promise<void> {
  const closed = group.log.closed.get(leaver);
  if (closed === undefined) throw new Error(`${leaver} reported no close`);
  expect(closed.shares.length, `${leaver} held shares when it closed`).toBeGreaterThan(0);
  // Every share gets events every few rounds, so each is handled soon after it changes hands.
  const sinceClosed = (await group.waitTakenOver(leaver, closed.shares, closing, group.settings.leaseMs + 10_000)).map(
    (delay) => delay - (closed.at - closing),
  );
  // Released at once, each share is taken at its new holder's next tick; a lease left to expire would last
  // `leaseMs - tick` or more after close(), so half of `leaseMs` tells the two apart with room for a busy machine.
  const bound = group.settings.leaseMs / 2;
  expect(
    Math.max(...sinceClosed),
    `every share ${leaver} left was handled by another member within ${bound} ms of close() (after ${sinceClosed.map(Math.round).join(", ")} ms)`,
  ).toBeLessThanOrEqual(bound);
}

/** Consumer groups at work: member processes sharing a subscription, per-stream order, failover. */
export const groupMemberTests = defineSubscriptionTests("group-members", {
  "group-members.processes-share-streams-in-order": {
    requires: ["consumerGroups", "durable-process"],
    timeout: TIMEOUT_MS,
    run: (context) =>
      withGroup(context, LEASE_MS, async (group, store) => {
        await shareStreamsInOrder(group, store, startProcesses(context, store, group, MEMBERS));
      }),
  },
  "group-members.sigkill-shares-taken-over-within-lease": {
    requires: ["consumerGroups", "durable-process"],
    timeout: TIMEOUT_MS,
    run: (context) =>
      withGroup(context, LEASE_MS, async (group, store) => {
        const members = startProcesses(context, store, group, MEMBERS);
        const [first, victim, third] = members as [GroupMemberHandle, GroupMemberHandle, GroupMemberHandle];
        await group.waitSettled(MEMBERS, 30_000);
        const publisher = publishSteadily(store);
        await group.waitUntil(
          (log) => log.handled.length >= 300 && log.handled.some((entry) => entry.member === victim.member),
          `300 events are handled, some by ${victim.member}`,
          20_000,
        );
        const lost = group.log.shares.get(victim.member) ?? [];
        expect(lost.length, `${victim.member} holds shares`).toBeGreaterThan(0);
        const killed = timestamp();
        await victim.signal("SIGKILL");
        const delays = await group.waitTakenOver(victim.member, lost, killed, LEASE_MS + 2 * group.tickMs + 10_000);
        // Its heartbeat and leases expire within leaseMs of the kill; the others see that at a tick, and may
        // need one more when the lease outlived the heartbeat by a few milliseconds.
        const bound = LEASE_MS + 2 * group.tickMs + MARGIN_MS;
        expect(
          Math.max(...delays),
          `every share of the killed member was handled by another member within ${bound} ms (after ${delays.map(Math.round).join(", ")} ms)`,
        ).toBeLessThanOrEqual(bound);
        await group.waitSettled([first.member, third.member], 10_000);
        await sleep(200);
        await finish(group, publisher, [first, third]);
      }),
  },
  "group-members.join-and-leave-move-shares": {
    requires: ["consumerGroups", "durable-process"],
    timeout: TIMEOUT_MS,
    run: (context) =>
      withGroup(context, CLOSE_LEASE_MS, async (group, store) => {
        await joinAndLeave(group, store, (members) => startProcesses(context, store, group, members));
      }),
  },
  "group-members.sigstop-past-lease-handles-nothing-under-lost-epochs": {
    requires: ["consumerGroups", "durable-process"],
    timeout: TIMEOUT_MS,
    run: (context) =>
      withGroup(context, LEASE_MS, async (group, store) => {
        const members = startProcesses(context, store, group, MEMBERS);
        const paused = members[1] as GroupMemberHandle;
        const others = (entry: HandledEntry) => entry.member !== paused.member;
        await group.waitSettled(MEMBERS, 30_000);
        const publisher = publishSteadily(store);
        await group.waitUntil(
          (log) => log.handled.length >= 300 && log.handled.some((entry) => !others(entry)),
          `300 events are handled, some by ${paused.member}`,
          20_000,
        );
        // A process stopped inside a storage write can hold a lock the others wait for (SQLite's write
        // lock): then nobody can take its shares until it resumes, so stop it again at another moment.
        const stops: number[] = [];
        let stoppedAt = 0;
        let lost: number[] = [];
        for (let attempt = 1; ; attempt++) {
          lost = group.log.shares.get(paused.member) ?? [];
          stoppedAt = timestamp();
          stops.push(stoppedAt);
          await paused.signal("SIGSTOP");
          const othersWork = await group
            .waitUntil((log) => log.handled.filter((entry) => others(entry) && entry.start > stoppedAt + 100).length >= 20, "", 2_000)
            .then(() => true)
            .catch((error: unknown) => {
              if (error instanceof Error && error.message.startsWith("timed out")) return false;
              throw error;
            });
          if (othersWork) break;
          if (attempt === 3) throw new Error(`the other members handled next to nothing while ${paused.member} was stopped, three times`);
          await paused.signal("SIGCONT");
          await sleep(500);
        }
        expect(lost.length, `${paused.member} held shares when stopped`).toBeGreaterThan(0);
        await group.waitTakenOver(paused.member, lost, stoppedAt, LEASE_MS + 2 * group.tickMs + 10_000);
        const leaseGone = stoppedAt + LEASE_MS;
        const resume = leaseGone + group.tickMs - timestamp();
        if (resume > 0) await sleep(resume);
        await paused.signal("SIGCONT");
        // Long enough for it to notice, rejoin and take shares again under new epochs.
        await sleep(2 * group.tickMs + 1_000);
        // A handler in flight when the process stopped finishes after it resumes, maybe after another member took over.
        await finish(group, publisher, members, (entry) => !others(entry) && stops.some((stop) => entry.start < stop && entry.end > stop));

        // The epochs under which the others took its shares over: nothing of the paused member's may start under an older one.
        const takenAt = new Map<number, number>();
        for (const entry of group.log.handled) {
          if (others(entry) && lost.includes(entry.share) && entry.start > stoppedAt) {
            takenAt.set(entry.share, Math.min(takenAt.get(entry.share) ?? Number.POSITIVE_INFINITY, entry.epoch));
          }
        }
        const stale = group.log.handled.filter(
          (entry) => !others(entry) && entry.start > leaseGone && entry.epoch < (takenAt.get(entry.share) ?? 0),
        );
        expect(
          stale.map((entry) => `share ${entry.share} epoch ${entry.epoch}: ${entry.stream}@${entry.sequenceNumber}`),
          `${paused.member} resumed and handled nothing under the epochs of the shares it lost`,
        ).toEqual([]);
      }),
  },
  "group-members.in-process.share-streams-in-order": {
    requires: ["consumerGroups"],
    timeout: TIMEOUT_MS,
    run: (context) =>
      withGroup(context, LEASE_MS, async (group, store) => {
        await shareStreamsInOrder(
          group,
          store,
          MEMBERS.map((member) => group.joinInProcess(store, member)),
        );
      }),
  },
  "group-members.in-process.join-and-leave-move-shares": {
    requires: ["consumerGroups"],
    timeout: TIMEOUT_MS,
    run: (context) =>
      withGroup(context, CLOSE_LEASE_MS, async (group, store) => {
        await joinAndLeave(group, store, (members) => members.map((member) => group.joinInProcess(store, member)));
      }),
  },
  "group-members.one-member-name-twice-handles-each-event-once": {
    requires: ["consumerGroups", "durable-process"],
    timeout: TIMEOUT_MS,
    run: async (context) => {
      // Two adapters over the same storage, as two processes would have, both told to be member "worker".
      const stores = [await context.createStore(), await context.createStore()];
      const handled: bigint[] = [];
      const members = stores.map((store) =>
        store.subscribe({
          name: "twice",
          source: store.category("twice"),
          group: { member: "worker", leaseMs: LEASE_MS, shares: 8 },
          pollIntervalMs: 50,
          handler: (event) => void handled.push(event.sequenceNumber),
        }),
      );
      try {
        await waitUntil(
          () => members.every((member) => member.status().group?.shares.length === 4),
          "the two instances split the shares as two members",
          TIMEOUT_MS / 2,
        );
        const [writer] = stores as [EventStore];
        for (let stream = 0; stream < 40; stream++) await writer.stream("twice", `s${stream}`).publish({ events: events(5) });
        await waitUntil(() => new Set(handled).size === 200, "every event is handled", TIMEOUT_MS / 3);
        await sleep(300);
        expect(handled, "no event was handled by both instances").toHaveLength(200);
        // Each member's view of the live members is as fresh as its last round.
        for (const member of members) {
          await waitUntil(
            async () => (await member.groupStatus()).members.length === 2,
            "each member's group status lists both instances",
            TIMEOUT_MS / 6,
          );
          expect((await member.groupStatus()).members).toEqual(["worker", "worker"]);
        }
      } finally {
        for (const member of members) await member.close();
      }
    },
  },
});
