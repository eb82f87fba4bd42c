import { wantsJson, writeRecords } from "../output.js";
import type { CommandContext } from "../run-command.js";
import { withStore } from "../run-command.js";

/** One stream as `chronicle streams` lists it. */
interface StreamSummary {
  category: string;
  stream: string;
  events: number;
  lastPosition: number;
  lastSequenceNumber: string;
  lastObservedAt: string;
}

/** `chronicle streams`: every stream of the store, or of one category, with its size and latest event. */
export async function streams(options: { url?: string; category?: string; json?: boolean }, context: CommandContext): Promise<void> {
  await withStore(options.url, "--url", { mustExist: true }, async ({ store }) => {
    const source = options.category === undefined ? store.log() : store.category(options.category);
    const found = new Map<string, StreamSummary>();
    for await (const event of source.iterate({ signal: context.signal })) {
      const key = JSON.stringify([event.category, event.stream]);
      const summary = found.get(key);
      const latest = {
        lastPosition: event.position,
        lastSequenceNumber: event.sequenceNumber.toString(),
        lastObservedAt: event.observedAt.toISOString(),
      };
      if (summary === undefined) found.set(key, { category: event.category, stream: event.stream, events: 1, ...latest });
      else Object.assign(summary, { events: summary.events + 1 }, latest);
    }
    const list = [...found.values()].sort((a, b) =>
      a.category === b.category ? compare(a.stream, b.stream) : compare(a.category, b.category),
    );
    await writeRecords(context.out, wantsJson(options.json, context.out), list, {
      head: ["category", "stream", "events", "last position", "last sequence", "last observed at"],
      row: (s) => [s.category, s.stream, s.events, s.lastPosition, s.lastSequenceNumber, s.lastObservedAt],
      empty: "(no streams)",
    });
  });
}

function compare(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
