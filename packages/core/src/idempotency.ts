import type { PreparedWrite } from "./adapter.js";
import { DuplicateEventIdError } from "./errors.js";
import type { StoredEvent } from "./events.js";
import type { JsonValue } from "./json.js";

/**
 * Decides what a write whose event ids may already be stored does (promise 5 of
 * the contract): `"append"` when none of its ids is stored; the stored events
 * when all of them are, in the write's stream, in its order at consecutive
 * positions, with the same name, payload and metadata (a retried publish);
 * otherwise it throws `DUPLICATE_EVENT_ID`. For adapter authors: look the ids up
 * where the data lives, then call this before evaluating the condition.
 */
export function resolveStoredIds(write: PreparedWrite, stored: ReadonlyMap<string, StoredEvent>): "append" | StoredEvent[] {
  if (write.events.length === 0) return "append";
  const found: StoredEvent[] = [];
  for (const event of write.events) {
    const existing = stored.get(event.id);
    if (existing !== undefined) found.push(existing);
  }
  if (found.length === 0) return "append";
  const first = write.events[0];
  if (found.length < write.events.length) {
    const missing = write.events.find((event) => !stored.has(event.id));
    const taken = write.events.find((event) => stored.has(event.id));
    throw new DuplicateEventIdError(
      taken?.id ?? first?.id ?? "",
      `is already stored, but ${JSON.stringify(missing?.id)} of the same write is not: a write is replayed whole or not at all`,
    );
  }
  for (let index = 0; index < write.events.length; index += 1) {
    const event = write.events[index];
    const existing = found[index];
    const previous = found[index - 1];
    if (event === undefined || existing === undefined) continue;
    const sameStream = existing.category === write.target.category && existing.stream === write.target.stream;
    if (!sameStream) {
      throw new DuplicateEventIdError(event.id, `is already stored in stream ${existing.category}/${existing.stream}`);
    }
    if (previous !== undefined && existing.position !== previous.position + 1) {
      throw new DuplicateEventIdError(event.id, "is already stored, but not in the order of this write");
    }
    if (existing.name !== event.name || !jsonEquals(existing.payload, event.payload) || !jsonEquals(existing.metadata, event.metadata)) {
      throw new DuplicateEventIdError(event.id, "is already stored with a different name, payload or metadata");
    }
  }
  return found;
}

/** Deep equality of two JSON values; object key order does not matter. */
export function jsonEquals(left: JsonValue, right: JsonValue): boolean {
  if (left === right) return true;
  if (typeof left !== "object" || typeof right !== "object" || left === null || right === null) return false;
  if (Array.isArray(left)) {
    if (!Array.isArray(right) || left.length !== right.length) return false;
    return left.every((item, index) => jsonEquals(item, right[index] as JsonValue));
  }
  if (Array.isArray(right)) return false;
  const leftKeys = Object.keys(left);
  if (leftKeys.length !== Object.keys(right).length) return false;
  return leftKeys.every((key) => Object.hasOwn(right, key) && jsonEquals(left[key] as JsonValue, right[key] as JsonValue));
}
