import type { ParkedEvent } from "@chronicle/core";
import { CliError } from "../cli-error.js";
import type { CommandContext } from "../run-command.js";
import { withStore } from "../run-command.js";
import { checkSubscriptionName, encodeParked, parkedEvents, subscriptionSupportOf } from "../subscription-state.js";

/** Options of `chronicle retry-parked`. */
export interface RetryParkedOptions {
  url?: string;
  ids?: string;
  dryRun?: boolean;
}

/**
 * `chronicle retry-parked <name>`: unparks a subscription's parked events (all,
 * or those named by `--ids`). The command has no handler to run them through,
 * so it prints each one as a line of NDJSON (as `parked --json` does) and only
 * once every line is written removes the entries, so that whoever reads the
 * lines handles them. Ids that are not parked are refused before anything is
 * removed.
 */
export async function retryParked(name: string, options: RetryParkedOptions, context: CommandContext): Promise<void> {
  checkSubscriptionName(name);
  const ids = options.ids === undefined ? undefined : parseIds(options.ids);
  await withStore(options.url, "--url", { mustExist: true }, async ({ adapter, display }) => {
    const support = subscriptionSupportOf(adapter, display);
    const chosen: ParkedEvent[] = [];
    for await (const entry of parkedEvents(support, name)) {
      if (ids === undefined || ids.has(entry.event.id)) chosen.push(entry);
    }
    if (ids !== undefined) {
      const found = new Set(chosen.map((entry) => entry.event.id));
      const missing = [...ids].filter((id) => !found.has(id));
      if (missing.length > 0) {
        throw new CliError(
          `not parked for subscription ${JSON.stringify(name)}: ${missing.join(", ")}; nothing was unparked. ` +
            `chronicle parked --url … ${name} lists the parked events`,
        );
      }
    }
    if (chosen.length === 0) {
      process.stderr.write(`chronicle: subscription ${JSON.stringify(name)} has no parked events; nothing changed\n`);
      return;
    }
    await writeAll(context.out, chosen.map((entry) => `${encodeParked(name, entry)}\n`).join(""));
    if (options.dryRun) {
      process.stderr.write(`chronicle: dry run: would unpark the ${count(chosen.length)} above; nothing was removed\n`);
      return;
    }
    const gone: string[] = [];
    for (const entry of chosen) {
      // One id at a time, so the report names exactly the entries that another process removed first.
      if ((await support.removeParked(name, [entry.event.id])) === 0) gone.push(entry.event.id);
    }
    const unparked = chosen.length - gone.length;
    process.stderr.write(
      `chronicle: unparked ${count(unparked)} of subscription ${JSON.stringify(name)}, written to standard output as NDJSON: ` +
        `no subscription will hand ${unparked === 1 ? "it" : "them"} to its handler again, so handle ${unparked === 1 ? "it" : "them"} from those lines. ` +
        "(A running subscription retries its parked events itself with subscription.retryParked().)\n",
    );
    if (gone.length > 0) {
      process.stderr.write(
        `chronicle: ${gone.join(", ")} ${gone.length === 1 ? "was" : "were"} no longer parked when removed ` +
          "(a running subscription retried or removed them meanwhile): do not handle those lines again\n",
      );
    }
  });
}

/** The ids of `--ids`: comma-separated, at least one. */
function parseIds(text: string): Set<string> {
  const ids = new Set(
    text
      .split(",")
      .map((id) => id.trim())
      .filter((id) => id !== ""),
  );
  if (ids.size === 0) throw new CliError(`--ids takes event ids separated by commas, got ${JSON.stringify(text)}`, { usage: true });
  return ids;
}

function count(events: number): string {
  return events === 1 ? "1 parked event" : `${events} parked events`;
}

/** Writes `text` and resolves once the stream has taken it, or rejects with the stream's error (a closed pipe). */
function writeAll(out: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(text, (error) => (error ? reject(error) : resolve()));
  });
}
