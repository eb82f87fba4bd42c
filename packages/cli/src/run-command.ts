import { CliError, EXIT } from "./cli-error.js";
import { describeFailure, type OpenedStore, openStore } from "./open-store.js";
import { parseStoreUrl } from "./store-url.js";

/** What a command body receives besides its own options. */
export interface CommandContext {
  /** Aborted by Ctrl-C (SIGINT) or SIGTERM: long work stops after the step in flight. */
  readonly signal: AbortSignal;
  /** Standard output, where results go. */
  readonly out: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Sets `process.exitCode` from an outcome and reports a failure in one line on standard error. */
export function reportFailure(error: unknown, display?: string): void {
  const failure = error instanceof CliError ? error : describeFailure(error, display);
  process.stderr.write(`chronicle: ${failure.message}\n`);
  process.exitCode = failure.exitCode;
}

/** Runs a command body with Ctrl-C wired to an AbortSignal: the first press stops cleanly, a second exits at once. */
export async function runCommand(body: (context: CommandContext) => Promise<void>): Promise<void> {
  const controller = new AbortController();
  const interrupt = () => {
    if (controller.signal.aborted) process.exit(EXIT.failure);
    process.stderr.write("\nchronicle: stopping after the step in flight (press Ctrl-C again to stop at once)\n");
    controller.abort(new CliError("interrupted"));
  };
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", interrupt);
  try {
    await body({ signal: controller.signal, out: process.stdout });
    if (controller.signal.aborted && process.exitCode === undefined) process.exitCode = EXIT.failure;
  } catch (error) {
    reportFailure(error);
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
}

/** Opens the store a URL names, runs `body` with it, and closes it whatever happens. */
export async function withStore<T>(
  url: string | undefined,
  option: string,
  options: { mustExist?: boolean },
  body: (opened: OpenedStore) => Promise<T>,
): Promise<T> {
  const location = parseStoreUrl(url, option);
  const opened = await openStore(location, options);
  try {
    return await body(opened);
  } catch (error) {
    throw describeFailure(error, opened.display);
  } finally {
    await opened.store.close().catch(() => {});
  }
}
