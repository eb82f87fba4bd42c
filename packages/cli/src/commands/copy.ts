import type { EventStore } from "@chronicle/core";
import { appendInOrder } from "../append-in-order.js";
import { CliError } from "../cli-error.js";
import { createProgress, rateSummary } from "../progress.js";
import type { CommandContext } from "../run-command.js";
import { withStore } from "../run-command.js";
import { parseCount } from "./read.js";

/**
 * `chronicle copy --from U1 --to U2`: copies every event of one store into
 * another, in pages, keeping ids, dates, positions and order.
 *
 * Resumable: the target's newest event is looked up in the source, and the copy
 * goes on after it; since saves are idempotent by event id, even a copy that
 * starts over stores nothing twice. At the end it checks that the target holds
 * as many events as the source, and the same last event.
 */
export async function copy(options: { from?: string; to?: string; batchSize?: string }, context: CommandContext): Promise<void> {
  const batchSize = options.batchSize === undefined ? 1000 : parseCount(options.batchSize, "--batch-size");
  await withStore(options.from, "--from", { mustExist: true }, async (source) => {
    await withStore(options.to, "--to", {}, async (target) => {
      const startedAt = Date.now();
      const last = await source.store.log().latest();
      const resumeAfter = await resumePoint(source.store, target.store);
      const progress = createProgress("copying", "events");
      if (resumeAfter !== undefined) process.stderr.write(`resuming after sequence number ${resumeAfter} of the source\n`);
      const total = last === undefined ? undefined : Number(last.sequenceNumber);
      const copied = await appendInOrder(
        target.store,
        source.store.log().iterate({ ...(resumeAfter === undefined ? {} : { after: resumeAfter }), pageSize: batchSize }),
        {
          batchSize,
          signal: context.signal,
          multiStreamWrites: target.adapter.capabilities.multiStreamWrites,
          onSaved: (_count, event) => progress.update(Number(event.sequenceNumber), total),
        },
      );
      if (context.signal.aborted) {
        progress.finish(`interrupted after ${copied} events; run the same copy again to continue`);
        return;
      }
      progress.finish(`copied ${rateSummary(copied, "events", startedAt)} from ${source.display} to ${target.display}`);
      const [sourceCount, targetCount] = await Promise.all([countEvents(source.store), countEvents(target.store)]);
      const targetLast = await target.store.log().latest();
      if (sourceCount !== targetCount || targetLast?.id !== last?.id) {
        throw new CliError(
          `verification failed: the source holds ${sourceCount} events, the target ${targetCount}` +
            (targetLast?.id === last?.id ? "" : `, and their last events differ (${last?.id ?? "none"} and ${targetLast?.id ?? "none"})`),
        );
      }
      process.stderr.write(`verified: both stores hold ${sourceCount} events and end with event ${last?.id ?? "(none)"}\n`);
    });
  });
}

/**
 * Where to continue an interrupted copy: the source sequence number of the
 * target's newest event, when the source has that event; otherwise from the start.
 */
async function resumePoint(source: EventStore, target: EventStore): Promise<bigint | undefined> {
  const newest = await target.log().latest();
  if (newest === undefined) return undefined;
  const [match] = await source.stream(newest.category, newest.stream).read({ fromPosition: newest.position, limit: 1 });
  return match?.id === newest.id ? match.sequenceNumber : undefined;
}

async function countEvents(store: EventStore): Promise<number> {
  let count = 0;
  for await (const _ of store.log().iterate({ pageSize: 1000 })) count += 1;
  return count;
}
