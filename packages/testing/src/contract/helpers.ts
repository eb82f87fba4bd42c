import {
  type EventStorageAdapter,
  type EventTarget,
  type NewEvent,
  type ScanOptions,
  type StoredEvent,
  type StreamIdentifier,
  streamIdentifier,
  type WriteCondition,
} from "@chronicle/core";
import { expect } from "vitest";
import { newEvent } from "../new-event-builder.js";

export { expectRejection } from "../suite/expect-rejection.js";

/** `count` events named `name`, with payload `{ index }` counting from `from`. */
export function events(count: number, name = "something-happened", from = 0): NewEvent[] {
  return Array.from({ length: count }, (_, offset) =>
    newEvent()
      .withName(name)
      .withPayload({ index: from + offset })
      .build(),
  );
}

/** Saves one write and returns its stored events. */
export async function append(
  adapter: EventStorageAdapter,
  target: StreamIdentifier,
  toAppend: readonly NewEvent[] | number,
  condition?: WriteCondition,
): Promise<StoredEvent[]> {
  const list = typeof toAppend === "number" ? events(toAppend) : toAppend;
  const [stored] = await adapter.save([condition === undefined ? { target, events: list } : { target, events: list, condition }]);
  expect(stored, "save returns one result per write").toBeDefined();
  return stored ?? [];
}

/** Every event of an iteration, in order. */
export async function collect(iterable: AsyncIterable<StoredEvent>): Promise<StoredEvent[]> {
  const result: StoredEvent[] = [];
  for await (const event of iterable) result.push(event);
  return result;
}

/** Scans a target to the end. */
export function read(adapter: EventStorageAdapter, target: EventTarget, options?: ScanOptions): Promise<StoredEvent[]> {
  return collect(adapter.scan(target, options));
}

/**
 * Appends one event to each stream and expects it at the position after the
 * stream's last stored event: a rejected save must give back any positions it
 * reserved, so the next append continues without a gap.
 */
export async function expectNextPositionsContiguous(adapter: EventStorageAdapter, streams: readonly StreamIdentifier[]): Promise<void> {
  for (const target of streams) {
    const existing = await read(adapter, target);
    const [appended] = await append(adapter, target, events(1, "after-a-rejected-save"));
    expect(
      appended?.position,
      `after a rejected save, the next event of ${target.category}/${target.stream} takes the position after its last stored event (no gap)`,
    ).toBe(existing.length);
  }
}

/** Where each event sits: `category/stream@position`, for readable comparisons. */
export function places(stored: readonly StoredEvent[]): string[] {
  return stored.map((event) => `${event.category}/${event.stream}@${event.position}`);
}

/** The ids of events. */
export function idsOf(list: readonly { id?: string }[]): (string | undefined)[] {
  return list.map((event) => event.id);
}

/** Sequence numbers are bigints above 0n, unique and strictly increasing in this order. */
export function expectIncreasingSequenceNumbers(stored: readonly StoredEvent[]): void {
  let previous = 0n;
  for (const event of stored) {
    expect(typeof event.sequenceNumber, "sequenceNumber is a bigint").toBe("bigint");
    expect(event.sequenceNumber > previous, `sequence number ${event.sequenceNumber} follows ${previous}`).toBe(true);
    previous = event.sequenceNumber;
  }
}

/** Within each stream, positions run 0, 1, 2, … in this order, with no gaps. */
export function expectContiguousPositions(stored: readonly StoredEvent[]): void {
  const next = new Map<string, number>();
  for (const event of stored) {
    const key = JSON.stringify([event.category, event.stream]);
    const expected = next.get(key) ?? 0;
    expect(event.position, `position in ${event.category}/${event.stream}`).toBe(expected);
    next.set(key, expected + 1);
  }
}

/** A fresh signal already aborted with a recognisable reason. */
export function abortedSignal(): { signal: AbortSignal; reason: Error } {
  const controller = new AbortController();
  const reason = new Error("Chronicle contract suite: scan aborted on purpose");
  controller.abort(reason);
  return { signal: controller.signal, reason };
}

/** A stream identifier; shorthand for the tests. */
export function stream(category: string, name: string): StreamIdentifier {
  return streamIdentifier(category, name);
}

/** Runs `tasks` at once and waits for all of them, whatever each outcome. */
export function settleAll<T>(tasks: readonly (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
  return Promise.allSettled(tasks.map((task) => task()));
}

/** Gives other tasks (and the event loop) a turn. */
export function pause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
