/**
 * Which member of a consumer group should hold each share. Every member
 * computes this from the same list of live members, so they agree without
 * talking to each other: the shares are spread evenly (member counts differ by
 * at most one), and each share goes to the member that ranks highest for it
 * among those with room left (rendezvous hashing), so a member joining or
 * leaving moves few shares besides its own.
 *
 * @param members - the live members' names, sorted by code point.
 * @returns for each share `0 … shares - 1`, the member that should hold it.
 */
export function assignShares(members: readonly string[], shares: number): string[] {
  if (members.length === 0) return [];
  const room = new Map<string, number>();
  const base = Math.floor(shares / members.length);
  const extra = shares % members.length;
  for (const [index, member] of members.entries()) room.set(member, base + (index < extra ? 1 : 0));
  const owners: string[] = [];
  for (let share = 0; share < shares; share++) {
    let best: string | undefined;
    let bestRank = -1;
    for (const member of members) {
      if ((room.get(member) ?? 0) === 0) continue;
      const rank = fnv1a(`${share}\u0000${member}`);
      if (rank > bestRank || (rank === bestRank && best !== undefined && member < best)) {
        best = member;
        bestRank = rank;
      }
    }
    const owner = best as string;
    room.set(owner, (room.get(owner) ?? 0) - 1);
    owners.push(owner);
  }
  return owners;
}

const utf8 = new TextEncoder();

/** The 32-bit FNV-1a hash of a string's UTF-8 bytes. */
export function fnv1a(text: string): number {
  const bytes = utf8.encode(text);
  let hash = 0x811c9dc5;
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
