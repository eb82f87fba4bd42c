import type { ParkedEvent } from "@chronicle/core";
import { table, wantsJson, writeLine } from "../output.js";
import type { CommandContext } from "../run-command.js";
import { withStore } from "../run-command.js";
import { checkSubscriptionName, encodeParked, parkedEvents, subscriptionSupportOf } from "../subscription-state.js";
import { parseCount } from "./read.js";

/** Options of `chronicle parked`. */
export interface ParkedOptions {
  url?: string;
  limit?: string;
  json?: boolean;
}

/** The heading of `parkedRow`'s columns. */
export const PARKED_COLUMNS = ["sequence", "event id", "stream", "name", "attempts", "error", "parked at"];

/** One parked event as a table row, the error shortened. */
export function parkedRow(entry: ParkedEvent): string[] {
  const error = `${entry.error.name}: ${entry.error.message}`.replaceAll(/\s+/g, " ");
  return [
    entry.event.sequenceNumber.toString(),
    entry.event.id,
    `${entry.event.category}/${entry.event.stream}`,
    entry.event.name,
    String(entry.attempts),
    error.length > 50 ? `${error.slice(0, 47)}...` : error,
    entry.parkedAt.toISOString(),
  ];
}

/** `chronicle parked <name>`: a subscription's parked events, oldest sequence number first. */
export async function parked(name: string, options: ParkedOptions, context: CommandContext): Promise<void> {
  checkSubscriptionName(name);
  const limit = options.limit === undefined ? undefined : parseCount(options.limit, "--limit");
  await withStore(options.url, "--url", { mustExist: true }, async ({ adapter, display }) => {
    const support = subscriptionSupportOf(adapter, display);
    const json = wantsJson(options.json, context.out);
    const rows: string[][] = [];
    let count = 0;
    for await (const entry of parkedEvents(support, name, limit)) {
      count += 1;
      if (json) await writeLine(context.out, encodeParked(name, entry));
      else rows.push(parkedRow(entry));
    }
    if (!json) await writeLine(context.out, rows.length === 0 ? "(no parked events)" : table(PARKED_COLUMNS, rows));
    if (count === 0 && (await support.listCheckpoints({ subscription: name })).length === 0) {
      // Likely a mistyped name: say so where it does not disturb NDJSON on standard output.
      process.stderr.write(
        `chronicle: note: no subscription named ${JSON.stringify(name)} has a checkpoint in ${display}; chronicle subscriptions lists those that do\n`,
      );
    }
  });
}
