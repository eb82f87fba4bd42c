import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { PostgresProjectionStorageAdapter } from "../src/index.js";
import { POSTGRES_URL } from "./postgres-test-support.js";
import { useTestSchemas } from "./test-schemas.js";

const { pool, schemaFor } = useTestSchemas(2);

interface Save {
  id: string;
  version: number;
  position: number | undefined;
  seed: number;
  index: number;
  stored: boolean;
}

function runSaver(schema: string, seed: number): Promise<Save[]> {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@chronicle/source", "test/fixtures/save-projections.ts"], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: {
      ...process.env,
      CHRONICLE_PROJECTION_SCHEMA: schema,
      CHRONICLE_PROJECTION_SEED: String(seed),
      CHRONICLE_POSTGRES_URL: POSTGRES_URL,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let errors = "";
  child.stdout.on("data", (chunk) => {
    output += String(chunk);
  });
  child.stderr.on("data", (chunk) => {
    errors += String(chunk);
  });
  return new Promise((resolve, reject) =>
    child.on("exit", (code) =>
      code === 0 ? resolve(JSON.parse(output) as Save[]) : reject(new Error(`saver ${seed} exited ${code}: ${errors}`)),
    ),
  );
}

/** The order saves may not go back on: version, then position, with no position before every position. */
const rank = (save: { version: number; position: number | undefined }) => save.version * 10_000 + (save.position ?? -1);

it("processes saving the same projections at once never move one back", { timeout: 120_000 }, async () => {
  // A fresh schema: the processes also race to create the table.
  const schema = schemaFor("multi-process-savers");
  const saves = (await Promise.all([1, 2, 3].map((seed) => runSaver(schema, seed)))).flat();
  const adapter = new PostgresProjectionStorageAdapter({ pool }, { schema });
  for (const id of new Set(saves.map((save) => save.id))) {
    const mine = saves.filter((save) => save.id === id);
    const best = Math.max(...mine.map(rank));
    const stored = await adapter.load({ name: "racer", id });
    if (stored === undefined) throw new Error(`${id} was not stored`);
    expect(rank({ version: stored.version, position: stored.position === undefined ? undefined : Number(stored.position) })).toBe(best);
    // What is stored is one of the best saves, and that save resolved true.
    const { seed, index } = stored.state as { seed: number; index: number };
    const winner = mine.find((save) => save.seed === seed && save.index === index);
    expect(winner && rank(winner)).toBe(best);
    expect(winner?.stored).toBe(true);
  }
  await adapter.close();
});
