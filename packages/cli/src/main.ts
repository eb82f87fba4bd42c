import { Command, CommanderError, Option } from "commander";
import { EXIT } from "./cli-error.js";
import { copy } from "./commands/copy.js";
import { exportLog } from "./commands/export.js";
import { importFiles } from "./commands/import.js";
import { migrate } from "./commands/migrate.js";
import { parked } from "./commands/parked.js";
import { read } from "./commands/read.js";
import { reset } from "./commands/reset.js";
import { retryParked } from "./commands/retry-parked.js";
import { stats } from "./commands/stats.js";
import { streams } from "./commands/streams.js";
import { subscriptions } from "./commands/subscriptions.js";
import { tail } from "./commands/tail.js";
import { runCommand } from "./run-command.js";

const URL_HELP = "the store: postgres://…[?schema=], sqlite:<path> (or file:<path>), redis://…[?prefix=]; defaults to CHRONICLE_URL";

/** The `chronicle` program, with every command; `run` parses arguments and sets the exit code. */
export function createProgram(): Command {
  const program = new Command("chronicle")
    .description("Migrate, inspect, follow, export, import and copy Chronicle event stores, and administer subscriptions.")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .addHelpText(
      "after",
      `
Exit codes: 0 success, 1 failure (including an interrupted copy or import), 2 bad usage.

Examples:
  chronicle migrate --url postgres://app@db/app?schema=events
  chronicle stats --url sqlite:./events.db
  chronicle read --url sqlite:./events.db profiles/joe
  chronicle export --url redis://127.0.0.1:6379 --out backup.ndjson.gz
  chronicle copy --from sqlite:./events.db --to postgres://app@db/app
  chronicle subscriptions --url sqlite:./events.db`,
    );
  const url = () => new Option("--url <url>", URL_HELP).env("CHRONICLE_URL");

  program
    .command("migrate")
    .description("create or upgrade the store's schema (idempotent)")
    .addOption(url())
    .addHelpText("after", "\nExample:\n  chronicle migrate --url postgres://app@db/app?schema=chronicle")
    .action((options) => runCommand((context) => migrate(options, context)));

  program
    .command("stats")
    .description("count events, streams and categories; first and last sequence numbers and dates")
    .addOption(url())
    .option("--json", "print one JSON object")
    .addHelpText("after", "\nExample:\n  chronicle stats --url sqlite:./events.db --json")
    .action((options) => runCommand((context) => stats(options, context)));

  program
    .command("streams")
    .description("list streams with their event counts and latest events")
    .addOption(url())
    .option("--category <category>", "only the streams of this category")
    .option("--json", "print NDJSON (the default when standard output is not a terminal)")
    .addHelpText("after", "\nExample:\n  chronicle streams --url sqlite:./events.db --category profiles")
    .action((options) => runCommand((context) => streams(options, context)));

  program
    .command("read")
    .description("print the events of a category or a stream")
    .argument("<source>", "<category> or <category>/<stream>")
    .addOption(url())
    .option("--after <sequence>", "only events after this sequence number")
    .option("--limit <count>", "at most this many events")
    .option("--names <names>", "only events with these names, comma-separated")
    .option("--backwards", "newest first")
    .option("--json", "print NDJSON (the default when standard output is not a terminal)")
    .addHelpText(
      "after",
      "\nExamples:\n  chronicle read --url sqlite:./events.db profiles --names profile-created --limit 10\n  chronicle read --url sqlite:./events.db profiles/joe --backwards",
    )
    .action((source, options) => runCommand((context) => read(source, options, context)));

  program
    .command("tail")
    .description("print new events as they are committed, until interrupted")
    .argument("[source]", "<category> or <category>/<stream>; the whole log when omitted")
    .addOption(url())
    .option("--after <sequence>", "start after this sequence number instead of at the end")
    .option("--interval-ms <ms>", "how long to wait between reads when idle", "250")
    .option("--json", "print NDJSON (the default when standard output is not a terminal)")
    .addHelpText("after", "\nExample:\n  chronicle tail --url postgres://app@db/app profiles")
    .action((source, options) => runCommand((context) => tail(source, options, context)));

  program
    .command("export")
    .description("write the whole log as NDJSON, every field exactly (gzip when the file ends in .gz)")
    .addOption(url())
    .option("--out <file>", "the file to write; standard output when omitted")
    .addHelpText("after", "\nExample:\n  chronicle export --url sqlite:./events.db --out backup.ndjson.gz")
    .action((options) => runCommand((context) => exportLog(options, context)));

  program
    .command("import")
    .description("append the events of NDJSON exports, keeping ids, dates, positions and order (idempotent)")
    .argument("<files...>", "files written by chronicle export (.ndjson or .ndjson.gz)")
    .addOption(url())
    .option("--batch-size <count>", "events per save", "500")
    .addHelpText("after", "\nExample:\n  chronicle import --url postgres://app@db/app backup.ndjson.gz")
    .action((files, options) => runCommand((context) => importFiles(files, options, context)));

  program
    .command("copy")
    .description("copy every event from one store to another, resumably, and verify the counts")
    .requiredOption("--from <url>", "the source store URL")
    .requiredOption("--to <url>", "the target store URL")
    .option("--batch-size <count>", "events per page and per save", "1000")
    .addHelpText("after", "\nExample:\n  chronicle copy --from sqlite:./events.db --to postgres://app@db/app?schema=chronicle")
    .action((options) => runCommand((context) => copy(options, context)));

  program
    .command("subscriptions")
    .description("list subscriptions with their position, lag, parked events and last checkpoint")
    .addOption(url())
    .option("--json", "print NDJSON (the default when standard output is not a terminal)")
    .addHelpText(
      "after",
      `
One row per subscription name that has a checkpoint. For a consumer group,
"position" is the lowest of its shares' checkpoints and "shares" counts them.
"lag" is the log's latest sequence number minus the position: an upper bound,
since sequence numbers may have gaps and a subscription may follow only one
category or stream.

Example:
  chronicle subscriptions --url postgres://app@db/app`,
    )
    .action((options) => runCommand((context) => subscriptions(options, context)));

  program
    .command("parked")
    .description("list a subscription's parked events: the events its handler kept failing on")
    .argument("<name>", "the subscription's name")
    .addOption(url())
    .option("--limit <count>", "at most this many, oldest sequence number first")
    .option("--json", "print NDJSON with every field (the default when standard output is not a terminal)")
    .addHelpText(
      "after",
      `
Each NDJSON line holds the event exactly as chronicle export writes it, the
last error, the number of attempts and when it was parked.

Examples:
  chronicle parked --url sqlite:./events.db welcome-emails
  chronicle parked --url sqlite:./events.db welcome-emails --json --limit 10`,
    )
    .action((name, options) => runCommand((context) => parked(name, options, context)));

  program
    .command("retry-parked")
    .description("unpark a subscription's parked events, printing them as NDJSON to be handled elsewhere")
    .argument("<name>", "the subscription's name")
    .addOption(url())
    .option("--ids <ids>", "only these event ids, comma-separated; every one must be parked")
    .option("--dry-run", "print the events that would be unparked, and remove nothing")
    .addHelpText(
      "after",
      `
This command runs no handler: it has none. A running subscription retries its
parked events itself, through its handler, with subscription.retryParked().

What it does: prints the chosen parked events to standard output as NDJSON
(the lines of chronicle parked --json), and once every line is written, removes
them from the parked list. No subscription hands them to its handler again
(its checkpoint is already past them), so whoever reads the lines must handle
them. Ids given with --ids that are not parked are an error naming them, and
nothing is removed. An entry a running subscription removed meanwhile is named
on standard error.

Examples:
  chronicle retry-parked --url sqlite:./events.db welcome-emails --dry-run
  chronicle retry-parked --url sqlite:./events.db welcome-emails --ids 0193…,0194… > unparked.ndjson`,
    )
    .action((name, options) => runCommand((context) => retryParked(name, options, context)));

  program
    .command("reset")
    .description("move a subscription's checkpoint (every share of a group): to the beginning, the end, or a sequence number")
    .argument("<name>", "the subscription's name")
    .addOption(url())
    .option("--to <where>", "beginning (before the first event), end (the log's latest sequence number), or a sequence number")
    .option("--force", "reset even while consumer group members hold leases")
    .option("--shares <count>", "a consumer group's number of shares (default 64 in subscribe): reset every one, with a checkpoint or not")
    .option("--json", "print NDJSON (the default when standard output is not a terminal)")
    .addHelpText(
      "after",
      `
The subscription resumes after the new position when next started: with
--to beginning it handles every event of its source again, with --to end only
events committed from now on. Every share with a checkpoint is moved, forwards
or backwards; parked events are left as they are. Prints each share's old and
new position. A consumer group's shares that have no checkpoint yet still
start as its \`from\` option says: pass --shares with the group's number of
shares to write all of them.

Run it while the subscription is stopped (every process, every group member).
A running instance keeps its position in memory and only reads the checkpoint
again when its next checkpoint write fails, after its next handled event: a
subscription without a group then jumps to the reset position if that is ahead
of its own, or else writes its own position over the reset, undoing it; a group
member lets the share go and takes it up again later from what is stored then.
The command refuses while group members hold unexpired leases, unless --force.

Examples:
  chronicle reset --url postgres://app@db/app welcome-emails --to beginning
  chronicle reset --url sqlite:./events.db read-model --to 1200
  chronicle reset --url postgres://app@db/app billing --to end --shares 64`,
    )
    .action((name, options) => runCommand((context) => reset(name, options, context)));

  for (const command of program.commands) command.exitOverride().showHelpAfterError("(run with --help for usage)");
  return program;
}

/** Runs the program on `argv` (as `process.argv`) and sets `process.exitCode`. */
export async function run(argv: readonly string[]): Promise<void> {
  const program = createProgram();
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version output are not failures; anything else commander rejects is bad usage.
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    throw error;
  }
}
