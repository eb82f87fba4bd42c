import { logIdentifier } from "@chronicle/core";
import { expect } from "vitest";
import { expectAllResolve, migrateOf } from "../../suite/migrate-calls.js";
import type { ContractTestContext } from "../contract-test.js";
import { defineTests } from "../define-tests.js";
import { append, read, stream } from "../helpers.js";

const TARGET = stream("migrations", "m-1");

/**
 * Calls `migrate` now and again after a few waits (a microtask, event-loop
 * turns, a few milliseconds), so calls land before, during and after whatever
 * migration is already running; resolves with every call's promise.
 */
async function migrateRepeatedly(migrations: readonly (() => Promise<void>)[]): Promise<Promise<void>[]> {
  const calls = migrations.map((migrate) => migrate());
  for (const wait of [undefined, 0, 0, 1, 2, 5]) {
    await (wait === undefined ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, wait)));
    calls.push(...migrations.map((migrate) => migrate()));
  }
  return calls;
}

/** The test's adapter and a second instance over the same storage (the suite's `reopen` option). */
async function twoInstances(context: ContractTestContext) {
  const reopen = context.reopen;
  if (reopen === undefined) throw new Error("this test needs the suite's reopen option");
  return [context.adapter, await reopen()] as const;
}

/**
 * An adapter's optional `migrate()` (the contract's adapter interface has
 * none): idempotent, and safe to call concurrently, from one instance and from
 * several over one storage, also while the adapter's first call is migrating.
 * Runs only for adapters with a `migrate()` method; strongest when `create`
 * leaves migrating to first use, as the built-in adapters do.
 */
export const migrateTests = defineTests("migrate", {
  "migrate.concurrent-calls-on-one-instance": {
    requires: "migrate",
    run: async (context) => {
      const migrate = migrateOf(context.adapter);
      await expectAllResolve([migrate(), migrate(), migrate()]);
      const stored = await append(context.adapter, TARGET, 2);
      await expectAllResolve([migrate(), migrate()]);
      expect(await context.persisted(), "migrating again keeps what was stored").toEqual(stored);
    },
  },
  "migrate.while-the-first-save-migrates": {
    requires: "migrate",
    run: async (context) => {
      const migrate = migrateOf(context.adapter);
      const save = append(context.adapter, TARGET, 2);
      const latest = context.adapter.latest(TARGET);
      const calls = await migrateRepeatedly([migrate]);
      const [stored] = (await expectAllResolve([save, latest, ...calls])) as [Awaited<typeof save>];
      expect(await context.persisted(), "the save stored its events once").toEqual(stored);
      await append(context.adapter, TARGET, 1);
    },
  },
  "migrate.concurrent-calls-across-instances": {
    requires: ["migrate", "reopen"],
    run: async (context) => {
      const [first, second] = await twoInstances(context);
      const saves = [append(first, stream("migrations", "first"), 1), append(second, stream("migrations", "second"), 1)];
      const calls = await migrateRepeatedly([migrateOf(first), migrateOf(second)]);
      const [fromFirst, fromSecond] = (await expectAllResolve([...saves, ...calls])) as Awaited<(typeof saves)[number]>[];
      const everything = [...(fromFirst ?? []), ...(fromSecond ?? [])].sort((left, right) =>
        left.sequenceNumber < right.sequenceNumber ? -1 : 1,
      );
      expect(await read(second, logIdentifier()), "both instances' saves are stored once, over one schema").toEqual(everything);
      expect(await read(first, logIdentifier())).toEqual(everything);
    },
  },
});
