import {
  type EventStore,
  isChronicleError,
  type NewEvent,
  positionIs,
  type StoredEvent,
  type StreamIdentifier,
  streamExists,
  streamIdentifier,
  streamIsEmpty,
  uuidv7,
  type WriteCondition,
} from "@chronicle/core";
import type { SoakRandom } from "./soak-random.js";

/** The streams every writer (and the SQLite second writer process) publishes to, so writes overlap and conditions race. */
export const SOAK_STREAMS: readonly StreamIdentifier[] = ["accounts", "orders"].flatMap((category) =>
  Array.from({ length: 6 }, (_, index) => streamIdentifier(category, `${category}-${index}`)),
);

/** The payload of every soak event: which write it belongs to, how many events that write has, and which one this is. */
export interface SoakPayload {
  write: string;
  size: number;
  part: number;
}

/** A write as planned before it is published, with its ids fixed so a retry after `UNAVAILABLE` is idempotent. */
export interface PlannedWrite {
  readonly id: string;
  readonly kind: "single" | "batch" | "multi";
  readonly parts: readonly { readonly target: StreamIdentifier; readonly events: readonly NewEvent[] }[];
  readonly size: number;
}

/** Where an acknowledged event was stored, as its publisher was told (kept small: a long run acknowledges millions). */
export type AcknowledgedEvent = Pick<StoredEvent, "id" | "category" | "stream" | "position" | "sequenceNumber">;

/** How a write ended: acknowledged with where its events were stored, or failed with an error code after its retries. */
export type WriteOutcome =
  | { readonly write: PlannedWrite; readonly acknowledged: readonly AcknowledgedEvent[] }
  | { readonly write: PlannedWrite; readonly failed: string; readonly message: string };

/** What a writer saw, for the final report and checks. */
export interface WriterRecord {
  readonly outcomes: WriteOutcome[];
  /** Attempts that failed and were retried, by error code. */
  readonly retried: Map<string, number>;
}

const BACKOFF_MS = [20, 50, 100, 200, 500, 1_000, 1_000, 1_000];

/** Plans a single event (half the writes), a batch of 2–20 events, or, where allowed, a write to two streams at once. */
export function planWrite(writer: string, index: number, random: SoakRandom, multiStreamWrites: boolean): PlannedWrite {
  const id = `${writer}-${index}`;
  const roll = random.next();
  const kind = roll < 0.5 ? "single" : roll < 0.85 || !multiStreamWrites ? "batch" : "multi";
  const first = random.pick(SOAK_STREAMS);
  let targets: { target: StreamIdentifier; count: number }[];
  if (kind === "single") targets = [{ target: first, count: 1 }];
  else if (kind === "batch") targets = [{ target: first, count: 2 + random.below(19) }];
  else {
    const others = SOAK_STREAMS.filter((stream) => stream !== first);
    targets = [
      { target: first, count: 1 + random.below(10) },
      { target: random.pick(others), count: 1 + random.below(10) },
    ];
  }
  const size = targets.reduce((total, { count }) => total + count, 0);
  let part = 0;
  const parts = targets.map(({ target, count }) => ({
    target,
    events: Array.from({ length: count }, () => {
      const payload: SoakPayload = { write: id, size, part: part++ };
      return { id: uuidv7(), name: kind === "single" ? "noted" : "batched", payload: { ...payload } };
    }),
  }));
  return { id, kind, parts, size };
}

/**
 * Publishes a planned write with a condition chosen from what the stream holds
 * now (`positionIs` of its latest event, `streamIsEmpty`, `streamExists`) or
 * none, so writers racing on one stream lose with `UNMET_WRITE_CONDITION`.
 * A retryable failure (`UNAVAILABLE`) is retried with the same ids and
 * condition, as an application would: idempotency makes the retry safe even
 * when the first attempt was stored and only its answer was lost.
 */
export async function publishPlanned(
  store: EventStore,
  write: PlannedWrite,
  random: SoakRandom,
  record: WriterRecord,
): Promise<WriteOutcome> {
  let conditions: (WriteCondition | undefined)[] | undefined;
  for (let attempt = 0; ; attempt += 1) {
    try {
      if (conditions === undefined) {
        conditions = await chooseConditions(store, write, random);
        // Now and then, give other writers time to move the stream on between reading it and writing to it.
        if (random.next() < 0.3) await new Promise((resolve) => setTimeout(resolve, random.below(3)));
      }
      const chosen = conditions;
      const stored = await store.publish({
        writes: write.parts.map((part, index) => {
          const condition = chosen[index];
          return condition === undefined
            ? { target: part.target, events: part.events }
            : { target: part.target, events: part.events, condition };
        }),
      });
      const acknowledged = stored
        .flat()
        .map(({ id, category, stream, position, sequenceNumber }) => ({ id, category, stream, position, sequenceNumber }));
      const outcome: WriteOutcome = { write, acknowledged };
      record.outcomes.push(outcome);
      return outcome;
    } catch (error) {
      const code = errorCode(error);
      const retryable = isChronicleError(error) && error.retryable;
      if (retryable && attempt < BACKOFF_MS.length) {
        record.retried.set(code, (record.retried.get(code) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS[attempt]));
        continue;
      }
      const outcome: WriteOutcome = { write, failed: code, message: error instanceof Error ? error.message : String(error) };
      record.outcomes.push(outcome);
      return outcome;
    }
  }
}

async function chooseConditions(store: EventStore, write: PlannedWrite, random: SoakRandom): Promise<(WriteCondition | undefined)[]> {
  const conditions: (WriteCondition | undefined)[] = [];
  for (const part of write.parts) {
    const roll = random.next();
    if (roll < 0.55) {
      const latest = await store.stream(part.target.category, part.target.stream).latest();
      conditions.push(latest === undefined ? streamIsEmpty() : positionIs(latest.position));
    } else if (roll < 0.65) conditions.push(streamExists());
    else conditions.push(undefined);
  }
  return conditions;
}

/** A Chronicle error's code, or a description of anything else (which the checks treat as a violation). */
export function errorCode(error: unknown): string {
  if (isChronicleError(error)) return error.code;
  return `not a Chronicle error (${error instanceof Error ? `${error.name}: ${error.message}` : String(error)})`;
}
