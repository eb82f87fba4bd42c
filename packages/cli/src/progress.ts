import cliProgress from "cli-progress";

/** Reports how far long work has come: a bar on a terminal, a plain line every few seconds otherwise. */
export interface Progress {
  /** `done` out of `total` (`total` may be an estimate, or undefined when unknown). */
  update(done: number, total?: number): void;
  /** Ends the report with a final line. */
  finish(summary: string): void;
}

/** Plain progress lines are at most this often. */
const PLAIN_INTERVAL_MS = 2_000;

/**
 * A progress report on standard error, whose `unit` names what is counted. On a
 * terminal it draws a bar with rate and ETA; elsewhere (CI logs, pipes) it
 * prints a plain line every two seconds; `quiet` prints only the final line.
 */
export function createProgress(action: string, unit: string, options: { quiet?: boolean } = {}): Progress {
  const stream = process.stderr;
  const started = Date.now();
  if (options.quiet) {
    return { update() {}, finish: (summary) => stream.write(`${summary}\n`) };
  }
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${action} {bar} {percentage}% | {value}/{total} ${unit} | {speed} ${unit}/s | ETA {eta_formatted}`,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    let started_ = false;
    return {
      update(done, total) {
        const speed = Math.round(done / Math.max((Date.now() - started) / 1000, 0.001));
        if (!started_) {
          bar.start(total ?? done, done, { speed });
          started_ = true;
        } else {
          if (total !== undefined) bar.setTotal(Math.max(total, done));
          bar.update(done, { speed });
        }
      },
      finish(summary) {
        if (started_) bar.stop();
        stream.write(`${summary}\n`);
      },
    };
  }
  let last = started;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < PLAIN_INTERVAL_MS) return;
      last = now;
      const rate = Math.round(done / Math.max((now - started) / 1000, 0.001));
      const of = total === undefined ? "" : ` of about ${total}`;
      stream.write(`${action}: ${done}${of} ${unit} (${rate} ${unit}/s)\n`);
    },
    finish: (summary) => stream.write(`${summary}\n`),
  };
}

/** `12,345 events in 2.1 s (5,878 events/s)`. */
export function rateSummary(count: number, unit: string, startedAt: number): string {
  const seconds = Math.max((Date.now() - startedAt) / 1000, 0.001);
  return `${count.toLocaleString("en-GB")} ${unit} in ${seconds.toFixed(1)} s (${Math.round(count / seconds).toLocaleString("en-GB")} ${unit}/s)`;
}
