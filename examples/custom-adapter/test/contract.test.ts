import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeEventStorageAdapter } from "@chronicle/testing/vitest";
import { JsonLinesEventStorageAdapter } from "../src/index.js";

// Every test gets its own file, so tests are isolated and may run in any order.
const directory = mkdtempSync(join(tmpdir(), "chronicle-json-lines-"));

describeEventStorageAdapter({
  name: "json-lines",
  create: async (context) => new JsonLinesEventStorageAdapter({ filename: join(directory, `${context.testId}.jsonl`) }),
  // Another instance over the same file, as a second part of the application would open.
  reopen: async (_adapter, context) => new JsonLinesEventStorageAdapter({ filename: join(directory, `${context.testId}.jsonl`) }),
  cleanup: async () => rmSync(directory, { recursive: true, force: true }),
});
