import type { StoredEvent } from "@chronicle/core";
import Table from "cli-table3";
import { encodeEvent } from "./event-lines.js";

/** Whether results go out as NDJSON: asked for with `--json`, or standard output is not a terminal. */
export function wantsJson(json: boolean | undefined, out: { isTTY?: boolean }): boolean {
  return json === true || out.isTTY !== true;
}

/** Writes a line, waiting when the pipe is full so memory stays flat however much is written. */
export async function writeLine(out: NodeJS.WritableStream, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
}

/** A terminal table of rows under `head` (no heading row when `head` is empty). */
export function table(head: string[], rows: (string | number)[][]): string {
  const result = new Table({ head, style: { head: [], border: [], compact: true }, wordWrap: false });
  result.push(...rows.map((row) => row.map(String)));
  return result.toString();
}

/** How `writeRecords` shows records on a terminal. */
export interface RecordTable<Record> {
  /** The column headings. */
  readonly head: string[];
  /** One record's cells, in the order of `head`. */
  readonly row: (record: Record) => (string | number)[];
  /** What to print instead of an empty table, such as "(no streams)". */
  readonly empty: string;
}

/** Writes records as NDJSON (one JSON object a line) when `json`, and otherwise as one terminal table. */
export async function writeRecords<Record>(
  out: NodeJS.WritableStream,
  json: boolean,
  records: readonly Record[],
  shown: RecordTable<Record>,
): Promise<void> {
  if (json) {
    for (const record of records) await writeLine(out, JSON.stringify(record));
    return;
  }
  await writeLine(out, records.length === 0 ? shown.empty : table(shown.head, records.map(shown.row)));
}

/** One event as a table row: sequence, stream, position, name, observed, payload (shortened). */
export function eventRow(event: StoredEvent): string[] {
  const payload = JSON.stringify(event.payload);
  return [
    event.sequenceNumber.toString(),
    `${event.category}/${event.stream}`,
    String(event.position),
    event.name,
    event.observedAt.toISOString(),
    payload.length > 60 ? `${payload.slice(0, 57)}...` : payload,
  ];
}

/** The heading of `eventRow`'s columns. */
export const EVENT_COLUMNS = ["sequence", "stream", "position", "name", "observed at", "payload"];

/** Writes events as NDJSON lines or as a table. */
export async function writeEvents(out: NodeJS.WritableStream, events: AsyncIterable<StoredEvent>, json: boolean): Promise<number> {
  let count = 0;
  if (json) {
    for await (const event of events) {
      await writeLine(out, encodeEvent(event));
      count += 1;
    }
    return count;
  }
  const rows: string[][] = [];
  for await (const event of events) rows.push(eventRow(event));
  await writeLine(out, rows.length === 0 ? "(no events)" : table(EVENT_COLUMNS, rows));
  return rows.length;
}
