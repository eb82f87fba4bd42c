import { logIdentifier, positionIs, streamExists, streamIsEmpty } from "@chronicle/core";
import { expect } from "vitest";
import { defineTests } from "../define-tests.js";
import {
  append,
  events,
  expectContiguousPositions,
  expectIncreasingSequenceNumbers,
  expectNextPositionsContiguous,
  expectRejection,
  places,
  read,
  stream,
} from "../helpers.js";

const A = stream("ledgers", "a");
const B = stream("ledgers", "b");
const ELSEWHERE = stream("audits", "a");

/** Saving: what a save returns and stores, atomically (promises 1 and 3). */
export const saveTests = defineTests("save", {
  "save.returns-stored-events": async ({ adapter }) => {
    const input = events(3, "opened");
    const stored = await append(adapter, A, input);
    expect(places(stored)).toEqual(["ledgers/a@0", "ledgers/a@1", "ledgers/a@2"]);
    expect(stored.map((event) => event.name)).toEqual(["opened", "opened", "opened"]);
    expect(stored.map((event) => event.payload)).toEqual(input.map((event) => event.payload));
    expectIncreasingSequenceNumbers(stored);
    for (const event of stored) expect(typeof event.id).toBe("string");
  },
  "save.positions-continue": async ({ adapter }) => {
    await append(adapter, A, 2);
    const stored = await append(adapter, A, 3);
    expect(stored.map((event) => event.position)).toEqual([2, 3, 4]);
    expect((await read(adapter, A)).map((event) => event.position)).toEqual([0, 1, 2, 3, 4]);
  },
  "save.positions-per-stream": async ({ adapter }) => {
    await append(adapter, A, 2);
    await append(adapter, B, 1);
    await append(adapter, ELSEWHERE, 1);
    await append(adapter, A, 1);
    await append(adapter, B, 2);
    const log = await read(adapter, logIdentifier());
    expect(places(log)).toEqual(["ledgers/a@0", "ledgers/a@1", "ledgers/b@0", "audits/a@0", "ledgers/a@2", "ledgers/b@1", "ledgers/b@2"]);
    expectContiguousPositions(log);
    expectIncreasingSequenceNumbers(log);
  },
  "save.sequence-numbers-increase": async ({ adapter, random }) => {
    const saved = [];
    for (let index = 0; index < 30; index += 1) {
      const target = random.pick([A, B, ELSEWHERE]);
      saved.push(...(await append(adapter, target, random.integer(1, 3))));
    }
    expectIncreasingSequenceNumbers(saved);
    const log = await read(adapter, logIdentifier());
    expect(log).toEqual(saved);
    expectContiguousPositions(log);
  },
  "save.no-writes": async (context) => {
    expect(await context.adapter.save([])).toEqual([]);
    expect(await context.persisted()).toEqual([]);
  },
  "save.write-without-events": async (context) => {
    expect(await context.adapter.save([{ target: A, events: [] }])).toEqual([[]]);
    expect(await context.persisted()).toEqual([]);
    expect(await context.adapter.latest(A)).toBeUndefined();
  },
  "save.aborted-signal-stores-nothing": async (context) => {
    const controller = new AbortController();
    controller.abort(new Error("Chronicle contract suite: save aborted on purpose"));
    await expect(context.adapter.save([{ target: A, events: events(2) }], { signal: controller.signal })).rejects.toBeDefined();
    expect(await context.persisted()).toEqual([]);
  },
  "save.same-stream-twice-rejects": async (context) => {
    await expectRejection(
      context.adapter.save([
        { target: A, events: events(1) },
        { target: stream(A.category, A.stream), events: events(1) },
      ]),
      "INVALID_INPUT",
    );
    expect(await context.persisted()).toEqual([]);
  },
  "save.multi-stream.atomic-success": {
    requires: "multiStreamWrites",
    run: async ({ adapter }) => {
      await append(adapter, B, 1);
      const result = await adapter.save([
        { target: A, events: events(2, "debited"), condition: streamIsEmpty() },
        { target: B, events: events(1, "credited"), condition: positionIs(0) },
        { target: ELSEWHERE, events: events(1, "recorded") },
      ]);
      expect(result.map(places)).toEqual([["ledgers/a@0", "ledgers/a@1"], ["ledgers/b@1"], ["audits/a@0"]]);
      expectIncreasingSequenceNumbers(result.flat());
      expect(await read(adapter, logIdentifier())).toHaveLength(5);
    },
  },
  "save.multi-stream.results-in-write-order": {
    requires: "multiStreamWrites",
    run: async ({ adapter }) => {
      const result = await adapter.save([
        { target: ELSEWHERE, events: events(1, "third") },
        { target: B, events: events(2, "second") },
        { target: A, events: events(1, "first") },
      ]);
      expect(result.map((write) => write.map((event) => `${event.category}/${event.stream}:${event.name}`))).toEqual([
        ["audits/a:third"],
        ["ledgers/b:second", "ledgers/b:second"],
        ["ledgers/a:first"],
      ]);
    },
  },
  "save.multi-stream.failing-condition-stores-nothing": {
    requires: "multiStreamWrites",
    run: async (context) => {
      const { adapter } = context;
      await append(adapter, B, 2);
      const before = await context.persisted();
      const error = await expectRejection(
        adapter.save([
          { target: A, events: events(2), condition: streamIsEmpty() },
          { target: ELSEWHERE, events: events(3) },
          { target: B, events: events(1), condition: positionIs(0) },
        ]),
        "UNMET_WRITE_CONDITION",
      );
      expect(error).toMatchObject({ target: { category: B.category, stream: B.stream }, latestPosition: 1 });
      expect(await context.persisted()).toEqual(before);
      expect(await read(adapter, A)).toEqual([]);
      expect(await read(adapter, ELSEWHERE)).toEqual([]);
      await expectNextPositionsContiguous(adapter, [A, ELSEWHERE, B]);
    },
  },
  "save.multi-stream.guard-write-holds": {
    requires: "multiStreamWrites",
    run: async ({ adapter }) => {
      // "Append to A only if B is still at position 5."
      await append(adapter, B, 6);
      const [toA, toB] = await adapter.save([
        { target: A, events: events(1) },
        { target: B, events: [], condition: positionIs(5) },
      ]);
      expect(places(toA ?? [])).toEqual(["ledgers/a@0"]);
      expect(toB).toEqual([]);
      expect(await read(adapter, B)).toHaveLength(6);
    },
  },
  "save.multi-stream.guard-write-fails": {
    requires: "multiStreamWrites",
    run: async (context) => {
      const { adapter } = context;
      await append(adapter, B, 7);
      const before = await context.persisted();
      const error = await expectRejection(
        adapter.save([
          { target: A, events: events(1) },
          { target: B, events: [], condition: positionIs(5) },
        ]),
        "UNMET_WRITE_CONDITION",
      );
      expect(error).toMatchObject({ target: { category: B.category, stream: B.stream }, latestPosition: 6 });
      expect(await context.persisted()).toEqual(before);
      await expectNextPositionsContiguous(adapter, [A, B]);
    },
  },
  "save.multi-stream.across-categories": {
    requires: "multiStreamWrites",
    run: async ({ adapter }) => {
      await append(adapter, ELSEWHERE, 1);
      const result = await adapter.save([
        { target: A, events: events(1) },
        { target: ELSEWHERE, events: events(1), condition: streamExists() },
      ]);
      expect(result.map(places)).toEqual([["ledgers/a@0"], ["audits/a@1"]]);
    },
  },
  "save.separator-characters-keep-streams-apart": async ({ adapter }) => {
    // Pairs that collide when an adapter joins category and stream with a separator.
    const pairs = [
      [stream("a:b", "c"), stream("a", "b:c")],
      [stream("a/b", "c"), stream("a", "b/c")],
      [stream("a.b", "c"), stream("a", "b.c")],
      [stream("a-b", "c"), stream("a", "b-c")],
      [stream('a"', "b"), stream("a", '"b')],
      [stream("a\\", "b"), stream("a", "\\b")],
      [stream("a b", "c"), stream("a", "b c")],
    ] as const;
    for (const [first, second] of pairs) {
      const stored = await append(adapter, first, 2, streamIsEmpty());
      const other = await append(adapter, second, 1, streamIsEmpty());
      expect(places(other)).toEqual([`${second.category}/${second.stream}@0`]);
      expect(await read(adapter, first)).toEqual(stored);
      expect(await read(adapter, second)).toEqual(other);
      expect(await adapter.latest(second)).toEqual(other[0]);
      expect(await read(adapter, { type: "category", category: second.category })).not.toContainEqual(stored[0]);
    }
  },
  "save.many-events-in-one-save": {
    timeout: 60_000,
    run: async ({ adapter }) => {
      const stored = await append(adapter, A, 1000);
      expect(stored.map((event) => event.position)).toEqual(Array.from({ length: 1000 }, (_, index) => index));
      expectIncreasingSequenceNumbers(stored);
      expect(await read(adapter, A, { pageSize: 333 })).toEqual(stored);
    },
  },
  "save.events-without-ids-are-not-deduplicated": async ({ adapter }) => {
    const first = await append(adapter, A, [{ name: "same", payload: { same: true } }]);
    const second = await append(adapter, A, [{ name: "same", payload: { same: true } }]);
    expect(second[0]?.id).not.toBe(first[0]?.id);
    expect(await read(adapter, A)).toEqual([...first, ...second]);
  },
  "save.multi-stream.bad-event-stores-nothing": {
    requires: "multiStreamWrites",
    run: async (context) => {
      await expectRejection(
        context.adapter.save([
          { target: A, events: events(2) },
          { target: B, events: [{ name: "", payload: {} }] },
        ]),
        "INVALID_INPUT",
      );
      expect(await context.persisted()).toEqual([]);
      await expectNextPositionsContiguous(context.adapter, [A, B]);
    },
  },
  "save.duplicate-id-rejection-keeps-positions-contiguous": async (context) => {
    const { adapter } = context;
    const [stored] = await append(adapter, A, 1);
    await append(adapter, B, 2);
    const before = await context.persisted();
    await expectRejection(
      append(adapter, B, [...events(2, "fresh"), { name: "reused", payload: { other: true }, id: stored?.id }]),
      "DUPLICATE_EVENT_ID",
    );
    expect(await context.persisted()).toEqual(before);
    await expectNextPositionsContiguous(adapter, [A, B]);
  },
});
