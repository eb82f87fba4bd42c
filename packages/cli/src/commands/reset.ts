import { CliError } from "../cli-error.js";
import { wantsJson, writeRecords } from "../output.js";
import type { CommandContext } from "../run-command.js";
import { withStore } from "../run-command.js";
import { checkSubscriptionName, subscriptionSupportOf } from "../subscription-state.js";
import { parseCount } from "./read.js";

/** Options of `chronicle reset`. */
export interface ResetOptions {
  url?: string;
  to?: string;
  force?: boolean;
  shares?: string;
  json?: boolean;
}

/** Where `--to` moves the checkpoint. */
type Target = { kind: "beginning" } | { kind: "end" } | { kind: "position"; position: bigint };

/** One share's change, as `chronicle reset` prints it. */
interface ShareReset {
  subscription: string;
  share: number;
  /** The position before the reset; `null` when the share had no checkpoint. */
  from: string | null;
  to: string;
}

/**
 * `chronicle reset <name> --to beginning|end|N`: moves every stored checkpoint
 * of a subscription (every share of a consumer group with one, or with
 * `--shares`, shares `0` to `count - 1`) to `0` (before the first event), to the
 * log's latest sequence number, or to `N`, unconditionally.
 */
export async function reset(name: string, options: ResetOptions, context: CommandContext): Promise<void> {
  checkSubscriptionName(name);
  const target = parseTarget(options.to);
  const shareCount = options.shares === undefined ? undefined : parseCount(options.shares, "--shares");
  await withStore(options.url, "--url", { mustExist: true }, async ({ store, adapter, display }) => {
    const support = subscriptionSupportOf(adapter, display);
    const checkpoints = await support.listCheckpoints({ subscription: name });
    const beyond = shareCount === undefined ? [] : checkpoints.filter((checkpoint) => checkpoint.share >= shareCount);
    if (beyond.length > 0) {
      throw new CliError(
        `--shares ${shareCount} is too few: subscription ${JSON.stringify(name)} has checkpoints for share ${beyond.map((checkpoint) => checkpoint.share).join(", ")}; give the group's number of shares (default 64)`,
        { usage: true },
      );
    }
    if (checkpoints.length === 0 && shareCount === undefined) {
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
    const stored = new Map(checkpoints.map((checkpoint) => [checkpoint.share, checkpoint.position]));
    const shares = shareCount === undefined ? [...stored.keys()] : Array.from({ length: shareCount }, (_, share) => share);
    const changes: ShareReset[] = [];
    for (const share of shares) {
      await support.resetCheckpoint({ subscription: name, share, position });
      changes.push({ subscription: name, share, from: stored.get(share)?.toString() ?? null, to: position.toString() });
    }
    await writeRecords(context.out, wantsJson(options.json, context.out), changes, {
      head: ["share", "from", "to"],
      row: (change) => [change.share, change.from ?? "(none)", change.to],
      empty: "(no checkpoints)",
    });
    process.stderr.write(
      `chronicle: reset ${changes.length === 1 ? "the checkpoint" : `${changes.length} checkpoints`} of subscription ${JSON.stringify(name)} to ${position}; ` +
        "it resumes after that sequence number when next started\n",
    );
    if (shareCount === undefined && shares.some((share) => share !== 0)) {
      process.stderr.write(
        "chronicle: only shares with a checkpoint were reset; a consumer group's shares without one still start as its `from` option says. " +
          "Pass --shares with the group's number of shares (default 64) to reset every share\n",
      );
    }
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
