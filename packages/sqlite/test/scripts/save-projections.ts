// Saves projections of a few shared ids at growing positions, several at a time, and reports what it saw.
import { ProjectionStore, streamIdentifier } from "@chronicle/core";
import { SqliteProjectionStorageAdapter } from "../../src/index.js";

const { filename, writer, saves, ids } = JSON.parse(process.argv[2] ?? "{}") as {
  filename: string;
  writer: number;
  saves: number;
  ids: number;
};
const store = new ProjectionStore(new SqliteProjectionStorageAdapter({ filename }));
const errors: string[] = [];
let stored = 0;
let ignored = 0;
const highest: Record<string, number> = {};
for (let round = 0; round < saves; round += 4) {
  await Promise.all(
    Array.from({ length: Math.min(4, saves - round) }, async (_, offset) => {
      const index = round + offset;
      const id = `p${index % ids}`;
      // Positions interleave across writers, so every writer's saves race the others' for the same ids.
      const position = BigInt(index * 16 + writer);
      try {
        const saved = await store.save({
          name: "counter",
          id,
          source: streamIdentifier("counters", id),
          state: { writer, index },
          version: 1,
          position,
          eventCount: index,
          updatedAt: new Date(index),
        });
        if (saved) {
          stored += 1;
          highest[id] = Math.max(highest[id] ?? -1, Number(position));
        } else ignored += 1;
      } catch (error) {
        errors.push(String((error as { code?: string }).code ?? error));
      }
    }),
  );
}
await store.close();
process.stdout.write(`${JSON.stringify({ type: "done", writer, stored, ignored, errors, highest })}\n`);
