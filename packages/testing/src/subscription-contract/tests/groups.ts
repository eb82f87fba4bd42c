import type { SubscriptionSupport } from "@chronicle/core";
import { expect } from "vitest";
import { defineSubscriptionTests } from "../subscription-contract-test.js";

type GroupSupport = Required<
  Pick<SubscriptionSupport, "heartbeat" | "leaveGroup" | "acquireLease" | "renewLease" | "releaseLease" | "listLeases">
> &
  SubscriptionSupport;

function groupSupportOf(support: SubscriptionSupport | undefined): GroupSupport {
  for (const method of ["heartbeat", "leaveGroup", "acquireLease", "renewLease", "releaseLease", "listLeases"] as const) {
    expect(typeof support?.[method], `consumerGroups is declared, so ${method} is offered`).toBe("function");
  }
  return support as GroupSupport;
}

/** Consumer group state: heartbeats, leases with increasing epochs, and checkpoints fenced by them. */
export const groupTests = defineSubscriptionTests("groups", {
  "groups.heartbeats-list-live-members": {
    requires: ["consumerGroups"],
    run: async (context) => {
      const support = groupSupportOf((await context.createAdapter()).subscriptions);
      expect(await support.heartbeat({ subscription: "g", member: "b", ttlMs: 60_000 })).toEqual(["b"]);
      expect(await support.heartbeat({ subscription: "g", member: "a", ttlMs: 60_000 })).toEqual(["a", "b"]);
      expect(await support.heartbeat({ subscription: "other", member: "c", ttlMs: 60_000 })).toEqual(["c"]);
      await support.heartbeat({ subscription: "g", member: "gone", ttlMs: 1 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await support.heartbeat({ subscription: "g", member: "a", ttlMs: 60_000 }), "an expired member is not live").toEqual([
        "a",
        "b",
      ]);
      await support.leaveGroup({ subscription: "g", member: "b" });
      expect(await support.heartbeat({ subscription: "g", member: "a", ttlMs: 60_000 })).toEqual(["a"]);
    },
  },
  "groups.leases-change-hands-with-increasing-epochs": {
    requires: ["consumerGroups"],
    run: async (context) => {
      const support = groupSupportOf((await context.createAdapter()).subscriptions);
      const share = { subscription: "g", share: 3 };
      const first = await support.acquireLease({ ...share, member: "a", leaseMs: 60_000 });
      expect(first).toMatchObject({ ...share, member: "a", epoch: 1 });
      expect(await support.acquireLease({ ...share, member: "b", leaseMs: 60_000 }), "held by another member").toBeUndefined();
      expect(await support.acquireLease({ ...share, member: "a", leaseMs: 60_000 }), "renewing keeps the epoch").toMatchObject({
        epoch: 1,
      });
      expect(await support.renewLease({ ...share, member: "a", epoch: 1, leaseMs: 60_000 })).toMatchObject({ epoch: 1 });
      expect(await support.releaseLease({ ...share, member: "a", epoch: 1 })).toBe(true);
      const second = await support.acquireLease({ ...share, member: "b", leaseMs: 60_000 });
      expect(second?.epoch, "a share that changes hands gets a higher epoch").toBe(2);
      expect(await support.renewLease({ ...share, member: "a", epoch: 1, leaseMs: 60_000 }), "the old holder cannot renew").toBeUndefined();
      expect(await support.releaseLease({ ...share, member: "a", epoch: 1 })).toBe(false);
      const expiring = await support.acquireLease({ subscription: "g", share: 4, member: "a", leaseMs: 1 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const taken = await support.acquireLease({ subscription: "g", share: 4, member: "b", leaseMs: 60_000 });
      expect(taken?.epoch, "an expired lease can be taken over").toBe((expiring?.epoch ?? 0) + 1);
      const leases = await support.listLeases("g");
      expect(leases.map((lease) => [lease.share, lease.member, lease.epoch])).toEqual([
        [3, "b", 2],
        [4, "b", 2],
      ]);
    },
  },
  "groups.epoch-fences-checkpoint-writes": {
    requires: ["consumerGroups"],
    run: async (context) => {
      const support = groupSupportOf((await context.createAdapter()).subscriptions);
      const share = { subscription: "g", share: 0 };
      const lease = await support.acquireLease({ ...share, member: "a", leaseMs: 1 });
      expect(await support.writeCheckpoint({ ...share, position: 5n, expected: undefined, epoch: lease?.epoch })).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const takeover = await support.acquireLease({ ...share, member: "b", leaseMs: 60_000 });
      expect(
        await support.writeCheckpoint({ ...share, position: 8n, expected: 5n, epoch: lease?.epoch }),
        "a member that lost its lease cannot write",
      ).toBe(false);
      expect(await support.writeCheckpoint({ ...share, position: 8n, expected: 5n, epoch: takeover?.epoch })).toBe(true);
      expect((await support.readCheckpoint(share))?.position).toBe(8n);
    },
  },
});
