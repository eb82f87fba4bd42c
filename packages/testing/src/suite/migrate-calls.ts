import { expect } from "vitest";

/** An adapter's own `migrate()`, which the storage contracts leave optional (tests needing it are skipped without it). */
export function migrateOf(adapter: object): () => Promise<void> {
  const migrate = (adapter as { migrate?: unknown }).migrate;
  if (typeof migrate !== "function") throw new Error("the migrate group needs an adapter with a migrate() method");
  return () => (migrate as () => Promise<void>).call(adapter);
}

/** Whether an adapter has a `migrate()` method. */
export function hasMigrate(adapter: object): boolean {
  return typeof (adapter as { migrate?: unknown }).migrate === "function";
}

/** Waits for every call and expects none to have rejected; resolves with their values. */
export async function expectAllResolve(calls: readonly Promise<unknown>[]): Promise<unknown[]> {
  const outcomes = await Promise.allSettled(calls);
  const failures = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason] : []));
  expect(failures, "every concurrent migrate() call (and every call beside them) resolves").toEqual([]);
  return outcomes.map((outcome) => (outcome.status === "fulfilled" ? outcome.value : undefined));
}
