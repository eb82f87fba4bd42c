import {
  categoryIdentifier,
  type EventStorageAdapter,
  type EventTarget,
  logIdentifier,
  positionIs,
  type SerialisationGuarantee,
  type StoredEvent,
  streamIsEmpty,
} from "@chronicle/core";
import { expect } from "vitest";
import { newEvent } from "../../new-event-builder.js";
import type { ContractTestContext, ContractTestSpec } from "../contract-test.js";
import { defineTests } from "../define-tests.js";
import { append, expectContiguousPositions, expectIncreasingSequenceNumbers, pause, read, settleAll, stream } from "../helpers.js";
import { expectedScan } from "../scan-world.js";

const RACE_ROUNDS = 4;

/** Of N writers racing with `positionIs(k)`, exactly one wins; the others get UNMET_WRITE_CONDITION (promise 2). */
function positionRace(serialisationGuarantee: SerialisationGuarantee): ContractTestSpec {
  return {
    serialisationGuarantee,
    timeout: 120_000,
    run: async ({ adapter, concurrency }) => {
      const target = stream("races", "contested");
      await append(adapter, target, 1);
      for (let round = 0; round < RACE_ROUNDS; round += 1) {
        const outcomes = await settleAll(
          Array.from(
            { length: concurrency.writers },
            (_, writer) => () => append(adapter, target, [newEvent().withName(`writer-${writer}`).build()], positionIs(round)),
          ),
        );
        const winners = outcomes.filter((outcome) => outcome.status === "fulfilled");
        expect(winners, `round ${round}: exactly one writer wins`).toHaveLength(1);
        for (const outcome of outcomes) {
          if (outcome.status === "rejected") {
            expect(outcome.reason, `round ${round}: a lost race is UNMET_WRITE_CONDITION`).toMatchObject({ code: "UNMET_WRITE_CONDITION" });
          }
        }
      }
      const stored = await read(adapter, target);
      expect(stored.map((event) => event.position)).toEqual(Array.from({ length: RACE_ROUNDS + 1 }, (_, index) => index));
    },
  };
}

/**
 * Writers racing with multi-stream saves guarded on both streams, half of them
 * naming the streams in the opposite order (which deadlocks an adapter that locks
 * streams in the order given): exactly one wins each round, the others get
 * UNMET_WRITE_CONDITION, and no save is half applied (promises 1 and 2).
 */
function multiStreamRace(serialisationGuarantee: SerialisationGuarantee): ContractTestSpec {
  return {
    requires: "multiStreamWrites",
    serialisationGuarantee,
    timeout: 120_000,
    run: async ({ adapter, concurrency }) => {
      const from = stream("transfers", "from");
      const to = stream("transfer-audits", "to");
      await append(adapter, from, 1);
      await append(adapter, to, 1);
      for (let round = 0; round < RACE_ROUNDS; round += 1) {
        const outcomes = await settleAll(
          Array.from({ length: concurrency.writers }, (_, writer) => () => {
            const writes = [from, to].map((target) => ({
              target,
              events: [newEvent().withName(`writer-${writer}`).build()],
              condition: positionIs(round),
            }));
            return adapter.save(writer % 2 === 0 ? writes : writes.reverse());
          }),
        );
        expect(
          outcomes.filter((outcome) => outcome.status === "fulfilled"),
          `round ${round}: exactly one writer wins`,
        ).toHaveLength(1);
        for (const outcome of outcomes) {
          if (outcome.status === "rejected") {
            expect(outcome.reason, `round ${round}: a lost race is UNMET_WRITE_CONDITION`).toMatchObject({ code: "UNMET_WRITE_CONDITION" });
          }
        }
      }
      const fromEvents = await read(adapter, from);
      const toEvents = await read(adapter, to);
      expect(fromEvents.map((event) => event.position)).toEqual(Array.from({ length: RACE_ROUNDS + 1 }, (_, index) => index));
      // Each round's winner appended to both streams, or the save was half applied.
      expect(toEvents.map((event) => event.name)).toEqual(fromEvents.map((event) => event.name));
    },
  };
}

/** What the concurrent writers of a test saved. */
export interface Writers {
  readonly done: Promise<StoredEvent[][]>;
  finished(): boolean;
}

/**
 * Starts the configured number of writers, each appending its events one save at
 * a time, alternately to a stream of its own and to a stream shared by all,
 * spread over two categories so that narrower serialisation guarantees let them
 * truly overlap. Writers yield between saves so that readers run in between.
 * Given several adapters (instances over one storage), writer `i` uses the `i`-th in turn.
 */
export function startWriters(adapters: EventStorageAdapter | readonly EventStorageAdapter[], context: ContractTestContext): Writers {
  const pool = Array.isArray(adapters) ? adapters : [adapters as EventStorageAdapter];
  let finished = false;
  const writer = async (index: number): Promise<StoredEvent[]> => {
    const adapter = pool[index % pool.length] as EventStorageAdapter;
    const saved: StoredEvent[] = [];
    const own = stream(`workers-${index % 2}`, `worker-${index}`);
    const shared = stream(`workers-${index % 2}`, "shared");
    for (let count = 0; count < context.concurrency.eventsPerWriter; count += 1) {
      const target = count % 2 === 0 ? own : shared;
      saved.push(...(await append(adapter, target, [newEvent().withName(`work-${index}`).withPayload({ writer: index, count }).build()])));
      await pause();
    }
    return saved;
  };
  const done = Promise.all(Array.from({ length: context.concurrency.writers }, (_, index) => writer(index))).finally(() => {
    finished = true;
  });
  return { done, finished: () => finished };
}

/**
 * Polls `target` with `after` = the last sequence number seen until the writers
 * are done (and once more after), expecting increasing sequence numbers.
 */
export async function tail(adapter: EventStorageAdapter, target: EventTarget, writers: Writers): Promise<StoredEvent[]> {
  const seen: StoredEvent[] = [];
  let last: bigint | undefined;
  for (;;) {
    // Read the flag before reading, so the last poll starts after every writer has finished.
    const finished = writers.finished();
    const page = await read(adapter, target, last === undefined ? { pageSize: 7 } : { after: last, pageSize: 7 });
    for (const event of page) {
      if (last !== undefined) expect(event.sequenceNumber > last, `${event.sequenceNumber} follows ${last}`).toBe(true);
      last = event.sequenceNumber;
      seen.push(event);
    }
    if (finished) return seen;
    await pause();
  }
}

/** A reader tailing the log and a category while writers append never skips an event (promise 4). */
function tailingReader(serialisationGuarantee: SerialisationGuarantee): ContractTestSpec {
  return {
    serialisationGuarantee,
    timeout: 120_000,
    run: async (context) => {
      const { adapter } = context;
      const writers = startWriters(adapter, context);
      const [logSeen, categorySeen, saved] = await Promise.all([
        tail(adapter, logIdentifier(), writers),
        tail(adapter, categoryIdentifier("workers-0"), writers),
        writers.done,
      ]);
      const persisted = await context.persisted();
      expect(persisted).toHaveLength(context.concurrency.writers * context.concurrency.eventsPerWriter);
      expect(new Set(persisted.map((event) => event.id))).toEqual(new Set(saved.flat().map((event) => event.id)));
      const ids = (events: readonly StoredEvent[]) => events.map((event) => event.id);
      expect(ids(logSeen), "the log reader saw every event once, in order").toEqual(ids(expectedScan(persisted, logIdentifier())));
      expect(ids(categorySeen), "the category reader saw every event once, in order").toEqual(
        ids(expectedScan(persisted, categoryIdentifier("workers-0"))),
      );
    },
  };
}

/** Positions stay contiguous and sequence numbers increasing when writers interleave (promise 3). */
function interleavedWriters(serialisationGuarantee: SerialisationGuarantee): ContractTestSpec {
  return {
    serialisationGuarantee,
    timeout: 120_000,
    run: async (context) => {
      const { adapter } = context;
      const saved = await startWriters(adapter, context).done;
      const log = await read(adapter, logIdentifier());
      expect(log).toHaveLength(context.concurrency.writers * context.concurrency.eventsPerWriter);
      expectIncreasingSequenceNumbers(log);
      expectContiguousPositions(log);
      expect(new Set(log.map((event) => event.sequenceNumber)).size).toBe(log.length);
      // Each writer's saves are in the log in the order the writer made them.
      for (const mine of saved) {
        const ids = new Set(mine.map((event) => event.id));
        expect(log.filter((event) => ids.has(event.id))).toEqual(mine);
      }
    },
  };
}

/** Concurrent writers and readers. */
export const concurrencyTests = defineTests("concurrency", {
  "concurrency.position-is-race.log": positionRace("log"),
  "concurrency.position-is-race.category": positionRace("category"),
  "concurrency.position-is-race.stream": positionRace("stream"),
  "concurrency.multi-stream-race.log": multiStreamRace("log"),
  "concurrency.multi-stream-race.category": multiStreamRace("category"),
  "concurrency.multi-stream-race.stream": multiStreamRace("stream"),
  "concurrency.stream-is-empty-race": async ({ adapter, concurrency }) => {
    const target = stream("races", "fresh");
    const outcomes = await settleAll(
      Array.from(
        { length: concurrency.writers },
        (_, writer) => () => append(adapter, target, [newEvent().withName(`writer-${writer}`).build()], streamIsEmpty()),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") expect(outcome.reason).toMatchObject({ code: "UNMET_WRITE_CONDITION", latestPosition: 0 });
    }
    expect(await read(adapter, target)).toHaveLength(1);
  },
  "concurrency.identical-retries-race": async (context) => {
    // A client that retries a save still in flight gets the stored events back from every attempt.
    const { adapter, concurrency, random } = context;
    const target = stream("races", "retried");
    const batch = [0, 1].map((index) => newEvent().withId(random.uuid()).withName("retried").withPayload({ index }).build());
    const outcomes = await settleAll(
      Array.from({ length: concurrency.writers }, () => () => append(adapter, target, batch, streamIsEmpty())),
    );
    const results = outcomes.map((outcome) => (outcome.status === "fulfilled" ? outcome.value : outcome.reason));
    const stored = await read(adapter, target);
    expect(stored).toHaveLength(2);
    for (const result of results) expect(result).toEqual(stored);
  },
  "concurrency.interleaved-writers.log": interleavedWriters("log"),
  "concurrency.interleaved-writers.category": interleavedWriters("category"),
  "concurrency.interleaved-writers.stream": interleavedWriters("stream"),
  "concurrency.tailing-reader.log": tailingReader("log"),
  "concurrency.tailing-reader.category": tailingReader("category"),
  "concurrency.tailing-reader.stream": tailingReader("stream"),
});
