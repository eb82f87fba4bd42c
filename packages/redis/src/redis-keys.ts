import type { EventTarget, StreamIdentifier } from "@chronicle/core";

/**
 * The keys of one store. Every key starts with `{keyPrefix}`: Redis Cluster
 * hashes only what is inside the first braces, so the whole store lives in one
 * slot and each Lua script touches keys of a single node.
 */
export class RedisKeys {
  /** The `INCRBY` counter that hands out sequence numbers (1, 2, … without gaps): the log's length. */
  readonly sequence: string;
  /** Hash from event id to sequence number: idempotency and duplicate checks. */
  readonly ids: string;
  /** The version of this key layout, written by `migrate()`. */
  readonly format: string;
  /** What the key of each event's record starts with; the sequence number follows. */
  readonly eventPrefix: string;
  readonly #base: string;

  constructor(keyPrefix: string) {
    this.#base = hashTag(keyPrefix);
    this.sequence = `${this.#base}sequence`;
    this.ids = `${this.#base}ids`;
    this.format = `${this.#base}format`;
    this.eventPrefix = `${this.#base}event:`;
  }

  /** The string key holding the record of the event with this sequence number. */
  event(sequenceNumber: bigint | number | string): string {
    return `${this.eventPrefix}${sequenceNumber}`;
  }

  /** List of a category's sequence numbers, in increasing order. */
  category(category: string): string {
    return `${this.#base}category:${category}`;
  }

  /** List of a stream's sequence numbers: an event's index in it is its position. */
  stream(target: Pick<StreamIdentifier, "category" | "stream">): string {
    // JSON keeps "a:b" / "c" apart from "a" / "b:c".
    return `${this.#base}stream:${JSON.stringify([target.category, target.stream])}`;
  }

  /** The list a read of `target` walks, or `undefined` for the log, whose sequence numbers are simply 1…`sequence`. */
  index(target: EventTarget): string | undefined {
    switch (target.type) {
      case "log":
        return undefined;
      case "category":
        return this.category(target.category);
      case "stream":
        return this.stream(target);
    }
  }

  /** The `SCAN MATCH` pattern of every key of the store, with glob characters escaped. */
  pattern(): string {
    return matchPattern(this.#base);
  }
}

/** What every key of the store under `keyPrefix` starts with: the prefix as a hash tag, so Redis Cluster keeps the store in one slot. */
export function hashTag(keyPrefix: string): string {
  return `{${keyPrefix}}`;
}

/** The `SCAN MATCH` pattern of every key starting with `start`, with glob characters escaped. */
export function matchPattern(start: string): string {
  return `${start.replace(/[*?[\]\\]/g, "\\$&")}*`;
}

/**
 * Checks a key prefix: a non-empty string without braces, which would change
 * the hash tag and so scatter the store over several cluster slots.
 */
export function validateKeyPrefix(keyPrefix: unknown): string {
  if (typeof keyPrefix !== "string" || keyPrefix.length === 0) {
    throw new TypeError(`keyPrefix must be a non-empty string, got ${String(keyPrefix)}`);
  }
  if (/[{}]/.test(keyPrefix)) {
    throw new TypeError(`keyPrefix must not contain braces: the adapter wraps it in a hash tag itself, got ${JSON.stringify(keyPrefix)}`);
  }
  return keyPrefix;
}
