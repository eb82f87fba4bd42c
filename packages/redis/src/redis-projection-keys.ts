import type { EventTarget } from "@chronicle/core";
import { hashTag, matchPattern } from "./redis-keys.js";

/**
 * The keys of one projection store. They share the hash tag of the event
 * store's keys (`{keyPrefix}`), so both may live under one prefix, in one
 * cluster slot, and every script touches keys of one node; they all start with
 * `projection`, which no event store key does.
 */
export class RedisProjectionKeys {
  /** The version of this key layout, written by `migrate()`. */
  readonly format: string;
  readonly #projection: string;
  readonly #source: string;

  constructor(keyPrefix: string) {
    const base = hashTag(keyPrefix);
    this.format = `${base}projection-format`;
    this.#projection = `${base}projection:`;
    this.#source = `${base}projection-source:`;
  }

  /**
   * What the key of every projection of `name` starts with; the id follows.
   * JSON ends the name unambiguously, so no two `(name, id)` pairs share a key.
   */
  projectionPrefix(name: string): string {
    return `${this.#projection}${JSON.stringify(name)}:`;
  }

  /** The hash holding the projection stored under `(name, id)`. */
  projection(name: string, id: string): string {
    return `${this.projectionPrefix(name)}${id}`;
  }

  /** The sorted set of the ids of the projections of `name` over exactly `source`: what `locate` reads. */
  source(name: string, source: EventTarget): string {
    const parts: string[] = [name, source.type];
    if (source.type !== "log") parts.push(source.category);
    if (source.type === "stream") parts.push(source.stream);
    return `${this.#source}${JSON.stringify(parts)}`;
  }

  /** The `SCAN MATCH` pattern of every projection's hash (not the indexes). */
  projectionPattern(): string {
    return matchPattern(this.#projection);
  }
}
