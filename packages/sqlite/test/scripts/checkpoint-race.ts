// Moves one checkpoint forward by compare-and-set from its own process, printing the positions it won.
import { SqliteEventStorageAdapter } from "../../src/index.js";

interface Options {
  filename: string;
  attempts: number;
}

const options = JSON.parse(process.argv[2] ?? "{}") as Options;
const adapter = new SqliteEventStorageAdapter({ filename: options.filename });
const key = { subscription: "race", share: 0 };
const won: string[] = [];
const seen: string[] = [];
for (let attempt = 0; attempt < options.attempts; attempt += 1) {
  const stored = (await adapter.subscriptions.readCheckpoint(key))?.position;
  seen.push((stored ?? 0n).toString());
  const position = (stored ?? 0n) + 1n;
  if (await adapter.subscriptions.writeCheckpoint({ ...key, position, expected: stored })) won.push(position.toString());
}
await adapter.close();
process.stdout.write(`${JSON.stringify({ type: "done", won, seen })}\n`);
