import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { encodeEvent } from "../event-lines.js";
import { createProgress, rateSummary } from "../progress.js";
import type { CommandContext } from "../run-command.js";
import { withStore } from "../run-command.js";

/**
 * `chronicle export [--out file.ndjson[.gz]]`: the whole log as NDJSON, one
 * event a line in sequence order, every field exact; gzip-compressed when the
 * file name ends in `.gz`. Without `--out` it writes to standard output.
 */
export async function exportLog(options: { url?: string; out?: string }, context: CommandContext): Promise<void> {
  await withStore(options.url, "--url", { mustExist: true }, async ({ store }) => {
    const startedAt = Date.now();
    const last = (await store.log().latest())?.sequenceNumber;
    const progress = createProgress("exporting", "events", { quiet: options.out === undefined && !process.stderr.isTTY });
    let count = 0;
    async function* lines() {
      for await (const event of store.log().iterate({ signal: context.signal })) {
        count += 1;
        if (count % 1000 === 0) progress.update(Number(event.sequenceNumber), last === undefined ? undefined : Number(last));
        yield `${encodeEvent(event)}\n`;
      }
    }
    if (options.out === undefined) {
      for await (const line of lines()) {
        if (!context.out.write(line)) await new Promise((resolve) => context.out.once("drain", resolve));
      }
    } else if (options.out.endsWith(".gz")) {
      await pipeline(lines, createGzip(), createWriteStream(options.out));
    } else {
      await pipeline(lines, createWriteStream(options.out));
    }
    progress.finish(`exported ${rateSummary(count, "events", startedAt)}${options.out === undefined ? "" : ` to ${options.out}`}`);
  });
}
