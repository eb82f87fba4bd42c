import {
  type AdapterCapabilities,
  type EventStorageAdapter,
  type EventTarget,
  evaluateConditionAt,
  isChronicleError,
  type JsonValue,
  logIdentifier,
  type SaveOptions,
  type ScanOptions,
  type StoredEvent,
  type StreamWrite,
  UnavailableError,
  UnmetWriteConditionError,
} from "@chronicle/core";
import { type ContractContext, type ContractTestId, runContractTest } from "@chronicle/testing/vitest";
import { describe, expect, it } from "vitest";
import { InMemoryEventStorageAdapter } from "../src/index.js";

// The contract suite is only worth running if it fails on adapters that break
// the contract. Each class below is the reference adapter with one deliberate
// bug; the tests check that the contract tests aimed at that bug fail on it and
// pass on the real adapter.

/** Passes every call through to a real in-memory adapter. */
class DelegatingAdapter implements EventStorageAdapter {
  protected readonly inner: InMemoryEventStorageAdapter;

  constructor(context: ContractContext) {
    this.inner = new InMemoryEventStorageAdapter({ serialisationGuarantee: context.serialisationGuarantee });
  }

  get capabilities(): AdapterCapabilities {
    return this.inner.capabilities;
  }

  save(writes: readonly StreamWrite[], options?: SaveOptions): Promise<StoredEvent[][]> {
    return this.inner.save(writes, options);
  }

  latest(target: EventTarget): Promise<StoredEvent | undefined> {
    return this.inner.latest(target);
  }

  scan(target: EventTarget, options?: ScanOptions): AsyncIterable<StoredEvent> {
    return this.inner.scan(target, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Bug (a): drops every write condition, so every write goes through. */
class IgnoresConditions extends DelegatingAdapter {
  override save(writes: readonly StreamWrite[], options?: SaveOptions): Promise<StoredEvent[][]> {
    return this.inner.save(
      writes.map(({ target, events }) => ({ target, events })),
      options,
    );
  }
}

/** Bug (b): scans leave out the event with sequence number 3. */
class SkipsAnEvent extends DelegatingAdapter {
  override scan(target: EventTarget, options?: ScanOptions): AsyncIterable<StoredEvent> {
    const inner = this.inner;
    return {
      async *[Symbol.asyncIterator]() {
        for await (const event of inner.scan(target, options)) {
          if (event.sequenceNumber !== 3n) yield event;
        }
      },
    };
  }
}

/** Bug (b'): pages by keyset with an off-by-one, skipping the event after each full page. */
class SkipsAtPageBoundaries extends DelegatingAdapter {
  override scan(target: EventTarget, options: ScanOptions = {}): AsyncIterable<StoredEvent> {
    const inner = this.inner;
    return {
      async *[Symbol.asyncIterator]() {
        const pageSize = options.pageSize ?? 500;
        const backwards = options.direction === "backwards";
        let remaining = options.limit ?? Number.POSITIVE_INFINITY;
        let after = options.after;
        let before = options.before;
        while (remaining > 0) {
          const limit = Math.min(pageSize, remaining);
          const page: StoredEvent[] = [];
          for await (const event of inner.scan(target, { ...options, after, before, limit, pageSize: limit })) page.push(event);
          yield* page;
          remaining -= page.length;
          const last = page.at(-1);
          if (last === undefined || page.length < limit) return;
          if (backwards) before = last.sequenceNumber - 1n;
          else after = last.sequenceNumber + 1n;
        }
      },
    };
  }
}

/** Bug (c): ignores event ids, so a retried save stores its events again. */
class IgnoresIds extends DelegatingAdapter {
  #attempt = 0;

  override async save(writes: readonly StreamWrite[], options?: SaveOptions): Promise<StoredEvent[][]> {
    // Every attempt stores the ids under a fresh disguise, so none is ever found again.
    this.#attempt += 1;
    const disguised = writes.map((write) => ({
      ...write,
      events: write.events.map((event, index) =>
        event.id === undefined ? event : { ...event, id: `${event.id}~${this.#attempt}.${index}` },
      ),
    }));
    return (await this.inner.save(disguised, options)).map((events) => events.map(undisguise));
  }

  override async latest(target: EventTarget): Promise<StoredEvent | undefined> {
    const event = await this.inner.latest(target);
    return event === undefined ? undefined : undisguise(event);
  }

  override scan(target: EventTarget, options?: ScanOptions): AsyncIterable<StoredEvent> {
    const inner = this.inner;
    return {
      async *[Symbol.asyncIterator]() {
        for await (const event of inner.scan(target, options)) yield undisguise(event);
      },
    };
  }
}

function undisguise(event: StoredEvent): StoredEvent {
  return { ...event, id: event.id.replace(/~\d+\.\d+$/, "") };
}

/** Bug (d): saves a multi-stream save one write at a time, so a later failure leaves earlier writes stored. */
class SavesWritesOneByOne extends DelegatingAdapter {
  override async save(writes: readonly StreamWrite[], options?: SaveOptions): Promise<StoredEvent[][]> {
    const results: StoredEvent[][] = [];
    for (const write of writes) results.push(...(await this.inner.save([write], options)));
    return results;
  }
}

/** Bug (e): `close()` does nothing. */
class NeverCloses extends DelegatingAdapter {
  override async close(): Promise<void> {}
}

/** Maps every event an adapter returns, from saves, scans and `latest`. */
class MapsReadEvents extends DelegatingAdapter {
  constructor(
    context: ContractContext,
    readonly mapEvent: (event: StoredEvent) => StoredEvent,
  ) {
    super(context);
  }

  override async save(writes: readonly StreamWrite[], options?: SaveOptions): Promise<StoredEvent[][]> {
    return (await this.inner.save(writes, options)).map((events) => events.map(this.mapEvent));
  }

  override async latest(target: EventTarget): Promise<StoredEvent | undefined> {
    const event = await this.inner.latest(target);
    return event === undefined ? undefined : this.mapEvent(event);
  }

  override scan(target: EventTarget, options?: ScanOptions): AsyncIterable<StoredEvent> {
    const { inner, mapEvent } = this;
    return {
      async *[Symbol.asyncIterator]() {
        for await (const event of inner.scan(target, options)) yield mapEvent(event);
      },
    };
  }
}

/**
 * Bug (f): events become visible out of sequence order, as when an adapter
 * takes sequence numbers before its transactions commit and they commit in
 * another order. A reader that has moved past a number never sees the event
 * that later appears behind it.
 */
class CommitsOutOfOrder extends DelegatingAdapter {
  readonly #invisible = new Set<string>();
  #saves = 0;

  override async save(writes: readonly StreamWrite[], options?: SaveOptions): Promise<StoredEvent[][]> {
    const result = await this.inner.save(writes, options);
    const ids = result.flat().map((event) => event.id);
    for (const id of ids) this.#invisible.add(id);
    this.#saves += 1;
    // Every other save takes a few milliseconds longer to "commit" than the saves after it.
    await new Promise((resolve) => setTimeout(resolve, this.#saves % 2 === 0 ? 4 : 0));
    for (const id of ids) this.#invisible.delete(id);
    return result;
  }

  override scan(target: EventTarget, options?: ScanOptions): AsyncIterable<StoredEvent> {
    const inner = this.inner;
    const invisible = this.#invisible;
    return {
      async *[Symbol.asyncIterator]() {
        for await (const event of inner.scan(target, options)) if (!invisible.has(event.id)) yield event;
      },
    };
  }
}

/** Bug (g): an unmet condition reports the position the writer expected, not the stream's. */
class MisreportsLatestPosition extends DelegatingAdapter {
  override async save(writes: readonly StreamWrite[], options?: SaveOptions): Promise<StoredEvent[][]> {
    try {
      return await this.inner.save(writes, options);
    } catch (error) {
      if (!(error instanceof UnmetWriteConditionError)) throw error;
      const expected = error.condition.type === "positionIs" ? error.condition.position : undefined;
      throw new UnmetWriteConditionError(error.target, error.condition, expected, { cause: error });
    }
  }
}

/** Bug (h): a lost race on a condition is reported as a retryable UNAVAILABLE, as a serialisation failure might be. */
class ReportsLostRacesAsUnavailable extends DelegatingAdapter {
  #inFlight = 0;

  override async save(writes: readonly StreamWrite[], options?: SaveOptions): Promise<StoredEvent[][]> {
    this.#inFlight += 1;
    try {
      // Yields first, so that concurrent saves overlap as they would on a server.
      await Promise.resolve();
      return await this.inner.save(writes, options);
    } catch (error) {
      if (this.#inFlight > 1 && isChronicleError(error, "UNMET_WRITE_CONDITION")) {
        throw new UnavailableError("could not serialise access due to concurrent update", { cause: error });
      }
      throw error;
    } finally {
      this.#inFlight -= 1;
    }
  }
}

/** Removes NUL characters from strings, as a store whose JSON type cannot hold them might. */
function withoutNul(value: JsonValue): JsonValue {
  return JSON.parse(JSON.stringify(value).replaceAll("\\u0000", ""));
}

/** Truncates to whole seconds, as a timestamp column without fractional seconds would. */
function toSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

interface BrokenCopy {
  readonly bug: string;
  readonly create: (context: ContractContext) => EventStorageAdapter;
  /** Contract tests that must catch the bug. */
  readonly caughtBy: readonly ContractTestId[];
  /** Contract tests unrelated to the bug, which must still pass: the copy is broken in one way only. */
  readonly unaffected: readonly ContractTestId[];
}

const brokenCopies: readonly BrokenCopy[] = [
  {
    bug: "(a) write conditions are not checked",
    create: (context) => new IgnoresConditions(context),
    caughtBy: [
      "conditions.stream-is-empty.rejects-existing-stream",
      "conditions.stream-exists.rejects-empty-stream",
      "conditions.position-is.rejects-stale",
      "conditions.position-is.rejects-ahead",
      "conditions.position-is.rejects-empty-stream",
      "conditions.all-of.rejects-when-one-fails",
      "conditions.any-of.rejects-when-none-holds",
      "conditions.nested.rejects",
      "conditions.unmet-stores-nothing",
      "conditions.checked-on-a-write-without-events",
      "save.multi-stream.failing-condition-stores-nothing",
      "save.multi-stream.guard-write-fails",
      "concurrency.position-is-race.log",
      "concurrency.position-is-race.stream",
      "concurrency.multi-stream-race.category",
      "concurrency.stream-is-empty-race",
    ],
    unaffected: [
      "conditions.position-is.holds",
      "scan.log.forwards",
      "idempotency.retry-returns-stored-events",
      "round-trip.unicode-payload",
    ],
  },
  {
    bug: "(b) a scan skips an event",
    create: (context) => new SkipsAnEvent(context),
    caughtBy: [
      "scan.log.forwards",
      "scan.log.backwards",
      "scan.category.forwards",
      "scan.stream.forwards",
      "scan.stream.to-position",
      "scan.log.every-event-once",
      "save.positions-per-stream",
      "save.sequence-numbers-increase",
      "concurrency.tailing-reader.log",
      "concurrency.interleaved-writers.log",
    ],
    unaffected: ["scan.log.after-last", "latest.log.newest-event", "validation.payload.nan", "close.save-rejects"],
  },
  {
    bug: "(b') keyset paging skips the event after each page",
    create: (context) => new SkipsAtPageBoundaries(context),
    caughtBy: [
      "scan.log.page-size",
      "scan.log.page-size-backwards",
      "scan.category.page-size",
      "scan.stream.page-size",
      "scan.stream.positions-with-page-size-and-limit",
      "scan.log.combined",
      "scan.log.every-event-once",
      "concurrency.tailing-reader.log",
      "concurrency.tailing-reader.stream",
    ],
    unaffected: ["scan.log.forwards", "scan.stream.from-and-to-position", "scan.log.limit", "round-trip.random-events"],
  },
  {
    bug: "(c) event ids are not checked, so retries store events again",
    create: (context) => new IgnoresIds(context),
    caughtBy: [
      "idempotency.retry-returns-stored-events",
      "idempotency.retry-with-position-is",
      "idempotency.retry-with-stream-is-empty",
      "idempotency.retry-multi-stream",
      "idempotency.different-payload-rejects",
      "idempotency.different-name-rejects",
      "idempotency.different-metadata-rejects",
      "idempotency.different-stream-rejects",
      "idempotency.some-ids-stored-rejects",
      "idempotency.different-order-rejects",
      "idempotency.same-id-twice-in-one-save-rejects",
      "idempotency.checked-before-conditions",
      "concurrency.identical-retries-race",
    ],
    unaffected: [
      "conditions.position-is.rejects-stale",
      "scan.category.forwards",
      "round-trip.default-id-is-uuid-v7",
      "close.save-rejects",
    ],
  },
  {
    bug: "(d) a multi-stream save is not atomic",
    create: (context) => new SavesWritesOneByOne(context),
    caughtBy: [
      "save.multi-stream.failing-condition-stores-nothing",
      "save.multi-stream.guard-write-fails",
      "idempotency.duplicate-rejects-whole-save",
    ],
    unaffected: ["save.multi-stream.atomic-success", "conditions.position-is.rejects-stale", "scan.log.forwards"],
  },
  {
    bug: "(e) close() does not close",
    create: (context) => new NeverCloses(context),
    caughtBy: ["close.save-rejects", "close.latest-rejects", "close.scan-rejects", "close.async-dispose-closes", "close.await-using"],
    unaffected: ["save.returns-stored-events", "latest.stream.newest-event"],
  },
  {
    bug: "(f) events become visible out of sequence order",
    create: (context) => new CommitsOutOfOrder(context),
    caughtBy: ["concurrency.tailing-reader.log", "concurrency.tailing-reader.category", "concurrency.tailing-reader.stream"],
    unaffected: ["concurrency.interleaved-writers.log", "scan.log.forwards", "conditions.position-is.rejects-stale"],
  },
  {
    bug: "(g) UNMET_WRITE_CONDITION carries the wrong latest position",
    create: (context) => new MisreportsLatestPosition(context),
    caughtBy: [
      "conditions.stream-is-empty.rejects-existing-stream",
      "conditions.position-is.rejects-stale",
      "conditions.position-is.rejects-ahead",
      "conditions.position-is.rejects-empty-stream",
      "conditions.checked-on-a-write-without-events",
      "save.multi-stream.guard-write-fails",
    ],
    unaffected: ["conditions.position-is.holds", "concurrency.position-is-race.log"],
  },
  {
    bug: "(h) a lost race is reported as UNAVAILABLE",
    create: (context) => new ReportsLostRacesAsUnavailable(context),
    caughtBy: [
      "concurrency.position-is-race.log",
      "concurrency.position-is-race.category",
      "concurrency.position-is-race.stream",
      "concurrency.stream-is-empty-race",
    ],
    unaffected: ["conditions.position-is.rejects-stale", "concurrency.interleaved-writers.stream"],
  },
  {
    bug: "(i) NUL characters in payload strings are lost",
    create: (context) => new MapsReadEvents(context, (event) => ({ ...event, payload: withoutNul(event.payload) })),
    caughtBy: ["round-trip.unicode-payload", "round-trip.unicode-string-payload"],
    unaffected: ["round-trip.nested-payload", "round-trip.metadata", "scan.log.forwards"],
  },
  {
    bug: "(j) dates lose their milliseconds",
    create: (context) =>
      new MapsReadEvents(context, (event) => ({
        ...event,
        occurredAt: toSeconds(event.occurredAt),
        observedAt: toSeconds(event.observedAt),
      })),
    caughtBy: ["round-trip.dates-keep-milliseconds", "round-trip.dates-far-apart", "round-trip.random-events"],
    unaffected: ["round-trip.unicode-payload", "conditions.position-is.rejects-stale"],
  },
  {
    bug: "(k) a rejected save keeps the positions it reserved",
    create: (context) => new LeaksPositionsOfRejectedSaves(context),
    caughtBy: [
      "conditions.position-is.rejects-stale",
      "conditions.stream-is-empty.rejects-existing-stream",
      "save.multi-stream.failing-condition-stores-nothing",
      "save.multi-stream.guard-write-fails",
      "save.duplicate-id-rejection-keeps-positions-contiguous",
    ],
    unaffected: ["conditions.position-is.holds", "save.positions-continue", "scan.log.forwards"],
  },
];

/**
 * Bug (k): a rejected save keeps the positions it reserved, so the stream's next
 * events are numbered after a gap. Modelled by shifting the positions of events
 * stored after a failure by the number of events the failed save held.
 */
class LeaksPositionsOfRejectedSaves extends DelegatingAdapter {
  readonly #leaks: { key: string; after: bigint; count: number }[] = [];

  override async save(writes: readonly StreamWrite[], options?: SaveOptions): Promise<StoredEvent[][]> {
    try {
      return (await this.inner.save(writes, options)).map((events) => events.map((event) => this.#shift(event)));
    } catch (error) {
      const after = (await this.inner.latest(logIdentifier()))?.sequenceNumber ?? 0n;
      for (const write of writes ?? []) {
        const key = JSON.stringify([write?.target?.category, write?.target?.stream]);
        this.#leaks.push({ key, after, count: write?.events?.length ?? 0 });
      }
      throw error;
    }
  }

  override async latest(target: EventTarget): Promise<StoredEvent | undefined> {
    const event = await this.inner.latest(target);
    return event === undefined ? undefined : this.#shift(event);
  }

  override scan(target: EventTarget, options?: ScanOptions): AsyncIterable<StoredEvent> {
    const inner = this.inner;
    const shift = (event: StoredEvent) => this.#shift(event);
    return {
      async *[Symbol.asyncIterator]() {
        for await (const event of inner.scan(target, options)) yield shift(event);
      },
    };
  }

  #shift(event: StoredEvent): StoredEvent {
    const key = JSON.stringify([event.category, event.stream]);
    const gap = this.#leaks
      .filter((leak) => leak.key === key && event.sequenceNumber > leak.after)
      .reduce((sum, leak) => sum + leak.count, 0);
    return { ...event, position: event.position + gap };
  }
}

const real = async (context: ContractContext) =>
  new InMemoryEventStorageAdapter({ serialisationGuarantee: context.serialisationGuarantee });

describe("the contract suite catches broken adapters", () => {
  for (const copy of brokenCopies) {
    describe(copy.bug, () => {
      for (const id of copy.caughtBy) {
        it(`${id} fails on the broken copy and passes on the real adapter`, async () => {
          await expect(runContractTest(id, { create: async (context) => copy.create(context) })).rejects.toThrow();
          await expect(runContractTest(id, { create: real })).resolves.toBeUndefined();
        });
      }
      it("leaves unrelated contract tests passing", async () => {
        for (const id of copy.unaffected) {
          await expect(runContractTest(id, { create: async (context) => copy.create(context) }), id).resolves.toBeUndefined();
        }
      });
    });
  }
});

/**
 * Instances over one shared storage that serialise saves with a lock. The bug (l)
 * is a lock held per instance: two instances then check a condition at the same
 * time and both write. The correct copy holds the lock per storage.
 */
class LockingInstance extends DelegatingAdapter {
  static readonly #storageLocks = new WeakMap<object, { tail: Promise<unknown> }>();
  readonly #lock: { tail: Promise<unknown> };
  readonly #storage: InMemoryEventStorageAdapter;

  constructor(context: ContractContext, storage: InMemoryEventStorageAdapter, lockPerStorage: boolean) {
    super(context);
    this.#storage = storage;
    let lock = lockPerStorage ? LockingInstance.#storageLocks.get(storage) : undefined;
    if (lock === undefined) {
      lock = { tail: Promise.resolve() };
      if (lockPerStorage) LockingInstance.#storageLocks.set(storage, lock);
    }
    this.#lock = lock;
  }

  override save(writes: readonly StreamWrite[], options?: SaveOptions): Promise<StoredEvent[][]> {
    const run = this.#lock.tail.then(async () => {
      for (const write of writes) {
        const latest = (await this.#storage.latest(write.target))?.position;
        // A storage round trip between the check and the write, as any real storage has.
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (write.condition !== undefined && !evaluateConditionAt(write.condition, latest)) {
          throw new UnmetWriteConditionError(write.target, write.condition, latest);
        }
      }
      return this.#storage.save(
        writes.map(({ target, events }) => ({ target, events })),
        options,
      );
    });
    this.#lock.tail = run.catch(() => {});
    return run;
  }

  override latest(target: EventTarget): Promise<StoredEvent | undefined> {
    return this.#storage.latest(target);
  }

  override scan(target: EventTarget, options?: ScanOptions): AsyncIterable<StoredEvent> {
    return this.#storage.scan(target, options);
  }
}

describe("the instances group catches a lock held per instance", () => {
  const storages = new Map<string, InMemoryEventStorageAdapter>();
  const storageOf = (context: ContractContext) => {
    let storage = storages.get(context.testId);
    if (storage === undefined) {
      storage = new InMemoryEventStorageAdapter();
      storages.set(context.testId, storage);
    }
    return storage;
  };
  const options = (lockPerStorage: boolean) => ({
    create: async (context: ContractContext) => {
      storages.delete(context.testId);
      return new LockingInstance(context, storageOf(context), lockPerStorage);
    },
    reopen: async (_adapter: EventStorageAdapter, context: ContractContext) =>
      new LockingInstance(context, storageOf(context), lockPerStorage),
  });

  it("instances.position-is-race fails with a lock per instance and passes with a lock per storage", async () => {
    await expect(runContractTest("instances.position-is-race", options(false))).rejects.toThrow(
      /exactly one writer wins across both instances/,
    );
    await expect(runContractTest("instances.position-is-race", options(true))).resolves.toBeUndefined();
  });

  it("needs the reopen option", async () => {
    await expect(runContractTest("instances.position-is-race", { create: real })).rejects.toThrow(/needs the reopen option/);
  });
});
