import type { StoredEvent } from "@chronicle/core";
import type { AcknowledgedEvent, SoakPayload } from "./soak-writes.js";

/** An event of the log as the checks keep it: what they compare, without the rest (a long run stores millions). */
export interface LoggedEvent extends AcknowledgedEvent {
  /** The soak payload's fields, or `undefined` for an event the soak did not write. */
  readonly payload: SoakPayload | undefined;
}

/** Keeps what the checks need of a stored event. */
export function toLoggedEvent({ id, category, stream, position, sequenceNumber, payload }: StoredEvent): LoggedEvent {
  const soak = payload as unknown as Partial<SoakPayload> | null;
  const isSoak = typeof soak?.write === "string" && typeof soak.size === "number" && typeof soak.part === "number";
  return { id, category, stream, position, sequenceNumber, payload: isSoak ? (soak as SoakPayload) : undefined };
}

/** How one write ended, in whichever process made it. */
export type SoakOutcome =
  | { readonly writeId: string; readonly acknowledged: readonly AcknowledgedEvent[] }
  | { readonly writeId: string; readonly failed: string; readonly message: string };

/** Everything the checks look at. */
export interface SoakEvidence {
  /** The whole log after the run, in sequence order, read through a connection of its own. */
  readonly log: readonly LoggedEvent[];
  /** Every write's outcome: the soak's writers, the final write and any other process's writer. */
  readonly outcomes: readonly SoakOutcome[];
  /** The sequence numbers of the events each tailing reader saw, in the order it saw them. */
  readonly readers: readonly (readonly number[])[];
  /** Codes of reads that failed (and were retried) in the tailing readers. */
  readonly readFailures: readonly string[];
  /** Whether a write made after the faults stopped was acknowledged. */
  readonly acceptsWrites: boolean;
  /** Anything else that went wrong outside the writes (a writer process that died on its own, a reader that never caught up). */
  readonly incidents: readonly string[];
}

/** One check's verdict, with a line of detail. */
export interface CheckResult {
  readonly name: string;
  readonly passed: boolean;
  readonly detail: string;
}

const ALLOWED_FAILURES = new Set(["UNAVAILABLE", "UNMET_WRITE_CONDITION"]);

/** Runs every check on what a soak run left behind. */
export function checkSoak(evidence: SoakEvidence): CheckResult[] {
  return [
    acknowledgedStoredOnce(evidence),
    contiguousPositions(evidence),
    wholeWrites(evidence),
    readersSawEverything(evidence),
    onlyAllowedFailures(evidence),
    {
      name: "the store still accepts writes",
      passed: evidence.acceptsWrites,
      detail: evidence.acceptsWrites
        ? "a publish after the faults stopped was acknowledged"
        : "the publish after the faults stopped failed",
    },
    {
      name: "nothing else went wrong",
      passed: evidence.incidents.length === 0,
      detail: evidence.incidents.length === 0 ? "no incidents" : evidence.incidents.slice(0, 5).join("; "),
    },
  ];
}

function acknowledgedStoredOnce({ log, outcomes }: SoakEvidence): CheckResult {
  const byId = new Map<string, LoggedEvent[]>();
  for (const event of log) append(byId, event.id, event);
  const problems: string[] = [];
  const duplicates = [...byId.values()].filter((copies) => copies.length > 1);
  if (duplicates.length > 0) problems.push(`${duplicates.length} ids stored more than once (e.g. ${duplicates[0]?.[0]?.id})`);
  let acknowledged = 0;
  for (const outcome of outcomes) {
    if (!("acknowledged" in outcome)) continue;
    for (const event of outcome.acknowledged) {
      acknowledged += 1;
      const stored = byId.get(event.id)?.[0];
      if (stored === undefined) problems.push(`acknowledged event ${event.id} of write ${outcome.writeId} is missing`);
      else if (
        stored.category !== event.category ||
        stored.stream !== event.stream ||
        stored.position !== event.position ||
        stored.sequenceNumber !== event.sequenceNumber
      ) {
        problems.push(`event ${event.id} was acknowledged at ${place(event)} but is stored at ${place(stored)}`);
      }
    }
  }
  return {
    name: "every acknowledged event stored exactly once",
    passed: problems.length === 0,
    detail: problems.length === 0 ? `${acknowledged} acknowledged events, ${log.length} in the log` : summarise(problems),
  };
}

function contiguousPositions({ log }: SoakEvidence): CheckResult {
  const streams = new Map<string, LoggedEvent[]>();
  for (const event of log) {
    append(streams, `${event.category}/${event.stream}`, event);
  }
  const problems: string[] = [];
  for (const [key, events] of streams) {
    // The log is in sequence order, so within a stream positions must count up from 0 in that order.
    events.forEach((event, index) => {
      if (event.position !== index) problems.push(`${key}: event ${index} in sequence order has position ${event.position}`);
    });
  }
  let previous = 0n;
  for (const event of log) {
    if (event.sequenceNumber <= previous) problems.push(`sequence number ${event.sequenceNumber} follows ${previous}`);
    previous = event.sequenceNumber;
  }
  return {
    name: "positions contiguous in every stream",
    passed: problems.length === 0,
    detail: problems.length === 0 ? `${streams.size} streams, sequence numbers increasing` : summarise(problems),
  };
}

function wholeWrites({ log, outcomes }: SoakEvidence): CheckResult {
  const writes = new Map<string, LoggedEvent[]>();
  const problems: string[] = [];
  for (const event of log) {
    const payload = event.payload;
    if (payload === undefined) {
      problems.push(`event ${event.id} is not a soak event`);
      continue;
    }
    append(writes, payload.write, event);
  }
  for (const [write, events] of writes) {
    const size = events[0]?.payload?.size;
    const parts = events.map((event) => event.payload?.part ?? -1).sort((left, right) => left - right);
    if (events.length !== size || parts.some((part, index) => part !== index)) {
      problems.push(`write ${write} has ${events.length} of its ${size} events stored`);
    }
  }
  const failedButStored = outcomes.filter((outcome) => "failed" in outcome && writes.has(outcome.writeId)).length;
  return {
    name: "every write whole",
    passed: problems.length === 0,
    detail:
      problems.length === 0
        ? `${writes.size} writes stored whole, ${failedButStored} of them reported failed to their publisher (stored, the answer lost)`
        : summarise(problems),
  };
}

function readersSawEverything({ log, readers }: SoakEvidence): CheckResult {
  // The log's sequence numbers are unique (checked with the positions), so they name its events.
  const expected = log.map((event) => Number(event.sequenceNumber));
  const problems: string[] = [];
  readers.forEach((ids, reader) => {
    if (ids.length !== expected.length) problems.push(`reader ${reader + 1} saw ${ids.length} events of ${expected.length}`);
    const first = ids.findIndex((id, index) => id !== expected[index]);
    if (first !== -1) problems.push(`reader ${reader + 1} differs from the log at event ${first}`);
  });
  return {
    name: "both tailing readers saw every event, once, in order",
    passed: problems.length === 0 && readers.length > 0,
    detail: problems.length === 0 ? `${readers.length} readers × ${expected.length} events` : summarise(problems),
  };
}

function onlyAllowedFailures({ outcomes, readFailures }: SoakEvidence): CheckResult {
  const problems: string[] = [];
  for (const outcome of outcomes) {
    if ("failed" in outcome && !ALLOWED_FAILURES.has(outcome.failed)) {
      problems.push(`write ${outcome.writeId} failed with ${outcome.failed}: ${outcome.message}`);
    }
  }
  for (const code of readFailures) if (code !== "UNAVAILABLE") problems.push(`a tailing read failed with ${code}`);
  return {
    name: "failures were only retryable UNAVAILABLE or a lost race (UNMET_WRITE_CONDITION)",
    passed: problems.length === 0,
    detail: problems.length === 0 ? "no other failure" : summarise(problems),
  };
}

function append<T>(groups: Map<string, T[]>, key: string, item: T): void {
  const group = groups.get(key);
  if (group === undefined) groups.set(key, [item]);
  else group.push(item);
}

function place(event: AcknowledgedEvent): string {
  return `${event.category}/${event.stream}@${event.position} #${event.sequenceNumber}`;
}

function summarise(problems: readonly string[]): string {
  const shown = problems.slice(0, 5).join("; ");
  return problems.length > 5 ? `${shown}; and ${problems.length - 5} more` : shown;
}
