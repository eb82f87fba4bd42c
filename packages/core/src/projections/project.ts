import type { ScanOptions } from "../adapter.js";
import { InvalidInputError } from "../errors.js";
import type { StoredEvent } from "../events.js";
import { describeTarget, type EventTarget } from "../identifiers.js";
import type { JsonValue } from "../json.js";
import { DEFAULT_PAGE_SIZE } from "../scan-pages.js";
import { describeValue, validateDate, validateJson, validateName } from "../validation.js";
import type { ProjectOptions, ProjectProgress, SnapshotStore } from "./project-options.js";
import type { Projection } from "./projection.js";
import { resolveSource, sameTarget } from "./projection-source.js";

/** What `project` needs of a projector: defined and validated by `defineProjector`. */
export interface Fold<State extends JsonValue> {
  readonly name: string;
  readonly version: number;
  /** The projector as error messages name it. */
  readonly what: string;
  initialState(): State;
  /** The projection's id for a source, validated. */
  id(source: EventTarget): string;
  apply(state: State, event: StoredEvent): State;
  /** The only event names worth reading, or `undefined` for all of them. */
  readonly names: readonly string[] | undefined;
}

/** Where a fold starts: a projection to continue, or nothing (the initial state). */
interface Start<State extends JsonValue> {
  state: State;
  position: bigint | undefined;
  eventCount: number;
  updatedAt: Date | undefined;
}

/**
 * Folds a source into a projection page by page, starting from the later of
 * `from` and the stored snapshot (when their version matches), and saves the
 * result to `store` when enough events were folded since the snapshot.
 */
export async function project<State extends JsonValue>(fold: Fold<State>, options: ProjectOptions<State>): Promise<Projection<State>> {
  if (typeof options !== "object" || options === null) {
    throw new InvalidInputError(`project needs options such as { source }, got ${describeValue(options)}`);
  }
  const { target, reader } = resolveSource(options.source, options.events);
  const saveEvery = positiveInteger(options.saveEvery, 1, "saveEvery");
  const pageSize = positiveInteger(options.pageSize, DEFAULT_PAGE_SIZE, "pageSize");
  const signal = checkSignal(options.signal);
  const onProgress = options.onProgress;
  if (onProgress !== undefined && typeof onProgress !== "function") {
    throw new InvalidInputError(`onProgress must be a function, got ${describeValue(onProgress)}`);
  }
  const store = checkStore(options.store);
  const id = fold.id(target);
  const from = options.from === undefined ? undefined : checkFrom(fold, options.from, id, target);
  signal?.throwIfAborted();

  const loaded = store === undefined ? undefined : await store.load({ name: fold.name, id });
  if (loaded !== undefined && !sameTarget(loaded.source, target)) {
    throw new InvalidInputError(
      `the stored projection ${JSON.stringify(fold.name)}/${JSON.stringify(id)} folds ${describeTarget(loaded.source)}, not ${describeTarget(target)}: ` +
        "give the projector an id function that tells these sources apart",
    );
  }
  // Projections of another version were folded by other handlers: their state is no start.
  const snapshot = loaded?.version === fold.version ? (loaded as Projection<State>) : undefined;
  const continued = from?.version === fold.version ? from : undefined;

  let start: Start<State>;
  if (snapshot !== undefined && (continued === undefined || isAfter(snapshot.position, continued.position))) {
    start = snapshot;
  } else if (continued !== undefined) {
    // A copy, so handlers that change the state in place leave the caller's projection alone.
    start = { ...continued, state: structuredClone(continued.state) };
  } else {
    start = { state: fold.initialState(), position: undefined, eventCount: 0, updatedAt: undefined };
  }

  let { state, position, eventCount, updatedAt } = start;
  const scan: ScanOptions = { limit: pageSize, pageSize, signal, names: fold.names };
  let reported = false;
  // One page per iteration, each read after the last event folded: memory stays flat however long the source.
  for (;;) {
    signal?.throwIfAborted();
    let read = 0;
    let last: StoredEvent | undefined;
    for await (const event of reader.iterate({ ...scan, after: position })) {
      state = fold.apply(state, event);
      read += 1;
      last = event;
    }
    if (last !== undefined) {
      eventCount += read;
      position = last.sequenceNumber;
      updatedAt = last.observedAt;
    }
    if (onProgress !== undefined && (read > 0 || !reported)) {
      const progress: ProjectProgress = { eventCount, position };
      onProgress(progress);
      reported = true;
    }
    if (read < pageSize) break;
  }

  validateJson(state, () => `the state of projection ${JSON.stringify(fold.name)}/${JSON.stringify(id)} (${fold.what})`);
  const projection: Projection<State> = {
    name: fold.name,
    id,
    source: { ...target },
    state,
    version: fold.version,
    position,
    eventCount,
    updatedAt,
  };
  if (store !== undefined && eventCount - (snapshot?.eventCount ?? 0) >= saveEvery) {
    signal?.throwIfAborted();
    await store.save(projection);
  }
  return projection;
}

/** Whether position `left` comes after `right`; `undefined` (nothing folded) comes before every position. */
function isAfter(left: bigint | undefined, right: bigint | undefined): boolean {
  if (left === undefined) return false;
  return right === undefined || left > right;
}

function positiveInteger(value: unknown, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidInputError(`${what} must be a positive integer, got ${describeValue(value)}`);
  }
  return value;
}

function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (
    typeof signal !== "object" ||
    signal === null ||
    typeof (signal as AbortSignal).throwIfAborted !== "function" ||
    typeof (signal as AbortSignal).aborted !== "boolean"
  ) {
    throw new InvalidInputError(`signal must be an AbortSignal, got ${describeValue(signal)}`);
  }
  return signal as AbortSignal;
}

function checkStore(store: unknown): SnapshotStore | undefined {
  if (store === undefined) return undefined;
  const candidate = store as Partial<SnapshotStore> | null;
  if (typeof candidate !== "object" || candidate === null || typeof candidate.load !== "function" || typeof candidate.save !== "function") {
    throw new InvalidInputError(`store must be a projection store (with load and save), got ${describeValue(store)}`);
  }
  return candidate as SnapshotStore;
}

/** Checks that `from` is a projection of this projector over this source. */
function checkFrom<State extends JsonValue>(fold: Fold<State>, from: unknown, id: string, target: EventTarget): Projection<State> {
  if (typeof from !== "object" || from === null) {
    throw new InvalidInputError(`from must be a projection, got ${describeValue(from)}`);
  }
  const candidate = from as Projection<State>;
  if (candidate.name !== fold.name) {
    throw new InvalidInputError(`from is a projection of ${describeValue(candidate.name)}, not of ${fold.what}`);
  }
  if (candidate.id !== id) {
    throw new InvalidInputError(
      `from is the projection ${describeValue(candidate.id)}, but ${fold.what} names this source's ${JSON.stringify(id)}`,
    );
  }
  const source = typeof candidate.source === "object" && candidate.source !== null ? candidate.source : undefined;
  if (source === undefined || !sameTarget(source, target)) {
    throw new InvalidInputError(
      `from folds ${source === undefined ? describeValue(candidate.source) : describeTarget(source)}, not ${describeTarget(target)}`,
    );
  }
  if (!Number.isSafeInteger(candidate.version) || candidate.version < 1) {
    throw new InvalidInputError(`from.version must be a positive integer, got ${describeValue(candidate.version)}`);
  }
  if (candidate.position !== undefined && typeof candidate.position !== "bigint") {
    throw new InvalidInputError(`from.position must be a bigint or undefined, got ${describeValue(candidate.position)}`);
  }
  if (!Number.isSafeInteger(candidate.eventCount) || candidate.eventCount < 0) {
    throw new InvalidInputError(`from.eventCount must be a non-negative integer, got ${describeValue(candidate.eventCount)}`);
  }
  if (candidate.updatedAt !== undefined) validateDate(candidate.updatedAt, "from.updatedAt");
  validateName(candidate.id, "from.id");
  validateJson(candidate.state, "from.state");
  return candidate;
}
