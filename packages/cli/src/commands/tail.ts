import type { StoredEvent } from "@chronicle/core";
import { encodeEvent } from "../event-lines.js";
import { eventRow, wantsJson, writeLine } from "../output.js";
import type { CommandContext } from "../run-command.js";
import { withStore } from "../run-command.js";
import { checkSource, parseCount, parseSequenceNumber, readerOf } from "./read.js";

/** Options of `chronicle tail`. */
export interface TailOptions {
  url?: string;
  after?: string;
  intervalMs?: string;
  json?: boolean;
}

/**
 * `chronicle tail [<category>[/<stream>]]`: prints events as they are committed,
 * until interrupted. It starts at the end (or after `--after`) and reads after
 * the last sequence number it printed, which never skips an event whatever
 * writers do; between reads it waits `--interval-ms`.
 */
export async function tail(source: string | undefined, options: TailOptions, context: CommandContext): Promise<void> {
  const interval = options.intervalMs === undefined ? 250 : parseCount(options.intervalMs, "--interval-ms");
  if (source !== undefined) checkSource(source);
  await withStore(options.url, "--url", { mustExist: true }, async ({ store }) => {
    const reader = source === undefined ? store.log() : readerOf(store, source);
    let after = options.after === undefined ? (await reader.latest())?.sequenceNumber : parseSequenceNumber(options.after, "--after");
    const json = wantsJson(options.json, context.out);
    process.stderr.write(`following ${source ?? "the log"} after sequence number ${after ?? 0} (Ctrl-C to stop)\n`);
    const print = (event: StoredEvent) => writeLine(context.out, json ? encodeEvent(event) : eventRow(event).join("  "));
    while (!context.signal.aborted) {
      for await (const event of reader.iterate(after === undefined ? {} : { after })) {
        await print(event);
        after = event.sequenceNumber;
      }
      await sleep(interval, context.signal);
    }
    process.exitCode = 0;
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
