import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { startScript } from "./child-process.js";
import { removeTemporaryFiles, temporaryDatabaseFile } from "./temporary-files.js";

afterAll(removeTemporaryFiles);

interface Ack {
  type: "ack";
  ids: string[];
}

describe("a writer process killed with SIGKILL", () => {
  it.each(["full", "normal"] as const)(
    "leaves every acknowledged event readable, positions contiguous and no partial batch (synchronous = %s)",
    async (synchronous) => {
      const filename = temporaryDatabaseFile();
      const writer = startScript("append-loop", {
        filename,
        writer: "doomed",
        publishes: -1,
        eventsPerPublish: 5,
        concurrency: 4,
        synchronous,
      });
      let acks = 0;
      await writer.waitForLine((line) => (line as Ack).type === "ack" && ++acks >= 300);
      writer.process.kill("SIGKILL");
      expect((await writer.exited).signal).toBe("SIGKILL");
      const acknowledged = writer.lines.filter((line): line is Ack => (line as Ack).type === "ack").flatMap((line) => line.ids);

      const database = new Database(filename);
      try {
        expect(database.pragma("integrity_check", { simple: true })).toBe("ok");
        const rows = database.prepare("SELECT id, position, payload FROM chronicle_events ORDER BY sequence_number").all() as {
          id: string;
          position: number;
          payload: string;
        }[];
        const stored = new Set(rows.map((row) => row.id));
        expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
        expect(rows.length).toBeGreaterThanOrEqual(acknowledged.length);
        expect(rows.map((row) => row.position)).toEqual(rows.map((_, index) => index));
        // Publishes are atomic: each one's five events are all there, in order, or none is.
        const parts = new Map<number, number[]>();
        for (const row of rows) {
          const { index, part } = JSON.parse(row.payload) as { index: number; part: number };
          parts.set(index, [...(parts.get(index) ?? []), part]);
        }
        for (const found of parts.values()) expect(found).toEqual([0, 1, 2, 3, 4]);
      } finally {
        database.close();
      }
    },
    60_000,
  );
});
