/**
 * The benchmark harness: every figure is printed as one JSON line, and every
 * Chronicle figure sits beside a baseline measured in the same process run, so
 * the ratio means something on a noisy machine.
 */

/** One measured figure. */
export interface Measurement {
  suite: string;
  scenario: string;
  /** `"chronicle"` or `"baseline"`. */
  subject: "chronicle" | "baseline";
  /** What `rate` counts per second: events, publishes, transactions, … */
  unit: string;
  count: number;
  seconds: number;
  rate: number;
  /** Peak resident set size during the measurement, in MiB. */
  peakRssMiB: number;
  errors: number;
  [extra: string]: unknown;
}

/** Samples the resident set size while a measurement runs. */
function watchRss(): () => number {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  return () => {
    clearInterval(timer);
    return Math.max(peak, process.memoryUsage.rss()) / 2 ** 20;
  };
}

/**
 * Times `work`, which returns how many units it did (and optionally how many
 * errors it saw), and prints the measurement as a JSON line.
 */
export async function measure(
  labels: { suite: string; scenario: string; subject: "chronicle" | "baseline"; unit: string },
  work: () => Promise<number | { count: number; errors?: number; [extra: string]: unknown }>,
): Promise<Measurement> {
  const stopWatching = watchRss();
  const started = process.hrtime.bigint();
  const outcome = await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const peakRssMiB = Math.round(stopWatching() * 10) / 10;
  const { count, errors = 0, ...extra } = typeof outcome === "number" ? { count: outcome } : outcome;
  const measurement: Measurement = {
    ...labels,
    count,
    seconds: Math.round(seconds * 1000) / 1000,
    rate: Math.round(count / seconds),
    peakRssMiB,
    errors,
    ...extra,
  };
  console.log(JSON.stringify(measurement));
  return measurement;
}

/**
 * Prints the ratio of Chronicle's rate to the baseline's as a JSON line, with
 * the target it is held to. `higherIsBetter: false` compares durations instead.
 */
export function compare(chronicle: Measurement, baseline: Measurement, target: { minimumRatio: number; description: string }): void {
  const ratio = Math.round((chronicle.rate / baseline.rate) * 1000) / 1000;
  console.log(
    JSON.stringify({
      suite: chronicle.suite,
      scenario: chronicle.scenario,
      comparison: "chronicle / baseline",
      ratio,
      target: target.description,
      meetsTarget: ratio >= target.minimumRatio,
    }),
  );
}

/** Runs `count` tasks with at most `concurrency` in flight. */
export async function runConcurrently(
  concurrency: number,
  count: number,
  task: (index: number, worker: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (next < count) {
        const index = next;
        next += 1;
        await task(index, worker);
      }
    }),
  );
}

/** A bench suite: a name and a function that prints its measurements. */
export interface BenchSuite {
  name: string;
  run(): Promise<void>;
}

/** What `measure` times: a function returning how many units it did. */
export type Work = Parameters<typeof measure>[1];

/**
 * Measures Chronicle and the baseline in `rounds` alternating rounds, so a load
 * spike on the machine weighs on both, printing every round, then prints and
 * returns each one's totals (all rounds' work over all rounds' time, highest
 * peak RSS).
 */
export async function alternate(
  labels: { suite: string; scenario: string; unit: string },
  rounds: number,
  chronicle: (round: number) => Work,
  baseline: (round: number) => Work,
): Promise<[Measurement, Measurement]> {
  const measured: Record<"chronicle" | "baseline", Measurement[]> = { chronicle: [], baseline: [] };
  const inRound =
    (round: number, work: Work): Work =>
    async () => {
      const outcome = await work();
      return typeof outcome === "number" ? { count: outcome, round } : { ...outcome, round };
    };
  for (let round = 1; round <= rounds; round += 1) {
    measured.chronicle.push(await measure({ ...labels, subject: "chronicle" }, inRound(round, chronicle(round))));
    measured.baseline.push(await measure({ ...labels, subject: "baseline" }, inRound(round, baseline(round))));
  }
  const total = (subject: "chronicle" | "baseline"): Measurement => {
    const all = measured[subject];
    const count = all.reduce((sum, measurement) => sum + measurement.count, 0);
    const seconds = all.reduce((sum, measurement) => sum + measurement.seconds, 0);
    const summary: Measurement = {
      ...labels,
      subject,
      round: "all",
      count,
      seconds: Math.round(seconds * 1000) / 1000,
      rate: Math.round(count / seconds),
      peakRssMiB: Math.max(...all.map((measurement) => measurement.peakRssMiB)),
      errors: all.reduce((sum, measurement) => sum + measurement.errors, 0),
    };
    console.log(JSON.stringify(summary));
    return summary;
  };
  return [total("chronicle"), total("baseline")];
}
