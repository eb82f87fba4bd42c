import {
  categoryIdentifier,
  type EventStorageAdapter,
  type EventTarget,
  logIdentifier,
  type ScanOptions,
  type StoredEvent,
  type StreamIdentifier,
  streamIdentifier,
} from "@chronicle/core";
import { newEvent } from "../new-event-builder.js";
import { append } from "./helpers.js";

/** The streams the scan tests write to; `orders-archive` catches category matching by prefix. */
export const WORLD_STREAMS = {
  main: streamIdentifier("orders", "o-1"),
  sibling: streamIdentifier("orders", "o-2"),
  otherCategory: streamIdentifier("users", "u-1"),
  prefixed: streamIdentifier("orders-archive", "o-1"),
} as const;

/** The event names of the scan world, used in turn. */
export const WORLD_NAMES = ["placed", "shipped", "paid"] as const;

// Interleaves the streams so that every target's events are spread over the log.
const PATTERN: readonly StreamIdentifier[] = [
  WORLD_STREAMS.main,
  WORLD_STREAMS.sibling,
  WORLD_STREAMS.main,
  WORLD_STREAMS.otherCategory,
  WORLD_STREAMS.main,
  WORLD_STREAMS.prefixed,
  WORLD_STREAMS.main,
  WORLD_STREAMS.sibling,
];

const OPENING_SAVE_SIZE = 4;

/** How many events the scan world holds. */
export const WORLD_SIZE = OPENING_SAVE_SIZE + PATTERN.length * 3;

function worldEvent(index: number) {
  return newEvent()
    .withName(WORLD_NAMES[index % WORLD_NAMES.length] as string)
    .withPayload({ index })
    .build();
}

/**
 * Saves the scan world (28 events: one save of four to the main stream, so its
 * sequence numbers start out consecutive, then one save per event, interleaved)
 * and returns what was stored, in save order.
 */
export async function seedWorld(adapter: EventStorageAdapter): Promise<StoredEvent[]> {
  const stored = await append(
    adapter,
    WORLD_STREAMS.main,
    Array.from({ length: OPENING_SAVE_SIZE }, (_, index) => worldEvent(index)),
  );
  for (let index = OPENING_SAVE_SIZE; index < WORLD_SIZE; index += 1) {
    const target = PATTERN[index % PATTERN.length] as StreamIdentifier;
    stored.push(...(await append(adapter, target, [worldEvent(index)])));
  }
  return stored;
}

/** The targets scan tests run against, one per group. */
export type ScanTargetKind = "log" | "category" | "stream";

/** The world's target of a kind: the log, `orders`, or `orders/o-1`. */
export function worldTarget(kind: ScanTargetKind): EventTarget {
  switch (kind) {
    case "log":
      return logIdentifier();
    case "category":
      return categoryIdentifier(WORLD_STREAMS.main.category);
    case "stream":
      return WORLD_STREAMS.main;
  }
}

/** Whether `event` belongs to `target`. */
export function belongsTo(event: StoredEvent, target: EventTarget): boolean {
  switch (target.type) {
    case "log":
      return true;
    case "category":
      return event.category === target.category;
    case "stream":
      return event.category === target.category && event.stream === target.stream;
  }
}

/**
 * The reference model of a scan: what `scan(target, options)` must yield,
 * computed from the events as saved (in sequence order).
 */
export function expectedScan(world: readonly StoredEvent[], target: EventTarget, options: ScanOptions = {}): StoredEvent[] {
  const names = options.names === undefined ? undefined : new Set(options.names);
  const matching = [...world]
    .sort((left, right) => (left.sequenceNumber < right.sequenceNumber ? -1 : 1))
    .filter(
      (event) =>
        belongsTo(event, target) &&
        (options.after === undefined || event.sequenceNumber > options.after) &&
        (options.before === undefined || event.sequenceNumber < options.before) &&
        (options.fromPosition === undefined || event.position >= options.fromPosition) &&
        (options.toPosition === undefined || event.position <= options.toPosition) &&
        (names === undefined || names.has(event.name)),
    );
  if (options.direction === "backwards") matching.reverse();
  return options.limit === undefined ? matching : matching.slice(0, options.limit);
}
