import { closeSync, createReadStream, existsSync, openSync, readSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { StoredEvent } from "@chronicle/core";
import { appendInOrder } from "../append-in-order.js";
import { CliError } from "../cli-error.js";
import { decodeEvent } from "../event-lines.js";
import { createProgress, rateSummary } from "../progress.js";
import type { CommandContext } from "../run-command.js";
import { withStore } from "../run-command.js";
import { parseCount } from "./read.js";

/**
 * `chronicle import <file…>`: appends the events of NDJSON exports (gzip
 * recognised by its magic bytes), keeping ids, dates, positions and order.
 * Idempotent by event id: importing a file again stores nothing twice, and an
 * interrupted import continues when run again.
 */
export async function importFiles(files: string[], options: { url?: string; batchSize?: string }, context: CommandContext): Promise<void> {
  const batchSize = options.batchSize === undefined ? 500 : parseCount(options.batchSize, "--batch-size");
  for (const file of files) {
    if (!existsSync(file)) throw new CliError(`${file} does not exist`, { usage: true });
  }
  await withStore(options.url, "--url", {}, async ({ store }) => {
    const startedAt = Date.now();
    const progress = createProgress("importing", "events");
    let count = 0;
    for (const file of files) {
      const input = openInput(file);
      const events = readEvents(input.lines, file);
      count += await appendInOrder(store, events, {
        batchSize,
        signal: context.signal,
        multiStreamWrites: store.adapter.capabilities.multiStreamWrites,
        onSaved: (saved) => progress.update(count + saved),
      });
      if (context.signal.aborted) break;
    }
    progress.finish(
      context.signal.aborted
        ? `interrupted after ${count} events; run the same import again to continue`
        : `imported ${rateSummary(count, "events", startedAt)} (events already stored were left as they were)`,
    );
  });
}

function openInput(file: string): { lines: AsyncIterable<string> } {
  const head = Buffer.alloc(2);
  const fd = openSync(file, "r");
  try {
    readSync(fd, head, 0, 2, 0);
  } finally {
    closeSync(fd);
  }
  let stream: Readable = createReadStream(file);
  if (head[0] === 0x1f && head[1] === 0x8b) stream = stream.pipe(createGunzip());
  return { lines: createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }) };
}

async function* readEvents(lines: AsyncIterable<string>, file: string): AsyncGenerator<StoredEvent> {
  let number = 0;
  let previous: bigint | undefined;
  for await (const line of lines) {
    number += 1;
    if (line.trim() === "") continue;
    const event = decodeEvent(line, `${file}:${number}`);
    if (previous !== undefined && event.sequenceNumber <= previous) {
      throw new CliError(`${file}:${number}: events are not in sequence order (${event.sequenceNumber} after ${previous})`);
    }
    previous = event.sequenceNumber;
    yield event;
  }
}
