import type { EventStorageAdapter, ParkedEvent, SubscriptionSupport } from "@chronicle/core";
import { CliError } from "./cli-error.js";
import { type EventLine, encodeEvent } from "./event-lines.js";

/** The store's subscription support, or a failure saying that the store keeps no subscription state. */
export function subscriptionSupportOf(adapter: EventStorageAdapter, display: string): SubscriptionSupport {
  if (adapter.subscriptions === undefined) {
    throw new CliError(`the store at ${display} keeps no subscription state: its adapter does not support subscriptions`);
  }
  return adapter.subscriptions;
}

/** Refuses a subscription name the store could not hold (1 to 255 characters), before any store is opened. */
export function checkSubscriptionName(name: string): void {
  const length = [...name].length;
  if (length === 0 || length > 255) {
    throw new CliError(`a subscription name has 1 to 255 characters, got ${JSON.stringify(name.slice(0, 40))}${length > 40 ? "…" : ""}`, {
      usage: true,
    });
  }
}

/** A parked event as one line of NDJSON: the event as `chronicle export` writes it, and why and when it was parked. */
export interface ParkedLine {
  subscription: string;
  event: EventLine;
  error: { name: string; message: string };
  attempts: number;
  parkedAt: string;
}

/** The parked event as one line of NDJSON, without the newline. */
export function encodeParked(subscription: string, entry: ParkedEvent): string {
  const line: ParkedLine = {
    subscription,
    event: JSON.parse(encodeEvent(entry.event)) as EventLine,
    error: { name: entry.error.name, message: entry.error.message },
    attempts: entry.attempts,
    parkedAt: entry.parkedAt.toISOString(),
  };
  return JSON.stringify(line);
}

/** Every parked event of a subscription, in sequence-number order, read in pages. */
export async function* parkedEvents(support: SubscriptionSupport, subscription: string, limit?: number): AsyncGenerator<ParkedEvent> {
  const pageSize = 500;
  let after: bigint | undefined;
  let remaining = limit ?? Number.POSITIVE_INFINITY;
  while (remaining > 0) {
    const size = Math.min(pageSize, remaining);
    const page = await support.listParked(after === undefined ? { subscription, limit: size } : { subscription, after, limit: size });
    for (const entry of page) yield entry;
    if (page.length < size) return;
    remaining -= page.length;
    after = page.at(-1)?.event.sequenceNumber;
  }
}
