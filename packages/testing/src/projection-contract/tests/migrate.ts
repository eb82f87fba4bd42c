import { expect } from "vitest";
import { projection } from "../../projection-builder.js";
import { expectAllResolve, migrateOf } from "../../suite/migrate-calls.js";
import { defineProjectionTests } from "../define-tests.js";

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
