import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { createPool, dropSchemas, POSTGRES_URL, readRaw, uniqueSchema } from "./postgres-test-support.js";

const pool = createPool(2);
const schema = uniqueSchema("crash");

afterAll(async () => {
  await dropSchemas(pool, [schema]);
  await pool.end();
});

/**
 * A process appending in a loop is killed with SIGKILL. Every publish it saw
 * resolve is readable afterwards, positions are contiguous, and a transaction cut
 * off mid-batch left nothing partial: each batch is stored whole or not at all.
 */
it("survives SIGKILL of a process that is appending", { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@chronicle/source", "test/fixtures/append-until-killed.ts"], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: { ...process.env, CHRONICLE_CRASH_SCHEMA: schema, CHRONICLE_POSTGRES_URL: POSTGRES_URL },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let errors = "";
  child.stderr.on("data", (chunk) => {
    errors += String(chunk);
  });
  const resolved: { batch: string; ids: string[] }[] = [];
  let buffered = "";
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      buffered += String(chunk);
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) resolved.push(JSON.parse(line));
      // Killed at an arbitrary moment, with publishes in flight.
      if (resolved.length >= 150) resolve();
    });
    child.on("exit", () => reject(new Error(`the appending process exited on its own: ${errors}`)));
  });
  child.kill("SIGKILL");
  expect(await exited).toBe("SIGKILL");
  // The server rolls back what the dead connection left open once it notices; wait for that.
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const { rows } = await pool.query("SELECT count(*)::integer AS count FROM pg_stat_activity WHERE query LIKE $1 AND state <> 'idle'", [
      `%${schema}%append_events%`,
    ]);
    if (rows[0].count === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  const stored = await readRaw(pool, schema);
  const storedIds = new Set(stored.map((event) => event.id));
  for (const publish of resolved) for (const id of publish.ids) expect(storedIds.has(id), `event ${id} of a resolved publish`).toBe(true);

  const byStream = new Map<string, number[]>();
  for (const event of stored) byStream.set(event.stream, [...(byStream.get(event.stream) ?? []), event.position]);
  for (const positions of byStream.values()) {
    expect(positions.sort((left, right) => left - right)).toEqual(positions.map((_, index) => index));
  }

  const batches = new Map<string, { size: number; count: number }>();
  for (const event of stored) {
    const { batch, size } = event.metadata as { batch: string; size: number };
    const entry = batches.get(batch) ?? { size, count: 0 };
    entry.count += 1;
    batches.set(batch, entry);
  }
  for (const [batch, { size, count }] of batches) expect(count, `events of batch ${batch}`).toBe(size);
  expect(batches.size).toBeGreaterThanOrEqual(resolved.length);
});
