import type { EventStorageAdapter } from "../adapter.js";
import { InvalidInputError } from "../errors.js";
import type { EventTarget } from "../identifiers.js";
import { describeValue, validateName, validateTarget } from "../validation.js";
import type { SubscribeOptions, SubscriptionGroupOptions, SubscriptionHandler } from "./subscribe-options.js";
import { DEFAULT_GROUP_SHARES, type SubscriptionCapabilities, type SubscriptionSupport } from "./subscription-support.js";

/** `subscribe`'s options after validation, every default filled in. */
export interface PreparedSubscription {
  readonly name: string;
  readonly target: EventTarget;
  readonly names: readonly string[] | undefined;
  readonly from: "beginning" | "end";
  readonly handler: SubscriptionHandler;
  readonly attempts: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  readonly checkpointEvery: number;
  readonly pollIntervalMs: number;
  readonly notifications: boolean;
  readonly transactional: boolean;
  readonly signal: AbortSignal | undefined;
  readonly support: SubscriptionSupport;
  /** Consumer group membership, when given. */
  readonly group: { readonly member: string; readonly leaseMs: number; readonly shares: number } | undefined;
}

/** Checks `subscribe`'s options against the adapter, synchronously, throwing `INVALID_INPUT`. */
export function prepareSubscription(adapter: EventStorageAdapter, options: SubscribeOptions): PreparedSubscription {
  if (typeof options !== "object" || options === null) {
    throw new InvalidInputError(`subscribe needs { name, source, handler }, got ${describeValue(options)}`);
  }
  const name = validateName(options.name, "the subscription name");
  if (typeof options.handler !== "function") {
    throw new InvalidInputError(`subscription ${JSON.stringify(name)} needs a handler function, got ${describeValue(options.handler)}`);
  }
  const target = sourceTarget(options.source);
  let names: string[] | undefined;
  if (options.names !== undefined) {
    if (!Array.isArray(options.names) || options.names.length === 0) {
      throw new InvalidInputError(`names must be a non-empty array of event names, got ${describeValue(options.names)}`);
    }
    names = [...new Set(Array.from(options.names as unknown[], (eventName, index) => validateName(eventName, `names[${index}]`)))];
  }
  const from = options.from ?? "beginning";
  if (from !== "beginning" && from !== "end") {
    throw new InvalidInputError(`from must be "beginning" or "end", got ${describeValue(from)}`);
  }
  const retry = options.retry ?? {};
  if (typeof retry !== "object" || retry === null) {
    throw new InvalidInputError(`retry must be { attempts, minDelayMs, maxDelayMs }, got ${describeValue(retry)}`);
  }
  const attempts = integerAtLeast(retry.attempts, 5, 1, "retry.attempts");
  const minDelayMs = numberAtLeast(retry.minDelayMs, 100, 0, "retry.minDelayMs");
  const maxDelayMs = numberAtLeast(retry.maxDelayMs, Math.max(30_000, minDelayMs), minDelayMs, "retry.maxDelayMs");
  const checkpointEvery = integerAtLeast(options.checkpointEvery, 1, 1, "checkpointEvery");
  const pollIntervalMs = numberAtLeast(options.pollIntervalMs, 1_000, 1, "pollIntervalMs");
  const notifications = booleanOption(options.notifications, true, "notifications");
  const transactional = booleanOption(options.transactional, false, "transactional");
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new InvalidInputError(`signal must be an AbortSignal, got ${describeValue(options.signal)}`);
  }

  const support = adapter.subscriptions;
  const capabilities = adapter.capabilities.subscriptions;
  if (support === undefined || capabilities === undefined) {
    throw new InvalidInputError("This event storage adapter does not support subscriptions (it has no `subscriptions` member)");
  }
  if (transactional) {
    if (!capabilities.transactional || support.runInTransaction === undefined) {
      throw new InvalidInputError(
        "transactional: true needs an adapter whose subscriptions can run a handler in a storage transaction (capabilities.subscriptions.transactional)",
      );
    }
    if (checkpointEvery !== 1) {
      throw new InvalidInputError("checkpointEvery must be 1 with transactional: true: the checkpoint commits with each handler");
    }
  }
  const group = options.group === undefined ? undefined : prepareGroup(options.group, capabilities, support);

  return {
    name,
    target,
    names,
    from,
    handler: options.handler as SubscriptionHandler,
    attempts,
    minDelayMs,
    maxDelayMs,
    checkpointEvery,
    pollIntervalMs,
    notifications,
    transactional,
    signal: options.signal,
    support,
    group,
  };
}

function prepareGroup(group: unknown, capabilities: SubscriptionCapabilities, support: SubscriptionSupport): PreparedSubscription["group"] {
  if (typeof group !== "object" || group === null) {
    throw new InvalidInputError(`group must be { member, leaseMs?, shares? }, got ${describeValue(group)}`);
  }
  const options = group as SubscriptionGroupOptions;
  const member = validateName(options.member, "group.member");
  const leaseMs = numberAtLeast(options.leaseMs, 10_000, 30, "group.leaseMs");
  if (leaseMs > 2 ** 31 - 1) throw new InvalidInputError(`group.leaseMs must be at most ${2 ** 31 - 1}, got ${leaseMs}`);
  const shares = integerAtLeast(options.shares, DEFAULT_GROUP_SHARES, 1, "group.shares");
  if (shares > 4096) throw new InvalidInputError(`group.shares must be at most 4096, got ${shares}`);
  const methods = ["heartbeat", "leaveGroup", "acquireLease", "renewLease", "releaseLease", "listLeases"] as const;
  if (!capabilities.consumerGroups || methods.some((method) => typeof support[method] !== "function")) {
    throw new InvalidInputError(
      "group needs an adapter whose subscriptions support consumer groups (capabilities.subscriptions.consumerGroups)",
    );
  }
  return { member, leaseMs, shares };
}

function sourceTarget(source: unknown): EventTarget {
  if (typeof source === "object" && source !== null && !("type" in source) && "target" in source) {
    return validateTarget((source as { target: unknown }).target, "source");
  }
  return validateTarget(source, "source");
}

function integerAtLeast(value: unknown, fallback: number, minimum: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < minimum) {
    throw new InvalidInputError(`${what} must be an integer of at least ${minimum}, got ${describeValue(value)}`);
  }
  return value;
}

function numberAtLeast(value: unknown, fallback: number, minimum: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < minimum) {
    throw new InvalidInputError(`${what} must be a finite number of at least ${minimum}, got ${describeValue(value)}`);
  }
  return value;
}

function booleanOption(value: unknown, fallback: boolean, what: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new InvalidInputError(`${what} must be a boolean, got ${describeValue(value)}`);
  return value;
}
