import { createHash } from "node:crypto";
import type { SerialisationGuarantee, StreamIdentifier } from "@chronicle/core";

/**
 * A 64-bit advisory lock key for one scope of one schema. Advisory locks are
 * shared by the whole database, so the schema name is part of every key: two
 * schemas never wait on each other. A collision only makes two scopes share a lock.
 */
export function advisoryLockKey(schema: string, ...scope: string[]): string {
  const name = JSON.stringify([schema, ...scope]);
  let key = recentKeys.get(name);
  if (key === undefined) {
    key = createHash("sha256").update(name).digest().readBigInt64BE(0).toString();
    if (recentKeys.size >= RECENT_KEYS) recentKeys.clear();
    recentKeys.set(name, key);
  }
  return key;
}

/**
 * Every save asks for the keys of the scopes it writes, mostly the same few again
 * and again (under "log", always the one), so recent keys are kept rather than hashed anew.
 */
const recentKeys = new Map<string, string>();
const RECENT_KEYS = 4096;

/** A 32-bit key for one purpose of one schema: the first half of a two-part advisory lock key. */
export function advisoryLockClass(schema: string, purpose: string): number {
  return createHash("sha256")
    .update(JSON.stringify([schema, purpose]))
    .digest()
    .readInt32BE(0);
}

/**
 * The keys a save locks under `guarantee`, sorted and without repeats, so that
 * writers taking several always take them in the same order and never deadlock.
 */
export function writeLockKeys(schema: string, guarantee: SerialisationGuarantee, targets: readonly StreamIdentifier[]): string[] {
  const keys = new Set<string>();
  for (const target of targets) {
    if (guarantee === "log") keys.add(advisoryLockKey(schema, "log"));
    else if (guarantee === "category") keys.add(advisoryLockKey(schema, "category", target.category));
    else keys.add(advisoryLockKey(schema, "stream", target.category, target.stream));
  }
  return [...keys].sort((left, right) => (BigInt(left) < BigInt(right) ? -1 : BigInt(left) > BigInt(right) ? 1 : 0));
}
