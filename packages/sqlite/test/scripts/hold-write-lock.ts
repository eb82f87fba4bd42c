// Holds SQLite's write lock on a file from another process until told to let go (a line on stdin) or until it is killed.
import { createInterface } from "node:readline";
import Database from "better-sqlite3";

const { filename } = JSON.parse(process.argv[2] ?? "{}") as { filename: string };
const database = new Database(filename);
database.exec("BEGIN IMMEDIATE");
process.stdout.write(`${JSON.stringify({ type: "locked" })}\n`);
for await (const _ of createInterface({ input: process.stdin })) break;
database.exec("COMMIT");
database.close();
process.stdout.write(`${JSON.stringify({ type: "released" })}\n`);
