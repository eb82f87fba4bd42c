import {
  DuplicateEventIdError,
  isChronicleError,
  type PreparedWrite,
  resolveStoredIds,
  type SerialisationGuarantee,
  type StoredEvent,
  UnavailableError,
  UnmetWriteConditionError,
} from "@chronicle/core";
import { writeLockKeys } from "./advisory-lock-keys.js";
import { textArrayLiteral } from "./array-literals.js";
import { cancellableQuery } from "./cancellable-query.js";
import { classifyPostgresError, conflictingEventId } from "./classify-postgres-error.js";
import { conditionSet } from "./condition-set.js";
import { EVENT_COLUMNS, type EventRow, RAW_TEXT, toStoredEvent } from "./event-rows.js";
import type { PostgresPool } from "./postgres-options.js";
import { statementName } from "./statement-names.js";

/** What the append path needs to know about the adapter. */
export interface AppendContext {
  readonly pool: PostgresPool;
  /** The schema name as given. */
  readonly schemaName: string;
  /** The schema name quoted as an identifier. */
  readonly schema: string;
  readonly guarantee: SerialisationGuarantee;
  /** Serialises drawing sequence numbers under `category` and `stream`; `null` under `log`, whose write lock already does. */
  readonly sequenceLockKey: string | null;
  /** The first half of the advisory lock key by which writers in flight announce themselves to readers. */
  readonly inFlightClass: number;
}

/** One save as handed to the append path: validated writes, and the signal that may abandon it. */
export interface SaveRequest {
  readonly writes: readonly PreparedWrite[];
  readonly signal?: AbortSignal;
}

/** How one save of a batch ended. */
export type SaveSettlement =
  | { readonly kind: "stored"; readonly events: StoredEvent[][] }
  | { readonly kind: "failed"; readonly error: unknown }
  /** Some writes replayed stored events; the writes left `undefined` still have to be appended. */
  | { readonly kind: "replayed"; readonly replayed: readonly (StoredEvent[] | undefined)[] };

/** Serialisation failures, deadlocks and backstop conflicts are retried this many times in all. */
const MAX_ATTEMPTS = 8;

type AppendRow = [string, string, string | null, string | null];

/**
 * Appends a batch of saves in one statement (one round trip, one transaction),
 * judging each save on its own. An error that the database raises for the whole
 * batch is retried when it is transient, and otherwise, for a batch of several
 * saves, each save is tried alone so one bad save cannot fail the others.
 */
export async function appendSaves(context: AppendContext, saves: readonly SaveRequest[]): Promise<SaveSettlement[]> {
  const signal = saves.length === 1 ? saves[0]?.signal : undefined;
  for (let attempt = 1; ; attempt += 1) {
    let rows: AppendRow[];
    try {
      rows = await runAppend(context, saves, signal);
    } catch (error) {
      if (signal?.aborted) return [{ kind: "failed", error: signal.reason }];
      const classified = classifyPostgresError(error);
      if (classified.kind !== "fail" && attempt < MAX_ATTEMPTS) {
        await delay(Math.random() * 2 ** attempt);
        continue;
      }
      const failure =
        classified.kind === "fail"
          ? classified.error
          : classified.kind === "retry"
            ? new UnavailableError("PostgreSQL kept aborting the save as a serialisation failure or deadlock", { cause: error })
            : conflictFailure(classified.constraint, error, saves);
      if (saves.length > 1 && !isChronicleError(failure, "UNAVAILABLE")) {
        return (await Promise.all(saves.map((save) => appendSaves(context, [save])))).flat();
      }
      return saves.map(() => ({ kind: "failed", error: failure }));
    }
    return settle(context, saves, rows);
  }
}

async function runAppend(context: AppendContext, saves: readonly SaveRequest[], signal: AbortSignal | undefined): Promise<AppendRow[]> {
  const writes: string[] = [];
  const targets = [];
  // One array per column, one element per event: array literals for ids, names and numbers,
  // and JSON arrays of the JSON texts core already holds, so nothing is escaped twice.
  const eventWrite: number[] = [];
  const eventIndex: number[] = [];
  const eventId: string[] = [];
  const eventName: string[] = [];
  const eventPayload: string[] = [];
  const eventMetadata: string[] = [];
  const eventOccurred: number[] = [];
  const eventObserved: number[] = [];
  for (let saveIndex = 0; saveIndex < saves.length; saveIndex += 1) {
    for (const write of (saves[saveIndex] as SaveRequest).writes) {
      const writeIndex = writes.length;
      const accepted = conditionSet(write.condition);
      targets.push(write.target);
      writes.push(
        `{"s":${saveIndex},"c":${JSON.stringify(write.target.category)},"t":${JSON.stringify(write.target.stream)},` +
          `"e":${accepted.empty},"a":${accepted.anyPosition},"p":[${accepted.positions.join(",")}],"n":${write.events.length}}`,
      );
      for (let index = 0; index < write.events.length; index += 1) {
        const event = write.events[index] as PreparedWrite["events"][number];
        eventWrite.push(writeIndex);
        eventIndex.push(index);
        eventId.push(event.id);
        eventName.push(event.name);
        eventPayload.push(event.payloadJson);
        eventMetadata.push(event.metadataJson);
        eventOccurred.push(event.occurredAt.getTime());
        eventObserved.push(event.observedAt.getTime());
      }
    }
  }
  const text =
    `SELECT * FROM ${context.schema}.append_events($1::bigint[], $2::bigint, $3::integer, $4::json, $5::integer[], $6::integer[], ` +
    "$7::text[], $8::text[], $9::json, $10::json, $11::bigint[], $12::bigint[])";
  const query = {
    name: statementName(text),
    text,
    values: [
      writeLockKeys(context.schemaName, context.guarantee, targets),
      context.sequenceLockKey,
      context.inFlightClass,
      `[${writes.join(",")}]`,
      `{${eventWrite.join(",")}}`,
      `{${eventIndex.join(",")}}`,
      textArrayLiteral(eventId),
      textArrayLiteral(eventName),
      `[${eventPayload.join(",")}]`,
      `[${eventMetadata.join(",")}]`,
      `{${eventOccurred.join(",")}}`,
      `{${eventObserved.join(",")}}`,
    ],
    rowMode: "array" as const,
    types: RAW_TEXT,
  };
  const result = signal === undefined ? await context.pool.query(query) : await cancellableQuery(context.pool, query, signal);
  return result.rows as AppendRow[];
}

async function settle(context: AppendContext, saves: readonly SaveRequest[], rows: readonly AppendRow[]): Promise<SaveSettlement[]> {
  const byWrite = new Map<number, AppendRow>();
  for (const row of rows) byWrite.set(Number(row[0]), row);
  const settlements: (SaveSettlement | undefined)[] = [];
  const seen: number[] = [];
  let writeIndex = 0;
  for (let saveIndex = 0; saveIndex < saves.length; saveIndex += 1) {
    const save = saves[saveIndex] as SaveRequest;
    const outcomes = save.writes.map((_, index) => byWrite.get(writeIndex + index) as AppendRow);
    writeIndex += save.writes.length;
    if (outcomes.some((row) => row[1] === "stored")) {
      seen.push(saveIndex);
      settlements.push(undefined);
      continue;
    }
    const unmet = outcomes.findIndex((row) => row[1] === "unmet");
    if (unmet !== -1) {
      const write = save.writes[unmet] as PreparedWrite;
      const latest = outcomes[unmet]?.[2];
      settlements.push({
        kind: "failed",
        error: new UnmetWriteConditionError(write.target, write.condition, latest == null ? undefined : Number(latest)),
      });
      continue;
    }
    settlements.push({ kind: "stored", events: save.writes.map((write, index) => appended(write, outcomes[index] as AppendRow)) });
  }
  if (seen.length > 0) {
    const replays = await resolveReplays(
      context,
      seen.map((index) => saves[index] as SaveRequest),
    );
    seen.forEach((saveIndex, index) => {
      settlements[saveIndex] = replays[index];
    });
  }
  return settlements as SaveSettlement[];
}

function appended(write: PreparedWrite, row: AppendRow): StoredEvent[] {
  const firstPosition = row[2] === null ? 0 : Number(row[2]) + 1;
  const firstSequenceNumber = row[3] === null ? 0n : BigInt(row[3]);
  return write.events.map((event, index) => ({
    id: event.id,
    name: event.name,
    category: write.target.category,
    stream: write.target.stream,
    position: firstPosition + index,
    sequenceNumber: firstSequenceNumber + BigInt(index),
    payload: JSON.parse(event.payloadJson),
    metadata: JSON.parse(event.metadataJson),
    occurredAt: new Date(event.occurredAt.getTime()),
    observedAt: new Date(event.observedAt.getTime()),
  }));
}

/**
 * Saves some of whose event ids are already stored: the stored events are read
 * (they never change, so what they say stays true) and core's `resolveStoredIds`
 * decides, write by write, between a replay and `DUPLICATE_EVENT_ID`.
 */
async function resolveReplays(context: AppendContext, saves: readonly SaveRequest[]): Promise<SaveSettlement[]> {
  const ids = saves.flatMap((save) => save.writes.flatMap((write) => write.events.map((event) => event.id)));
  const { rows } = await context.pool.query({
    text: `SELECT ${EVENT_COLUMNS} FROM ${context.schema}.events WHERE id = ANY($1::text[])`,
    values: [ids],
    rowMode: "array",
    types: RAW_TEXT,
  });
  const stored = new Map<string, StoredEvent>();
  for (const row of rows as EventRow[]) stored.set(row[1], toStoredEvent(row));
  return saves.map((save): SaveSettlement => {
    try {
      const replayed = save.writes.map((write) => {
        const resolution = resolveStoredIds(write, stored);
        return resolution === "append" ? undefined : resolution;
      });
      return replayed.every((events) => events !== undefined) ? { kind: "stored", events: replayed } : { kind: "replayed", replayed };
    } catch (error) {
      return { kind: "failed", error };
    }
  });
}

function conflictFailure(constraint: "id" | "position" | "sequence", cause: unknown, saves: readonly SaveRequest[]): unknown {
  if (constraint === "id") return new DuplicateEventIdError(conflictingEventId(cause), "is already stored", { cause });
  // Another writer kept appending to the same stream between our reads and our insert: a lost race.
  const write = saves[0]?.writes[0];
  if (write === undefined) return new UnavailableError("concurrent writers kept conflicting", { cause });
  return new UnmetWriteConditionError(write.target, write.condition, undefined, { cause });
}

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
