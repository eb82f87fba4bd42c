import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { EventStore } from "@chronicle/core";
import { type CheckResult, checkSoak, type LoggedEvent, type SoakOutcome, toLoggedEvent } from "./soak-checks.js";
import { soakRandom } from "./soak-random.js";
import type { SoakTarget } from "./soak-target.js";
import { errorCode, planWrite, publishPlanned, type WriteOutcome, type WriterRecord } from "./soak-writes.js";

/**
 * `pnpm soak <adapter> [--seconds N] [--seed S]`: 8 writers publish single
 * events, batches and multi-stream writes with conditions to overlapping
 * streams, 2 readers tail the log with `after`, and a fault injector hurts the
 * adapter's connections; then the log is checked. Exits 1 on any violation.
 */
const targets: Record<string, (runId: string) => Promise<SoakTarget>> = {
  "in-memory": async () => (await import("./in-memory-target.js")).inMemoryTarget(),
  sqlite: async (runId) => (await import("./sqlite-target.js")).sqliteTarget(runId),
  postgres: async (runId) => (await import("./postgres-target.js")).postgresTarget(runId),
  redis: async (runId) => (await import("./redis-target.js")).redisTarget(runId),
};

const WRITERS = 8;
const READERS = 2;
/** How long the readers get to catch up once writing has stopped. */
const CATCH_UP_MS = 60_000;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { seconds: { type: "string", default: "60" }, seed: { type: "string" } },
});
const adapterName = positionals[0] ?? "";
const seconds = Number(values.seconds);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const openTarget = targets[adapterName];
if (openTarget === undefined || positionals.length !== 1 || !(seconds > 0) || !Number.isInteger(seed)) {
  console.error(`Usage: pnpm soak <${Object.keys(targets).join("|")}> [--seconds N] [--seed S]`);
  process.exit(2);
}

// A run that hangs is a violation too: the watchdog ends it.
const watchdog = setTimeout(
  () => {
    console.error(`soak ${adapterName}: did not finish within ${seconds} s + 180 s; something hangs`);
    process.exit(1);
  },
  (seconds + 180) * 1000,
);

const runId = `${process.pid}-${Date.now().toString(36)}`;
const random = soakRandom(seed);
const target = await openTarget(runId);
const { store } = target;
console.log(
  `soak ${adapterName}: ${seconds} s, ${WRITERS} writers, ${READERS} tailing readers, seed ${seed}; faults: ${target.faults ?? "none"}`,
);

const started = performance.now();
const deadline = started + seconds * 1000;
const records: WriterRecord[] = Array.from({ length: WRITERS }, () => ({ outcomes: [], retried: new Map() }));
const readerState: ReaderState = { stopAt: undefined, failures: [] };
const readers = Array.from({ length: READERS }, () => tail(store, readerState));
const faults = target.startFaults(soakRandom(seed + 1));
await Promise.all(
  records.map(async (record, writer) => {
    const writerRandom = soakRandom(seed + 2 + writer);
    for (let index = 0; performance.now() < deadline; index += 1) {
      // A pause of 0–4 ms keeps the rate (and the memory the checks need) bounded where the adapter is very fast.
      await new Promise((resolve) => setTimeout(resolve, writerRandom.below(5)));
      await publishPlanned(
        store,
        planWrite(`writer-${writer}`, index, writerRandom, store.adapter.capabilities.multiStreamWrites),
        writerRandom,
        record,
      );
    }
  }),
);
const faultReport = await faults.stop();
const writingSeconds = (performance.now() - started) / 1000;

// The store must still accept writes once the faults stop; this write is also the last event the readers wait for.
const finalRecord: WriterRecord = { outcomes: [], retried: new Map() };
const final = await publishPlanned(store, planWrite("final", 0, random, false), random, finalRecord);
const incidents = [...faultReport.incidents];
const verifier = await target.openVerifier();
const log: LoggedEvent[] = [];
try {
  for await (const event of verifier.store.log().iterate()) log.push(toLoggedEvent(event));
} catch (error) {
  incidents.push(`the final read of the log failed: ${errorCode(error)}`);
}
readerState.stopAt = log.at(-1)?.sequenceNumber ?? 0n;
const caughtUp = await Promise.race([
  Promise.all(readers),
  new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), CATCH_UP_MS).unref()),
]);
if (caughtUp === undefined) incidents.push(`the tailing readers did not catch up within ${CATCH_UP_MS / 1000} s of the last write`);
readerState.stopAt = -1n;

// Concatenated rather than pushed with spread arguments: a long run has more outcomes than a call takes arguments.
const outcomes: SoakOutcome[] = [...records, finalRecord]
  .flatMap((record) => record.outcomes)
  .map(toSoakOutcome)
  .concat(faultReport.outcomes);
const results = checkSoak({
  log,
  outcomes,
  readers: caughtUp ?? [],
  readFailures: readerState.failures,
  acceptsWrites: "acknowledged" in final,
  incidents,
});
report(results);
await verifier.close();
await target.close();
clearTimeout(watchdog);
process.exit(results.every((result) => result.passed) ? 0 : 1);

interface ReaderState {
  /** Once set, a reader stops when it has seen this sequence number (or when it is -1n: at once). */
  stopAt: bigint | undefined;
  /** Codes of failed reads, retried. */
  failures: string[];
}

/** Follows the log with `after` the last sequence number seen, retrying failed reads, until told where to stop. */
async function tail(source: EventStore, state: ReaderState): Promise<number[]> {
  // Sequence numbers rather than ids: 8 bytes an event, for runs of millions (they stay far below 2^53).
  const seen: number[] = [];
  let after: bigint | undefined;
  for (;;) {
    let fetched = 0;
    try {
      for await (const event of source.log().iterate(after === undefined ? {} : { after })) {
        seen.push(Number(event.sequenceNumber));
        after = event.sequenceNumber;
        fetched += 1;
      }
    } catch (error) {
      state.failures.push(errorCode(error));
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    const stopAt = state.stopAt;
    if (stopAt === -1n || (stopAt !== undefined && (after ?? 0n) >= stopAt)) return seen;
    if (fetched === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function toSoakOutcome(outcome: WriteOutcome): SoakOutcome {
  return "acknowledged" in outcome
    ? { writeId: outcome.write.id, acknowledged: outcome.acknowledged }
    : { writeId: outcome.write.id, failed: outcome.failed, message: outcome.message };
}

function report(results: readonly CheckResult[]): void {
  const acknowledged = outcomes.filter((outcome) => "acknowledged" in outcome);
  const events = acknowledged.reduce((total, outcome) => total + ("acknowledged" in outcome ? outcome.acknowledged.length : 0), 0);
  const failures = count(outcomes.flatMap((outcome) => ("failed" in outcome ? [outcome.failed] : [])));
  const retried = new Map<string, number>();
  for (const record of [...records, finalRecord])
    for (const [code, times] of record.retried) retried.set(code, (retried.get(code) ?? 0) + times);
  const lines = [
    `writing: ${writingSeconds.toFixed(1)} s; publishes acknowledged: ${acknowledged.length} (${events} events, ${Math.round(events / writingSeconds)} events/s)`,
    `failed publishes by code: ${describeCounts(failures)}`,
    `attempts retried after a retryable failure: ${describeCounts(retried)}; tailing reads retried: ${describeCounts(count(readerState.failures))}`,
    `faults injected: ${faultReport.injected}${Object.entries(faultReport.counts)
      .map(([label, value]) => `; ${label}: ${value}`)
      .join("")}`,
    `log: ${log.length} events; resident memory at the end: ${Math.round(process.memoryUsage.rss() / 2 ** 20)} MiB`,
    ...results.map((result) => `${result.passed ? "PASS" : "FAIL"} ${result.name}: ${result.detail}`),
    `soak ${adapterName}: ${results.every((result) => result.passed) ? "passed" : "FAILED"}`,
  ];
  console.log(lines.join("\n"));
  console.log(
    JSON.stringify({
      soak: adapterName,
      seconds: Math.round(writingSeconds * 10) / 10,
      seed,
      publishesAcknowledged: acknowledged.length,
      eventsAcknowledged: events,
      failures: Object.fromEntries(failures),
      retried: Object.fromEntries(retried),
      faultsInjected: faultReport.injected,
      passed: results.every((result) => result.passed),
    }),
  );
}

function count(codes: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1);
  return counts;
}

function describeCounts(counts: ReadonlyMap<string, number>): string {
  return counts.size === 0 ? "none" : [...counts].map(([code, times]) => `${code} ${times}`).join(", ");
}
