/** Exit codes of the `chronicle` command. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * A failure the command reports in one line, without a stack trace: what went
 * wrong and what to do about it. `usage` errors exit with 2, others with 1.
 */
export class CliError extends Error {
  override readonly name = "CliError";
  readonly exitCode: number;

  constructor(message: string, options: { usage?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.usage ? EXIT.usage : EXIT.failure;
  }
}
