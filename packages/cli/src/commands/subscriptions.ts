import type { Checkpoint } from "@chronicle/core";
import { wantsJson, writeRecords } from "../output.js";
import type { CommandContext } from "../run-command.js";
import { withStore } from "../run-command.js";
import { parkedEvents, subscriptionSupportOf } from "../subscription-state.js";

/** One subscription as `chronicle subscriptions` lists it. */
export interface SubscriptionSummary {
  name: string;
  /** How many shares have a checkpoint: 1 for a subscription without a group. */
  shares: number;
  /** The lowest checkpoint of its shares, as a decimal string. */
  position: string;
  /** The log's latest sequence number minus `position` (0 at least): an upper bound, since sequence numbers have gaps and a source may be one category. */
  lag: string;
  parked: number;
  /** The latest `updatedAt` of its shares' checkpoints. */
  updatedAt: string;
}

/**
 * `chronicle subscriptions`: every subscription with a checkpoint in the
 * store, one row per name, with its position, lag and parked events.
 */
export async function subscriptions(options: { url?: string; json?: boolean }, context: CommandContext): Promise<void> {
  await withStore(options.url, "--url", { mustExist: true }, async ({ store, adapter, display }) => {
    const support = subscriptionSupportOf(adapter, display);
    const [checkpoints, latest] = await Promise.all([support.listCheckpoints(), store.log().latest()]);
    const byName = new Map<string, Checkpoint[]>();
    for (const checkpoint of checkpoints) {
      const shares = byName.get(checkpoint.subscription);
      if (shares === undefined) byName.set(checkpoint.subscription, [checkpoint]);
      else shares.push(checkpoint);
    }
    const newest = latest?.sequenceNumber ?? 0n;
    const list: SubscriptionSummary[] = [];
    for (const [name, shares] of byName) {
      let position = shares[0]?.position ?? 0n;
      for (const share of shares) if (share.position < position) position = share.position;
      const updatedAt = Math.max(...shares.map((share) => share.updatedAt.getTime()));
      let parked = 0;
      for await (const _ of parkedEvents(support, name)) parked += 1;
      list.push({
        name,
        shares: shares.length,
        position: position.toString(),
        lag: (newest > position ? newest - position : 0n).toString(),
        parked,
        updatedAt: new Date(updatedAt).toISOString(),
      });
    }
    await writeRecords(context.out, wantsJson(options.json, context.out), list, {
      head: ["name", "shares", "position", "lag", "parked", "last updated"],
      row: (s) => [s.name, s.shares, s.position, s.lag, s.parked, s.updatedAt],
      empty: "(no subscriptions)",
    });
  });
}
