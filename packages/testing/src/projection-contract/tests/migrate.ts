import type { ProjectionStorageAdapter } from "@chronicle/core";
import { expect } from "vitest";
import { projection } from "../../projection-builder.js";
import { defineProjectionTests } from "../define-tests.js";

/** The adapter's own `migrate()`, which the contract leaves optional (these tests are skipped without it). */
function migrateOf(adapter: ProjectionStorageAdapter): () => Promise<void> {
  const migrate = (adapter as { migrate?: unknown }).migrate;
  if (typeof migrate !== "function") throw new Error("the migrate group needs an adapter with a migrate() method");
  return () => (migrate as () => Promise<void>).call(adapter);
}

/** Waits for every call and expects none to have rejected. */
async function expectAllResolve(calls: readonly Promise<unknown>[]): Promise<unknown[]> {
  const outcomes = await Promise.allSettled(calls);
  const failures = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason] : []));
  expect(failures, "every concurrent migrate() call (and every call beside them) resolves").toEqual([]);
  return outcomes.map((outcome) => (outcome.status === "fulfilled" ? outcome.value : undefined));
}

const JOE = projection().withName("profile").withId("joe").withState({ name: "Joe" }).build();

/**
 * An adapter's optional `migrate()`: idempotent, and safe to call
 * concurrently, also while the adapter's first call is migrating. Runs only for
 * adapters with a `migrate()` method; strongest when `create` leaves migrating
 * to first use.
 */
export const migrateTests = defineProjectionTests("migrate", {
  "migrate.concurrent-calls": {
    requires: "migrate",
    run: async ({ adapter, store }) => {
      const migrate = migrateOf(adapter);
      await expectAllResolve([migrate(), migrate(), migrate()]);
      expect(await store.save(JOE)).toBe(true);
      await expectAllResolve([migrate(), migrate()]);
      expect(await store.load(JOE), "migrating again keeps what was stored").toEqual(JOE);
    },
  },
  "migrate.while-the-first-calls-migrate": {
    requires: "migrate",
    run: async ({ adapter, store }) => {
      const migrate = migrateOf(adapter);
      const calls: Promise<unknown>[] = [store.save(JOE), store.load({ name: "profile", id: "jane" }), migrate()];
      for (const wait of [undefined, 0, 1, 5]) {
        await (wait === undefined ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, wait)));
        calls.push(migrate());
      }
      const [saved, missing] = await expectAllResolve(calls);
      expect(saved).toBe(true);
      expect(missing).toBeUndefined();
      expect(await store.load(JOE)).toEqual(JOE);
    },
  },
});
