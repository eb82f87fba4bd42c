import { describe, expect, it } from "vitest";
import { assignShares } from "../src/subscriptions/share-assignment.js";
import { DEFAULT_GROUP_SHARES, shareOf } from "../src/subscriptions/subscription-support.js";

function counts(owners: string[]): Map<string, number> {
  const result = new Map<string, number>();
  for (const owner of owners) result.set(owner, (result.get(owner) ?? 0) + 1);
  return result;
}

describe("assignShares", () => {
  it("gives every share to a member, evenly: counts differ by at most one", () => {
    for (const members of [["a"], ["a", "b"], ["a", "b", "c"], ["m1", "m2", "m3", "m4", "m5", "m6", "m7"]]) {
      for (const shares of [1, 5, 16, 64, 100]) {
        const owners = assignShares(members, shares);
        expect(owners).toHaveLength(shares);
        const perMember = [...counts(owners).values()];
        if (shares >= members.length) expect(perMember).toHaveLength(members.length);
        expect(Math.max(...perMember) - Math.min(...perMember)).toBeLessThanOrEqual(1);
        for (const owner of owners) expect(members).toContain(owner);
      }
    }
  });

  it("is the same for every caller given the same members", () => {
    expect(assignShares(["a", "b", "c"], 64)).toEqual(assignShares(["a", "b", "c"], 64));
  });

  it("moves few shares besides the joining member's own", () => {
    const before = assignShares(["a", "b", "c"], 64);
    const after = assignShares(["a", "b", "c", "d"], 64);
    const moved = before.filter((owner, share) => owner !== after[share]).length;
    const toNewMember = after.filter((owner) => owner === "d").length;
    expect(toNewMember).toBe(16);
    // A full reshuffle would move about three quarters of the shares.
    expect(moved).toBeLessThanOrEqual(toNewMember + 12);
  });

  it("assigns nothing without members", () => {
    expect(assignShares([], 16)).toEqual([]);
  });
});

describe("shareOf", () => {
  it("is the FNV-1a hash of category/stream modulo the shares, stable across releases", () => {
    expect(shareOf("orders", "o-1", 1 << 30)).toBe(shareOf("orders", "o-1", 1 << 30));
    // Fixed values: a change here would move streams between shares of existing groups.
    expect([shareOf("a", "b", 1024), shareOf("orders", "o-1", 64), shareOf("ü", "😀", 16)]).toMatchInlineSnapshot(`
      [
        449,
        4,
        14,
      ]
    `);
    expect(DEFAULT_GROUP_SHARES).toBe(64);
  });
});
