/**
 * The subscriber the `crash` tests run in a child process, so they can kill it
 * with `SIGKILL`. It reads its instructions from `CHRONICLE_SUBSCRIBER` (JSON),
 * opens the test's storage through the adapter author's module, and appends the
 * sequence number of every event its handler finishes to a file.
 */
import { appendFileSync } from "node:fs";
import { type EventStorageAdapter, EventStore } from "@chronicle/core";

/** What the parent tells the child. */
export interface SubscriberInstructions {
  readonly module: string;
  readonly context: { testId: string; serialisationGuarantee: string };
  readonly name: string;
  readonly checkpointEvery: number;
  readonly transactional: boolean;
  readonly progressFile: string;
  readonly handlerDelayMs: number;
  readonly exitWhenCaughtUp: boolean;
}

interface AdapterModule {
  default: (context: SubscriberInstructions["context"]) => Promise<EventStorageAdapter>;
  recordEffect?: (transaction: unknown, key: string) => Promise<void>;
}

const instructions = JSON.parse(process.env.CHRONICLE_SUBSCRIBER ?? "null") as SubscriberInstructions | null;
if (instructions === null) throw new Error("CHRONICLE_SUBSCRIBER is not set");
const adapterModule = (await import(instructions.module)) as AdapterModule;
const adapter = await adapterModule.default(instructions.context);
const store = new EventStore(adapter);
const { recordEffect } = adapterModule;
if (instructions.transactional && recordEffect === undefined) throw new Error(`${instructions.module} exports no recordEffect`);
const subscription = store.subscribe({
  name: instructions.name,
  source: store.log(),
  checkpointEvery: instructions.checkpointEvery,
  transactional: instructions.transactional,
  pollIntervalMs: 50,
  retry: { attempts: 1_000_000, minDelayMs: 10, maxDelayMs: 100 },
  handler: async (event, { transaction }) => {
    if (instructions.transactional) await recordEffect?.(transaction, event.id);
    appendFileSync(instructions.progressFile, `${event.sequenceNumber}\n`);
    await new Promise((resolve) => setTimeout(resolve, instructions.handlerDelayMs));
  },
});
if (instructions.exitWhenCaughtUp) {
  await subscription.caughtUp();
  await subscription.close();
  await store.close();
  process.exit(0);
}
