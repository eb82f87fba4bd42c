import type { NewEvent, StoredEvent } from "@chronicle/core";
import { newEvent } from "../new-event-builder.js";

export { expectRejection } from "../suite/expect-rejection.js";

/** `count` events named `name`, with payload `{ index }` counting from `from`. */
export function events(count: number, name = "something-happened", from = 0): NewEvent[] {
  return Array.from({ length: count }, (_, offset) =>
    newEvent()
      .withName(name)
      .withPayload({ index: from + offset })
      .build(),
  );
}

/** The sequence numbers of events, as strings (readable in a failed assertion). */
export function sequenceNumbers(list: readonly StoredEvent[]): string[] {
  return list.map((event) => String(event.sequenceNumber));
}

/** Resolves once `check` returns true, polling every 10 ms; rejects after `timeoutMs` with `what`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A promise with its resolve function outside. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}
