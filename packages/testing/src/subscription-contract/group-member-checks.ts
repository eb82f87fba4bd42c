import { type StoredEvent, shareOf } from "@chronicle/core";
import type { HandledEntry } from "./group-member-log.js";

/**
 * How far apart two processes' `timestamp()`s of one instant may be. They
 * agree to about 0.1 ms on one machine; a handler takes at least a millisecond,
 * so two members handling a stream at once still overlap by more than this.
 */
const CLOCK_TOLERANCE_MS = 0.25;

/** At most this many violations are described; the rest are counted. */
const DESCRIBED = 12;

/** What `groupViolations` checks a log against. */
export interface GroupLogExpectations {
  /** Every event of the group's source, in sequence-number order. */
  readonly events: readonly StoredEvent[];
  /** The group's `shares`. */
  readonly shares: number;
  /**
   * Entries that may overlap another member's handling of their stream: a
   * handler in flight while its process was stopped (`SIGSTOP`) finishes
   * after another member took the share over, as it may.
   */
  readonly mayOverlap?: (entry: HandledEntry) => boolean;
}

/**
 * The promises of a consumer group that its members' log shows broken, each
 * described; empty when all were kept:
 * - every event was handled, by the share its stream belongs to (`shareOf`);
 * - each (share, epoch) lease was held by one member, and once a handler ran
 *   under an epoch, none started under an older one (fencing);
 * - per stream, handlers never overlapped (one member at a time), and events
 *   were handled in order: each handler took the stream's next event, or,
 *   at a handover to another member or lease, the event handled last again;
 *   a lease repeats at most one event (the one in flight at the handover, as
 *   with a checkpoint after every event).
 */
export function groupViolations(handled: readonly HandledEntry[], expectations: GroupLogExpectations): string[] {
  const { events, shares, mayOverlap = () => false } = expectations;
  const violations: string[] = [];
  const origin = handled.reduce((earliest, entry) => Math.min(earliest, entry.start), Number.POSITIVE_INFINITY);
  const at = (time: number) => `t+${(time - origin).toFixed(1)}ms`;
  const byId = new Map(events.map((event) => [event.id, event]));
  /** The event's position among its stream's events in the source (not its stream position: the source may be filtered). */
  const indexInStream = new Map<string, number>();
  const streamLengths = new Map<string, number>();
  for (const event of events) {
    const length = streamLengths.get(event.stream) ?? 0;
    indexInStream.set(event.id, length);
    streamLengths.set(event.stream, length + 1);
  }

  const handledIds = new Set(handled.map((entry) => entry.id));
  const missing = events.filter((event) => !handledIds.has(event.id));
  if (missing.length > 0) {
    const first = missing[0] as StoredEvent;
    violations.push(
      `${missing.length} of ${events.length} events were never handled, the first: sequence number ${first.sequenceNumber} of stream ${first.stream}`,
    );
  }

  const holders = new Map<string, string>();
  for (const entry of handled) {
    const event = byId.get(entry.id);
    if (event === undefined) {
      violations.push(`${entry.member} handled event ${entry.id}, which is not in the source`);
      continue;
    }
    if (entry.stream !== event.stream || entry.sequenceNumber !== String(event.sequenceNumber)) {
      violations.push(`${entry.member} logged event ${entry.id} as ${entry.stream}@${entry.sequenceNumber}`);
    }
    const share = shareOf(event.category, event.stream, shares);
    if (entry.share !== share || !Number.isInteger(entry.epoch) || entry.epoch < 1) {
      violations.push(
        `${entry.member} handled sequence number ${entry.sequenceNumber} of stream ${entry.stream} (share ${share}) with context.group share ${entry.share}, epoch ${entry.epoch}`,
      );
    }
    const lease = `${entry.share}/${entry.epoch}`;
    const holder = holders.get(lease);
    if (holder === undefined) holders.set(lease, entry.member);
    else if (holder !== entry.member)
      violations.push(`epoch ${entry.epoch} of share ${entry.share} was used by ${holder} and ${entry.member}`);
  }

  const byStart = (a: HandledEntry, b: HandledEntry) => a.start - b.start;
  for (const [share, entries] of groupBy(handled, (entry) => entry.share)) {
    let newest: HandledEntry | undefined;
    for (const entry of entries.sort(byStart)) {
      if (newest !== undefined && entry.epoch < newest.epoch) {
        violations.push(
          `share ${share}: ${entry.member} started sequence number ${entry.sequenceNumber} under epoch ${entry.epoch} at ${at(entry.start)}, after ${newest.member} had started one under epoch ${newest.epoch} at ${at(newest.start)}`,
        );
      }
      if (newest === undefined || entry.epoch > newest.epoch) newest = entry;
    }
  }

  /** Per lease (share and epoch): the events it handled again that an earlier lease had handled. */
  const repeats = new Map<string, HandledEntry[]>();
  for (const [stream, entries] of groupBy(handled, (entry) => entry.stream)) {
    let highest = -1;
    let previous: HandledEntry | undefined;
    let busy: HandledEntry | undefined;
    for (const entry of entries.sort(byStart)) {
      const index = indexInStream.get(entry.id);
      if (index === undefined) continue;
      const handover = previous !== undefined && (previous.member !== entry.member || previous.epoch !== entry.epoch);
      if (index === highest + 1) highest = index;
      else if (index === highest && handover) {
        const lease = `${entry.share}/${entry.epoch}`;
        repeats.set(lease, [...(repeats.get(lease) ?? []), entry]);
      } else {
        violations.push(
          `stream ${stream}: ${entry.member} (epoch ${entry.epoch}) handled its event #${index} (sequence number ${entry.sequenceNumber}) at ${at(entry.start)} when the next was #${highest + 1}${previous === undefined ? "" : ` (the last handled by ${previous.member}, epoch ${previous.epoch})`}`,
        );
        highest = Math.max(highest, index);
      }
      if (!mayOverlap(entry)) {
        if (busy !== undefined && entry.start < busy.end - CLOCK_TOLERANCE_MS) {
          violations.push(
            `stream ${stream}: ${entry.member} started sequence number ${entry.sequenceNumber} at ${at(entry.start)} while ${busy.member} handled sequence number ${busy.sequenceNumber} from ${at(busy.start)} to ${at(busy.end)}`,
          );
        }
        if (busy === undefined || entry.end > busy.end) busy = entry;
      }
      previous = entry;
    }
  }

  for (const [lease, entries] of repeats) {
    if (entries.length > 1) {
      violations.push(
        `share/epoch ${lease}: ${entries[0]?.member} handled ${entries.length} events again (${entries.map((entry) => `${entry.stream}@${entry.sequenceNumber}`).join(", ")}); a handover repeats at most the one in flight`,
      );
    }
  }

  if (violations.length <= DESCRIBED) return violations;
  return [...violations.slice(0, DESCRIBED), `… and ${violations.length - DESCRIBED} more`];
}

function groupBy<T, K>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [item]);
    else group.push(item);
  }
  return groups;
}
