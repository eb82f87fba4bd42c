import type { ScanOptions } from "../adapter.js";
import type { StoredEvent } from "../events.js";
import type { EventTarget } from "../identifiers.js";
import type { JsonValue } from "../json.js";
import type { Projection, ProjectionKey } from "./projection.js";

/**
 * Something a projector can read events from: a log, category or stream handle
 * (`store.stream("profiles", "joe")`), typed by any event map or none.
 */
export interface ProjectionReader {
  /** The log, category or stream it reads. */
  readonly target: EventTarget;
  /** Its events in sequence order, fetched page by page. */
  iterate(options?: ScanOptions): AsyncIterable<StoredEvent>;
}

/**
 * What a projector folds: a handle, or an identifier (`streamIdentifier("profiles", "joe")`)
 * read through the event store given as `events`.
 */
export type ProjectionSource = ProjectionReader | EventTarget;

/**
 * What `project` needs of a projection store to keep snapshots: a
 * `ProjectionStore` has both methods.
 */
export interface SnapshotStore {
  /** The projection stored under `(name, id)`, or `undefined`. */
  load(key: ProjectionKey): Promise<Projection | undefined>;
  /** Stores the projection unless that would move it backwards; resolves whether it was stored. */
  save(projection: Projection): Promise<boolean>;
}

/** How far a fold has got: what `onProgress` receives. */
export interface ProjectProgress {
  /** Events folded since the initial state, as the projection will count them. */
  eventCount: number;
  /** `sequenceNumber` of the last event folded; `undefined` when none was. */
  position: bigint | undefined;
}

/** What `projector.project` takes. */
export interface ProjectOptions<State extends JsonValue = JsonValue> {
  /** The log, category or stream to fold: a handle, or an identifier together with `events`. */
  source: ProjectionSource;
  /**
   * The event store to read an identifier `source` from (such as
   * `{ source: streamIdentifier("profiles", "joe"), events: store }`). Only with
   * an identifier: a handle already knows its store.
   */
  events?: {
    log(): ProjectionReader;
    category(name: string): ProjectionReader;
    stream(category: string, stream: string): ProjectionReader;
  };
  /**
   * A projection of this projector over this source to continue from: only the
   * events after its position are folded. One of another version is ignored (the
   * source is folded from the start); one of another name, id or source is `INVALID_INPUT`.
   */
  from?: Projection<State>;
  /**
   * Keeps a snapshot: the projection stored under the projector's name and the
   * source's id is loaded and continued (when its version matches), and the
   * result is saved when at least `saveEvery` events were folded since.
   */
  store?: SnapshotStore;
  /** With `store`: save only when at least this many events were folded since the snapshot loaded. A positive integer, default 1. */
  saveEvery?: number;
  /** How many events to read per page. A positive integer, default 500. */
  pageSize?: number;
  /** Stops the fold: `project` rejects with the signal's reason and saves nothing. */
  signal?: AbortSignal;
  /** Called after every page read (and at least once), for rebuilds of long sources. An error it throws rejects `project`. */
  onProgress?: (progress: ProjectProgress) => void;
}
