import { CliError } from "../cli-error.js";
import { table, wantsJson, writeLine } from "../output.js";
import type { CommandContext } from "../run-command.js";
import { withStore } from "../run-command.js";
import { checkSubscriptionName, subscriptionSupportOf } from "../subscription-state.js";

/** Options of `chronicle reset`. */
export interface ResetOptions {
  url?: string;
  to?: string;
  force?: boolean;
  json?: boolean;
}

/** Where `--to` moves the checkpoint. */
type Target = { kind: "beginning" } | { kind: "end" } | { kind: "position"; position: bigint };

/** One share's change, as `chronicle reset` prints it. */
interface ShareReset {
  subscription: string;
  share: number;
  from: string;
  to: string;
}

/**
 * `chronicle reset <name> --to beginning|end|N`: moves every stored checkpoint
 * of a subscription (every share of a consumer group) to `0` (before the first
 * event), to the log's latest sequence number, or to `N`, unconditionally.
 */
export async function reset(name: string, options: ResetOptions, context: CommandContext): Promise<void> {
  checkSubscriptionName(name);
  const target = parseTarget(options.to);
  await withStore(options.url, "--url", { mustExist: true }, async ({ store, adapter, display }) => {
    const support = subscriptionSupportOf(adapter, display);
    const checkpoints = await support.listCheckpoints({ subscription: name });
    if (checkpoints.length === 0) {
      throw new CliError(
        `no subscription named ${JSON.stringify(name)} has a checkpoint in ${display}, so there is nothing to reset; chronicle subscriptions lists those that do`,
      );
    }
    const latest = (await store.log().latest())?.sequenceNumber ?? 0n;
    let position: bigint;
    if (target.kind === "beginning") position = 0n;
    else if (target.kind === "end") position = latest;
    else position = target.position;
    if (position > latest) {
      throw new CliError(
        `--to ${position} is beyond the log's latest sequence number, ${latest}: the subscription would skip the events that get those numbers. Use --to end, or a number up to ${latest}`,
        { usage: true },
      );
    }
    if (!options.force && support.listLeases !== undefined) {
      const now = Date.now();
      const held = (await support.listLeases(name)).filter((lease) => lease.expiresAt.getTime() > now);
      if (held.length > 0) {
        const members = [...new Set(held.map((lease) => lease.member))].join(", ");
        throw new CliError(
          `consumer group ${JSON.stringify(name)} has running members (${members}) holding leases on ${held.length} share${held.length === 1 ? "" : "s"}: ` +
            "stop every member first (a running member keeps its own position), or pass --force",
        );
      }
    }
    const changes: ShareReset[] = [];
    for (const checkpoint of checkpoints) {
      await support.resetCheckpoint({ subscription: name, share: checkpoint.share, position });
      changes.push({ subscription: name, share: checkpoint.share, from: checkpoint.position.toString(), to: position.toString() });
    }
    if (wantsJson(options.json, context.out)) {
      for (const change of changes) await writeLine(context.out, JSON.stringify(change));
    } else {
      await writeLine(
        context.out,
        table(
          ["share", "from", "to"],
          changes.map((change) => [change.share, change.from, change.to]),
        ),
      );
    }
    process.stderr.write(
      `chronicle: reset ${changes.length === 1 ? "the checkpoint" : `${changes.length} checkpoints`} of subscription ${JSON.stringify(name)} to ${position}; ` +
        "it resumes after that sequence number when next started\n",
    );
  });
}

/** `beginning`, `end` or a sequence number; anything else is bad usage. */
function parseTarget(text: string | undefined): Target {
  if (text === undefined) throw new CliError("--to is required: beginning, end, or a sequence number", { usage: true });
  if (text === "beginning") return { kind: "beginning" };
  if (text === "end") return { kind: "end" };
  if (/^\d+$/.test(text)) return { kind: "position", position: BigInt(text) };
  throw new CliError(`--to takes beginning, end, or a sequence number (0 or more), got ${JSON.stringify(text)}`, { usage: true });
}
