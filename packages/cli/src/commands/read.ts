import type { EventReader, ScanOptions } from "@chronicle/core";
import { CliError } from "../cli-error.js";
import { wantsJson, writeEvents } from "../output.js";
import type { CommandContext } from "../run-command.js";
import { withStore } from "../run-command.js";

/** Options of `chronicle read`. */
export interface ReadOptions {
  url?: string;
  after?: string;
  limit?: string;
  names?: string;
  backwards?: boolean;
  json?: boolean;
}

/** `chronicle read <category>[/<stream>]`: the events of a category or stream, as a table or NDJSON. */
export async function read(source: string, options: ReadOptions, context: CommandContext): Promise<void> {
  const scan: ScanOptions = { signal: context.signal, direction: options.backwards ? "backwards" : "forwards" };
  if (options.after !== undefined) scan.after = parseSequenceNumber(options.after, "--after");
  if (options.limit !== undefined) scan.limit = parseCount(options.limit, "--limit");
  if (options.names !== undefined) scan.names = options.names.split(",").filter((name) => name !== "");
  checkSource(source);
  await withStore(options.url, "--url", { mustExist: true }, async ({ store }) => {
    await writeEvents(context.out, readerOf(store, source).iterate(scan), wantsJson(options.json, context.out));
  });
}

/** The handle `<category>` or `<category>/<stream>` names (the stream is everything after the first `/`). */
export function readerOf(
  store: { category(name: string): EventReader & { stream(name: string): EventReader } },
  source: string,
): EventReader {
  const slash = source.indexOf("/");
  if (source === "" || slash === 0)
    throw new CliError(`expected <category> or <category>/<stream>, got ${JSON.stringify(source)}`, { usage: true });
  return slash < 0 ? store.category(source) : store.category(source.slice(0, slash)).stream(source.slice(slash + 1));
}

/** Refuses a source that names no category, before any store is opened. */
export function checkSource(source: string): void {
  if (source === "" || source.startsWith("/") || source.endsWith("/")) {
    throw new CliError(`expected <category> or <category>/<stream>, got ${JSON.stringify(source)}`, { usage: true });
  }
}

/** A sequence number given on the command line. */
export function parseSequenceNumber(text: string, option: string): bigint {
  if (!/^\d+$/.test(text))
    throw new CliError(`${option} takes a sequence number (0 or more), got ${JSON.stringify(text)}`, { usage: true });
  return BigInt(text);
}

/** A positive count given on the command line. */
export function parseCount(text: string, option: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new CliError(`${option} takes a whole number of 1 or more, got ${JSON.stringify(text)}`, { usage: true });
  }
  return value;
}
