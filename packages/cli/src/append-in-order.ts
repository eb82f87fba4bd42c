import {
  type EventStore,
  isChronicleError,
  positionIs,
  type StoredEvent,
  type StreamWrite,
  streamIdentifier,
  streamIsEmpty,
} from "@chronicle/core";
import { CliError } from "./cli-error.js";

/** Options of `appendInOrder`. */
export interface AppendInOrderOptions {
  /** Events per save, at most. */
  batchSize: number;
  /** Stops after the save in flight. */
  signal?: AbortSignal;
  /** Called after every save with the events handled so far and the last one. */
  onSaved?: (count: number, last: StoredEvent) => void;
  /** Whether one save may hold several streams. */
  multiStreamWrites: boolean;
}

/**
 * Appends events read from another store (or an export) to `store`, keeping
 * their ids, names, payloads, metadata, dates, stream positions and log order.
 *
 * Events are grouped into saves without reordering them: consecutive events of
 * one stream form one write, and a save ends before a stream would appear in it
 * twice. Each write is guarded by the position its first event had
 * (`streamIsEmpty()` or `positionIs(p - 1)`), so positions come out the same,
 * and a stream that already holds other events is refused rather than mixed.
 * Because saves are idempotent by event id, running the same input again
 * stores nothing twice: that is what makes import and copy resumable.
 * Resolves with the number of events handled (stored now or found stored).
 */
export async function appendInOrder(store: EventStore, events: AsyncIterable<StoredEvent>, options: AppendInOrderOptions): Promise<number> {
  let writes: { target: StreamWrite["target"]; events: StoredEvent[] }[] = [];
  let inSave = new Set<string>();
  let size = 0;
  let count = 0;

  const flush = async () => {
    if (size === 0) return;
    const saving = writes;
    writes = [];
    inSave = new Set();
    size = 0;
    try {
      await store.publish({
        writes: saving.map(({ target, events: list }) => {
          const first = list[0] as StoredEvent;
          return {
            target,
            condition: first.position === 0 ? streamIsEmpty() : positionIs(first.position - 1),
            events: list.map(({ id, name, payload, metadata, occurredAt, observedAt }) => ({
              id,
              name,
              payload,
              metadata,
              occurredAt,
              observedAt,
            })),
          };
        }),
      });
    } catch (error) {
      if (isChronicleError(error, "UNMET_WRITE_CONDITION")) {
        const { category, stream } = error.target;
        const write = saving.find((entry) => entry.target.category === category && entry.target.stream === stream);
        throw new CliError(
          `The target stream ${category}/${stream} does not continue where the source does: its latest position is ` +
            `${error.latestPosition ?? "none (empty)"}, the next event to copy has position ${write?.events[0]?.position}. ` +
            "It holds events that are not the source's; copy into an empty store or remove that stream.",
          { cause: error },
        );
      }
      throw error;
    }
    count += saving.reduce((sum, write) => sum + write.events.length, 0);
    const lastWrite = saving[saving.length - 1] as (typeof saving)[number];
    options.onSaved?.(count, lastWrite.events[lastWrite.events.length - 1] as StoredEvent);
  };

  for await (const event of events) {
    const key = JSON.stringify([event.category, event.stream]);
    const last = writes[writes.length - 1];
    const continuesLast = last !== undefined && last.target.category === event.category && last.target.stream === event.stream;
    if (!continuesLast && (inSave.has(key) || (!options.multiStreamWrites && size > 0))) await flush();
    if (options.signal?.aborted) return count;
    const current = writes[writes.length - 1];
    if (current !== undefined && current.target.category === event.category && current.target.stream === event.stream) {
      current.events.push(event);
    } else {
      writes.push({ target: streamIdentifier(event.category, event.stream), events: [event] });
      inSave.add(key);
    }
    size += 1;
    if (size >= options.batchSize) {
      await flush();
      if (options.signal?.aborted) return count;
    }
  }
  await flush();
  return count;
}
