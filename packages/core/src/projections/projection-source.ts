import { InvalidInputError } from "../errors.js";
import type { EventTarget } from "../identifiers.js";
import { describeValue, validateTarget } from "../validation.js";
import type { ProjectionReader } from "./project-options.js";

/** A source made ready to fold: its validated target and the reader of its events. */
export interface ResolvedSource {
  readonly target: EventTarget;
  readonly reader: ProjectionReader;
}

/**
 * Turns `project`'s `source` (a handle, or an identifier read through `events`)
 * into a reader. Throws `INVALID_INPUT` when neither fits.
 */
export function resolveSource(source: unknown, events: unknown): ResolvedSource {
  if (isReader(source)) {
    if (events !== undefined) {
      throw new InvalidInputError("events is only for a source given as an identifier: a handle already reads from its own store");
    }
    return { target: validateTarget(source.target, "source.target"), reader: source };
  }
  if (typeof source !== "object" || source === null) {
    throw new InvalidInputError(
      `source must be a log, category or stream handle, or an identifier with events, got ${describeValue(source)}`,
    );
  }
  const target = validateTarget(source, "source");
  if (!isStore(events)) {
    throw new InvalidInputError(
      `source is an identifier, so project needs the event store to read it from as events, got ${describeValue(events)}`,
    );
  }
  const reader =
    target.type === "log"
      ? events.log()
      : target.type === "category"
        ? events.category(target.category)
        : events.stream(target.category, target.stream);
  return { target, reader };
}

function isReader(value: unknown): value is ProjectionReader {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { iterate?: unknown }).iterate === "function" &&
    typeof (value as { target?: unknown }).target === "object"
  );
}

interface StoreLike {
  log(): ProjectionReader;
  category(name: string): ProjectionReader;
  stream(category: string, stream: string): ProjectionReader;
}

function isStore(value: unknown): value is StoreLike {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.log === "function" && typeof candidate.category === "function" && typeof candidate.stream === "function";
}

/** Whether two targets name the same log, category or stream. */
export function sameTarget(left: EventTarget, right: EventTarget): boolean {
  if (left.type !== right.type) return false;
  if (left.type === "log") return true;
  if (left.category !== (right as { category: string }).category) return false;
  return left.type === "category" || left.stream === (right as { stream: string }).stream;
}
