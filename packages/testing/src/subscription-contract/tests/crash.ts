import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, extname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { EventStore } from "@chronicle/core";
import { expect } from "vitest";
import { events, waitUntil } from "../helpers.js";
import type { SubscriberInstructions } from "../subscriber-process.js";
import { defineSubscriptionTests, type SubscriptionContractTestContext } from "../subscription-contract-test.js";

const SUBSCRIBER = fileURLToPath(new URL(`../subscriber-process${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

async function progressOf(file: string): Promise<bigint[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => BigInt(line));
}

function startSubscriber(context: SubscriptionContractTestContext, instructions: Omit<SubscriberInstructions, "module">) {
  const options = context.process;
  if (options === undefined) throw new Error("the crash tests need the suite's process option");
  const module = options.module instanceof URL ? options.module.href : pathToFileURL(options.module).href;
  const child = spawn(process.execPath, [...(options.execArgv ?? ["--conditions=@chronicle/source", "--import", "tsx"]), SUBSCRIBER], {
    // From the module's folder, so `--import tsx` finds the adapter package's own tsx.
    cwd: dirname(fileURLToPath(module)),
    env: { ...process.env, CHRONICLE_SUBSCRIBER: JSON.stringify({ ...instructions, module }) },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => resolve(code));
  });
  return { child, exited };
}

/** Publishes, runs a subscriber, kills it mid-stream, runs it again to the end; returns the progress lines and the log. */
async function killAndRestart(context: SubscriptionContractTestContext, options: { transactional: boolean; checkpointEvery: number }) {
  const adapter = await context.createAdapter();
  const store = new EventStore(adapter);
  for (let batch = 0; batch < 8; batch++) await store.stream("work", `s${batch % 3}`).publish({ events: events(15, "job", batch * 15) });
  const all = await store.log().read();
  const directory = await mkdtemp(join(tmpdir(), "chronicle-subscriber-"));
  try {
    const progressFile = join(directory, "progress.txt");
    const base = {
      context: { testId: context.testId, serialisationGuarantee: adapter.capabilities.serialisationGuarantee },
      name: "crash",
      progressFile,
      handlerDelayMs: 5,
      ...options,
    };
    const first = startSubscriber(context, { ...base, exitWhenCaughtUp: false });
    await waitUntil(async () => (await progressOf(progressFile)).length >= 40, "the first subscriber has handled 40 events", 60_000);
    first.child.kill("SIGKILL");
    await first.exited;
    const killedAfter = (await progressOf(progressFile)).length;
    const second = startSubscriber(context, { ...base, handlerDelayMs: 0, exitWhenCaughtUp: true });
    expect(await second.exited, "the restarted subscriber catches up and exits cleanly").toBe(0);
    const progress = await progressOf(progressFile);
    return { adapter, all, progress, killedAfter };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** Crashes: a subscriber killed with SIGKILL and started again skips nothing and repeats at most the documented bound. */
export const crashTests = defineSubscriptionTests("crash", {
  "crash.sigkill-skips-nothing-and-repeats-at-most-the-event-in-flight": {
    requires: ["durable-process"],
    timeout: 120_000,
    run: async (context) => {
      const { all, progress, killedAfter } = await killAndRestart(context, { transactional: false, checkpointEvery: 1 });
      const firstRun = progress.slice(0, killedAfter);
      const secondRun = progress.slice(killedAfter);
      const expected = all.map((event) => event.sequenceNumber);
      expect(
        [...new Set(progress)].sort((a, b) => (a < b ? -1 : 1)),
        "every event was handled",
      ).toEqual(expected);
      expect(firstRun, "in order before the crash").toEqual(expected.slice(0, firstRun.length));
      const repeated = secondRun.filter((sequenceNumber) => firstRun.includes(sequenceNumber));
      expect(repeated.length, "at most the event in flight is handled again").toBeLessThanOrEqual(1);
      expect(secondRun, "in order after the restart").toEqual(expected.slice(expected.length - secondRun.length));
    },
  },
  "crash.sigkill-batched-checkpoints-repeat-at-most-the-batch": {
    requires: ["durable-process"],
    timeout: 120_000,
    run: async (context) => {
      const { all, progress, killedAfter } = await killAndRestart(context, { transactional: false, checkpointEvery: 10 });
      const firstRun = progress.slice(0, killedAfter);
      const secondRun = progress.slice(killedAfter);
      expect(new Set(progress).size, "every event was handled").toBe(all.length);
      const repeated = secondRun.filter((sequenceNumber) => firstRun.includes(sequenceNumber));
      expect(repeated.length, "at most checkpointEvery events are handled again").toBeLessThanOrEqual(10);
    },
  },
  "crash.sigkill-transactional-effects-exactly-once": {
    requires: ["transactional-process"],
    timeout: 120_000,
    run: async (context) => {
      const { adapter, all } = await killAndRestart(context, { transactional: true, checkpointEvery: 1 });
      const readEffects = context.process?.readEffects;
      if (readEffects === undefined) throw new Error("the transactional crash test needs process.readEffects");
      const effects = await readEffects(adapter, {
        testId: context.testId,
        serialisationGuarantee: adapter.capabilities.serialisationGuarantee,
      });
      expect([...effects].sort(), "each event's effect committed exactly once").toEqual(all.map((event) => event.id).sort());
    },
  },
});
