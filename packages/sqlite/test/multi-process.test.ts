import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { startScript } from "./child-process.js";
import { removeTemporaryFiles, temporaryDatabaseFile } from "./temporary-files.js";

afterAll(removeTemporaryFiles);

interface Done {
  type: "done";
  writer: string;
  acknowledged: number;
  errors: string[];
}

function readStream(filename: string, category: string, stream: string) {
  const database = new Database(filename, { readonly: true });
  try {
    return database
      .prepare("SELECT sequence_number, position, payload FROM chronicle_events WHERE category = ? AND stream = ? ORDER BY sequence_number")
      .all(category, stream) as { sequence_number: number; position: number; payload: string }[];
  } finally {
    database.close();
  }
}

async function runWriters(filename: string, writers: number, options: Record<string, unknown>): Promise<Done[]> {
  const children = Array.from({ length: writers }, (_, index) => startScript("append-loop", { filename, writer: `w${index}`, ...options }));
  const outcomes = await Promise.all(children.map((child) => child.exited));
  for (const outcome of outcomes) expect(outcome, outcome.stderr).toMatchObject({ code: 0 });
  return children.map((child) => child.lines.find((line) => (line as Done).type === "done") as Done);
}

describe("several processes writing to one SQLite file", () => {
  it("stores every append from every process, at contiguous positions, with no SQLITE_BUSY reaching a caller", async () => {
    // A fresh file: the processes also race to create the schema.
    const filename = temporaryDatabaseFile();
    const done = await runWriters(filename, 4, { publishes: 300, eventsPerPublish: 2, concurrency: 4 });

    expect(done.flatMap((writer) => writer.errors)).toEqual([]);
    expect(done.map((writer) => writer.acknowledged)).toEqual([300, 300, 300, 300]);
    const rows = readStream(filename, "shared", "all");
    expect(rows).toHaveLength(4 * 300 * 2);
    expect(rows.map((row) => row.position)).toEqual(rows.map((_, index) => index));
    // The processes really did write at the same time: their events interleave in the log.
    const writers = rows.map((row) => (JSON.parse(row.payload) as { writer: string }).writer);
    expect(writers.filter((writer, index) => index > 0 && writer !== writers[index - 1]).length).toBeGreaterThan(8);
    // Each publish's two events sit next to each other: no other process's events come between them.
    for (let index = 0; index < rows.length; index += 2) {
      const [first, second] = [JSON.parse(rows[index]!.payload), JSON.parse(rows[index + 1]!.payload)];
      expect({ ...second, part: 0 }).toEqual(first);
    }
  }, 120_000);

  it("lets exactly one process win each optimistic positionIs race", async () => {
    const filename = temporaryDatabaseFile();
    const done = await runWriters(filename, 3, {
      publishes: 60,
      eventsPerPublish: 1,
      concurrency: 2,
      optimistic: true,
    });

    expect(done.flatMap((writer) => writer.errors)).toEqual([]);
    const rows = readStream(filename, "shared", "counter");
    expect(rows).toHaveLength(3 * 60);
    expect(rows.map((row) => row.position)).toEqual(rows.map((_, index) => index));
    const sequenceNumbers = rows.map((row) => row.sequence_number);
    expect([...sequenceNumbers].sort((a, b) => a - b)).toEqual(sequenceNumbers);
  }, 120_000);
});
