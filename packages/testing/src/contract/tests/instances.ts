import { categoryIdentifier, logIdentifier, positionIs, streamIsEmpty } from "@chronicle/core";
import { expect } from "vitest";
import { newEvent } from "../../new-event-builder.js";
import type { ContractTestContext } from "../contract-test.js";
import { defineTests } from "../define-tests.js";
import { append, events, expectContiguousPositions, expectRejection, read, settleAll, stream } from "../helpers.js";
import { expectedScan } from "../scan-world.js";
import { startWriters, tail } from "./concurrency.js";

const TARGET = stream("shared-storage", "s-1");

/** The test's adapter and a second instance over the same storage (the suite's `reopen` option). */
async function twoInstances(context: ContractTestContext) {
  const reopen = context.reopen;
  if (reopen === undefined) throw new Error("the instances group needs the suite's reopen option");
  return [context.adapter, await reopen()] as const;
}

/**
 * Two adapter instances over one storage, as two processes or two pools would
 * have: every promise holds across them, so locks and caches must belong to the
 * storage, not to the instance. Runs only when the suite is given `reopen`.
 */
export const instancesTests = defineTests("instances", {
  "instances.see-each-others-events": {
    requires: "reopen",
    run: async (context) => {
      const [first, second] = await twoInstances(context);
      const stored = await append(first, TARGET, 3);
      expect(await read(second, TARGET)).toEqual(stored);
      expect(await read(second, categoryIdentifier(TARGET.category))).toEqual(stored);
      expect(await second.latest(TARGET)).toEqual(stored[2]);
      const more = await append(second, TARGET, 1);
      expect(more[0]?.position, "the second instance continues the stream after the first's events").toBe(3);
      expect(await read(first, logIdentifier())).toEqual([...stored, ...more]);
    },
  },
  "instances.conditions-see-the-other-instances-writes": {
    requires: "reopen",
    run: async (context) => {
      const [first, second] = await twoInstances(context);
      await append(first, TARGET, 2);
      await expectRejection(append(second, TARGET, 1, streamIsEmpty()), "UNMET_WRITE_CONDITION");
      await expectRejection(append(second, TARGET, 1, positionIs(0)), "UNMET_WRITE_CONDITION");
      const [appended] = await append(second, TARGET, 1, positionIs(1));
      expect(appended?.position).toBe(2);
      await expectRejection(append(first, TARGET, 1, positionIs(1)), "UNMET_WRITE_CONDITION");
    },
  },
  "instances.position-is-race": {
    requires: "reopen",
    timeout: 120_000,
    run: async (context) => {
      const adapters = await twoInstances(context);
      await append(adapters[0], TARGET, 1);
      for (let round = 0; round < 4; round += 1) {
        const outcomes = await settleAll(
          Array.from(
            { length: context.concurrency.writers },
            (_, writer) => () =>
              append(
                adapters[writer % 2] as (typeof adapters)[0],
                TARGET,
                [newEvent().withName(`writer-${writer}`).build()],
                positionIs(round),
              ),
          ),
        );
        expect(
          outcomes.filter((outcome) => outcome.status === "fulfilled"),
          `round ${round}: exactly one writer wins across both instances (a lock held per instance lets one winner through on each)`,
        ).toHaveLength(1);
        for (const outcome of outcomes) {
          if (outcome.status === "rejected") expect(outcome.reason).toMatchObject({ code: "UNMET_WRITE_CONDITION" });
        }
      }
      expect((await read(adapters[1], TARGET)).map((event) => event.position)).toEqual([0, 1, 2, 3, 4]);
    },
  },
  "instances.idempotency-across-instances": {
    requires: "reopen",
    run: async (context) => {
      const [first, second] = await twoInstances(context);
      const batch = [0, 1].map((index) => newEvent().withId(context.random.uuid()).withName("retried").withPayload({ index }).build());
      const stored = await append(first, TARGET, batch, streamIsEmpty());
      expect(await append(second, TARGET, batch, streamIsEmpty()), "a retry through another instance returns what was stored").toEqual(
        stored,
      );
      await expectRejection(
        append(second, stream("shared-storage", "s-2"), [{ ...batch[0], name: "retried", payload: { other: true } }]),
        "DUPLICATE_EVENT_ID",
      );
      expect(await read(first, logIdentifier())).toEqual(stored);
    },
  },
  "instances.interleaved-writers": {
    requires: "reopen",
    timeout: 120_000,
    run: async (context) => {
      const adapters = await twoInstances(context);
      await startWriters(adapters, context).done;
      const log = await read(adapters[0], logIdentifier());
      expect(log).toHaveLength(context.concurrency.writers * context.concurrency.eventsPerWriter);
      expectContiguousPositions(log);
      expect(new Set(log.map((event) => event.sequenceNumber)).size, "sequence numbers are unique across instances").toBe(log.length);
    },
  },
  "instances.tailing-reader": {
    requires: "reopen",
    timeout: 120_000,
    run: async (context) => {
      const adapters = await twoInstances(context);
      const writers = startWriters(adapters, context);
      const [seen] = await Promise.all([tail(adapters[1], logIdentifier(), writers), writers.done]);
      const persisted = await read(adapters[0], logIdentifier());
      expect(persisted).toHaveLength(context.concurrency.writers * context.concurrency.eventsPerWriter);
      expect(
        seen.map((event) => event.id),
        "a reader on one instance saw every event written through both, once, in order",
      ).toEqual(expectedScan(persisted, logIdentifier()).map((event) => event.id));
    },
  },
  "instances.events-of-another-instance-keep-their-content": {
    requires: "reopen",
    run: async (context) => {
      const [first, second] = await twoInstances(context);
      const stored = await append(first, TARGET, events(2, "detailed"));
      const [again] = await read(second, TARGET, { limit: 1 });
      expect(again).toEqual(stored[0]);
    },
  },
});
