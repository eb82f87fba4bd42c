import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { EventStore } from "@chronicle/core";
import { SqliteEventStorageAdapter } from "@chronicle/sqlite";
import type { SoakOutcome } from "./soak-checks.js";
import type { SoakRandom } from "./soak-random.js";
import type { SoakTarget } from "./soak-target.js";
import type { SecondWriterOptions } from "./sqlite-second-writer.js";

const benchDirectory = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A line the second writer prints as one of its writes ends. */
type SecondWriterLine =
  | { ready: true }
  | { write: string; retried: Record<string, number>; stored: [string, string, string, number, string][] }
  | { write: string; retried: Record<string, number>; failed: string; message: string };

/**
 * The SQLite adapter on a file of its own (WAL mode, `synchronous: "full"`),
 * shared with a second writer process that the fault injector kills with
 * SIGKILL after 1–3 s of writing, often inside a transaction, and starts again.
 */
export async function sqliteTarget(runId: string): Promise<SoakTarget> {
  const directory = mkdtempSync(join(tmpdir(), `chronicle-soak-${runId}-`));
  const filename = join(directory, "events.db");
  const store = new EventStore(new SqliteEventStorageAdapter({ filename }));
  // The file exists, migrated, before the second writer opens it.
  await (store.adapter as SqliteEventStorageAdapter).migrate();
  return {
    store,
    faults: "SIGKILL of a second writer process on the same file after 1–3 s of writing, started again at once",
    startFaults(random: SoakRandom) {
      const outcomes: SoakOutcome[] = [];
      const incidents: string[] = [];
      const retried = new Map<string, number>();
      let kills = 0;
      let starts = 0;
      let unreadable = 0;
      let stopped = false;
      let current: { child: ChildProcess; ready: Promise<void>; exited: Promise<void> } | undefined;
      let wake: (() => void) | undefined;

      const start = () => {
        starts += 1;
        const options: SecondWriterOptions = { filename, writer: `second-writer-${starts}`, seed: Math.floor(random.next() * 2 ** 31) };
        const child = spawn(
          process.execPath,
          ["--import", "tsx", "--conditions=@chronicle/source", join("src", "soak", "sqlite-second-writer.ts"), JSON.stringify(options)],
          { cwd: benchDirectory, stdio: ["ignore", "pipe", "pipe"] },
        );
        let stderr = "";
        child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
          stderr += chunk;
        });
        let markReady: () => void = () => {};
        const ready = new Promise<void>((resolve) => {
          markReady = resolve;
        });
        createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (text) => {
          let line: SecondWriterLine;
          try {
            line = JSON.parse(text) as SecondWriterLine;
          } catch {
            // The last line of a killed process may be cut short.
            unreadable += 1;
            return;
          }
          if ("ready" in line) {
            markReady();
            return;
          }
          for (const [code, count] of Object.entries(line.retried)) retried.set(code, (retried.get(code) ?? 0) + count);
          if ("stored" in line) {
            outcomes.push({
              writeId: line.write,
              acknowledged: line.stored.map(([id, category, stream, position, sequenceNumber]) => ({
                id,
                category,
                stream,
                position,
                sequenceNumber: BigInt(sequenceNumber),
              })),
            });
          } else outcomes.push({ writeId: line.write, failed: line.failed, message: line.message });
        });
        const exited = new Promise<void>((resolve) => {
          child.on("close", (code, signal) => {
            if (signal !== "SIGKILL")
              incidents.push(`the second writer exited on its own (${code ?? signal}): ${stderr.trim().slice(-500)}`);
            resolve();
          });
        });
        current = { child, ready: Promise.race([ready, exited]), exited };
      };

      const loop = (async () => {
        while (!stopped) {
          start();
          // The clock starts once the process is writing: on a busy machine starting it can take longer than its life.
          await current?.ready;
          if (!stopped) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, random.between(1_000, 3_000));
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
          }
          if (!stopped) kills += 1;
          current?.child.kill("SIGKILL");
          await current?.exited;
        }
      })();

      return {
        async stop() {
          stopped = true;
          wake?.();
          await loop;
          const retriedCounts = Object.fromEntries([...retried].map(([code, count]) => [`second writer retries after ${code}`, count]));
          return {
            injected: kills,
            counts: {
              "second writer starts": starts,
              "second writer kills (SIGKILL)": kills,
              "second writer publishes acknowledged": outcomes.filter((outcome) => "acknowledged" in outcome).length,
              ...retriedCounts,
              "cut-short lines": unreadable,
            },
            outcomes,
            incidents,
          };
        },
      };
    },
    async openVerifier() {
      const verifier = new EventStore(new SqliteEventStorageAdapter({ filename }));
      return { store: verifier, close: () => verifier.close() };
    },
    async close() {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
