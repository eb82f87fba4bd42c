import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type EventStore, logIdentifier, type StoredEvent } from "@chronicle/core";
import { Redis } from "ioredis";
import pg from "pg";
import { expect } from "vitest";

export const POSTGRES_URL = process.env.CHRONICLE_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const REDIS_URL = process.env.CHRONICLE_REDIS_URL ?? "redis://127.0.0.1:6379";

const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url));
const hidePackages = fileURLToPath(new URL("./hide-packages.mjs", import.meta.url));
// Resolved here, so the child finds tsx whatever its working directory.
const tsx = import.meta.resolve("tsx");

/** A unique name for this run, so schemas and key prefixes never meet an earlier run's. */
export const RUN = `cli_${process.pid}_${Date.now().toString(36)}`;

/** Starts the real `chronicle` command (from its TypeScript source) in a child process. */
export function startCli(args: readonly string[], options: { env?: Record<string, string>; hide?: string[] } = {}): ChildProcess {
  const nodeArgs = ["--conditions=@chronicle/source", "--import", tsx];
  if (options.hide !== undefined) nodeArgs.push("--import", hidePackages);
  return spawn(process.execPath, [...nodeArgs, bin, ...args], {
    env: {
      ...process.env,
      CHRONICLE_URL: "",
      ...options.env,
      ...(options.hide === undefined ? {} : { CHRONICLE_HIDE_PACKAGES: options.hide.join(",") }),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** What a finished run of the command printed, and its exit code. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Waits for a started command to finish. */
export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs the command to the end. */
export function runCli(args: readonly string[], options?: { env?: Record<string, string>; hide?: string[] }): Promise<CliResult> {
  return finished(startCli(args, options));
}

/** Runs the command and expects it to succeed. */
export async function runCliOk(args: readonly string[]): Promise<CliResult> {
  const result = await runCli(args);
  expect(result.code, `chronicle ${args.join(" ")} failed:\n${result.stderr}`).toBe(0);
  return result;
}

/** A temporary folder, removed by `removeTemporaryFolders`. */
const folders: string[] = [];
export function temporaryFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), "chronicle-cli-"));
  folders.push(folder);
  return folder;
}
export function removeTemporaryFolders(): void {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
}

/** Every event of a store's log, in order. */
export async function readLog(store: EventStore): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const event of store.adapter.scan(logIdentifier(), { pageSize: 2000 })) events.push(event);
  return events;
}

/** An event without its sequence number, which belongs to the store that numbered it. */
export function portable(event: StoredEvent): Omit<StoredEvent, "sequenceNumber"> {
  const { sequenceNumber: _, ...rest } = event;
  return rest;
}

/** Expects two logs to hold the same events in the same order, every field but the sequence number equal. */
export function expectSameEvents(actual: readonly StoredEvent[], expected: readonly StoredEvent[]): void {
  expect(actual.length).toBe(expected.length);
  for (let index = 0; index < expected.length; index += 1) {
    const left = actual[index] as StoredEvent;
    const right = expected[index] as StoredEvent;
    if (left.id !== right.id || JSON.stringify(portable(left)) !== JSON.stringify(portable(right))) {
      expect(portable(left), `event ${index}`).toEqual(portable(right));
    }
  }
}

/** Drops what the tests created: their temporary folders, PostgreSQL schemas and Redis keys. */
export async function removeTestStores(schemas: readonly string[], prefixes: readonly string[]): Promise<void> {
  removeTemporaryFolders();
  const pool = new pg.Pool({ connectionString: POSTGRES_URL });
  for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
  const redis = new Redis(REDIS_URL);
  for (const prefix of prefixes) {
    // The adapters' keys start with the prefix as a hash tag, `{prefix}…`.
    const escaped = prefix.replace(/[*?[\]\\]/g, "\\$&");
    const keys = [...(await redis.keys(`{${escaped}}*`)), ...(await redis.keys(`${escaped}*`))];
    for (let start = 0; start < keys.length; start += 1_000) await redis.del(...keys.slice(start, start + 1_000));
  }
  redis.disconnect();
}
