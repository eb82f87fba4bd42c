/**
 * A consumer group member the `group-members` tests run in a child process, so
 * they can kill it with `SIGKILL`, pause it with `SIGSTOP` or close it with
 * `SIGTERM`. It reads its instructions from `CHRONICLE_GROUP_MEMBER` (JSON),
 * opens the test's storage through the adapter author's module (as the
 * `crash` tests' subscriber does) and appends one JSON line per fact to its
 * own log file: each event its handler finished, the shares it holds whenever
 * they change, and when `close()` resolved after `SIGTERM`.
 */
import { appendFileSync } from "node:fs";
import { type EventStorageAdapter, EventStore } from "@chronicle/core";
import { type GroupMemberLine, recordingHandler, timestamp } from "./group-member-log.js";

/** What the parent tells the child. */
export interface GroupMemberInstructions {
  readonly module: string;
  readonly context: { testId: string; serialisationGuarantee: string };
  /** The subscription's (the group's) name. */
  readonly name: string;
  readonly category: string;
  readonly member: string;
  readonly shares: number;
  readonly leaseMs: number;
  readonly handlerDelayMs: number;
  readonly logFile: string;
}

interface AdapterModule {
  default: (context: GroupMemberInstructions["context"]) => Promise<EventStorageAdapter>;
}

const instructions = JSON.parse(process.env.CHRONICLE_GROUP_MEMBER ?? "null") as GroupMemberInstructions | null;
if (instructions === null) throw new Error("CHRONICLE_GROUP_MEMBER is not set");
const { member, logFile } = instructions;

// Synchronous appends: a line is in the file before the next event starts, and nothing is lost to an exit or a kill.
const write = (line: GroupMemberLine) => appendFileSync(logFile, `${JSON.stringify(line)}\n`);

const adapterModule = (await import(instructions.module)) as AdapterModule;
const store = new EventStore(await adapterModule.default(instructions.context));
const subscription = store.subscribe({
  name: instructions.name,
  source: store.category(instructions.category),
  group: { member, shares: instructions.shares, leaseMs: instructions.leaseMs },
  pollIntervalMs: 50,
  retry: { attempts: 1_000_000, minDelayMs: 10, maxDelayMs: 100 },
  handler: recordingHandler(member, instructions.handlerDelayMs, write),
});

// The shares held, as the subscription reports them, written whenever they change.
let reported = "";
const watch = setInterval(() => {
  const status = subscription.status();
  // Nothing closes it but SIGTERM, which stops this watch first.
  if (status.state === "failed" || status.state === "closed") {
    console.error(`group member ${member} ${status.state}:`, status.error);
    process.exit(1);
  }
  const shares = status.group?.shares ?? [];
  if (JSON.stringify(shares) === reported) return;
  reported = JSON.stringify(shares);
  write({ kind: "shares", member, shares, at: timestamp() });
}, 20);

process.once("SIGTERM", () => {
  void (async () => {
    clearInterval(watch);
    const shares = subscription.status().group?.shares ?? [];
    await subscription.close();
    write({ kind: "closed", member, shares, at: timestamp() });
    await store.close();
    process.exit(0);
  })();
});
