import type { StoredEvent } from "@chronicle/core";
import { table, wantsJson, writeLine } from "../output.js";
import { createProgress } from "../progress.js";
import type { CommandContext } from "../run-command.js";
import { withStore } from "../run-command.js";

/** What `chronicle stats` reports. */
export interface StoreStats {
  events: number;
  streams: number;
  categories: number;
  firstSequenceNumber: string | null;
  lastSequenceNumber: string | null;
  firstObservedAt: string | null;
  lastObservedAt: string | null;
}

/**
 * `chronicle stats`: counts events, streams and categories and finds the first
 * and last events, reading the whole log once in pages.
 */
export async function stats(options: { url?: string; json?: boolean }, context: CommandContext): Promise<void> {
  await withStore(options.url, "--url", { mustExist: true }, async ({ store }) => {
    const progress = createProgress("reading the log", "events", { quiet: !process.stderr.isTTY });
    const last = await store.log().latest();
    const streams = new Set<string>();
    const categories = new Set<string>();
    let first: StoredEvent | undefined;
    let events = 0;
    for await (const event of store.log().iterate({ signal: context.signal })) {
      first ??= event;
      events += 1;
      categories.add(event.category);
      streams.add(JSON.stringify([event.category, event.stream]));
      if (events % 1000 === 0) progress.update(Number(event.sequenceNumber), last === undefined ? undefined : Number(last.sequenceNumber));
    }
    if (process.stderr.isTTY) progress.finish("");
    const result: StoreStats = {
      events,
      streams: streams.size,
      categories: categories.size,
      firstSequenceNumber: first?.sequenceNumber.toString() ?? null,
      lastSequenceNumber: last?.sequenceNumber.toString() ?? null,
      firstObservedAt: first?.observedAt.toISOString() ?? null,
      lastObservedAt: last?.observedAt.toISOString() ?? null,
    };
    if (wantsJson(options.json, context.out)) {
      await writeLine(context.out, JSON.stringify(result));
    } else {
      await writeLine(
        context.out,
        table(
          ["", ""],
          Object.entries(result).map(([key, value]) => [key, value ?? "-"]),
        ),
      );
    }
  });
}
