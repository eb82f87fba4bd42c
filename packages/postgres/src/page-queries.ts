import { type EventTarget, latestPageQuery, type ScanPageQuery, type SerialisationGuarantee } from "@chronicle/core";
import { EVENT_COLUMNS } from "./event-rows.js";

/**
 * Whether reads of `target` must hide rows that writers still in flight might
 * commit lower sequence numbers before. Writes are serialised within the
 * guarantee's scope, so reads of that scope or a narrower one see commits in
 * sequence order; reads of a wider scope are gated.
 */
export function needsVisibilityGate(guarantee: SerialisationGuarantee, target: EventTarget): boolean {
  if (target.type === "stream") return false;
  if (guarantee === "log") return false;
  if (guarantee === "category") return target.type === "log";
  return true;
}

/** A read as SQL. A gated read's rows start with one extra column (see `visibilityGate`). */
export interface ReadQuery {
  readonly text: string;
  readonly values: unknown[];
  readonly gated: boolean;
}

/**
 * Wraps a read so that it only returns rows no writer still in flight can be
 * followed by. Writers hold an advisory lock keyed on (the schema's class, their
 * transaction id) from before they draw sequence numbers until they commit, and
 * they draw numbers in transaction id order. So rows of transactions older than
 * every such writer running at this statement's snapshot are safe, and all rows
 * are when there is none; unrelated long transactions hold nothing back. A
 * transaction that was running at the snapshot but has ended by the time the
 * locks are read might have been such a writer, so it holds rows back too, but
 * only for this statement: the first column says so, and the caller asks again.
 */
function gatedRead(inner: (horizon: string) => string, parameter: (value: unknown) => string, inFlightClass: number): string {
  return `WITH gate AS MATERIALIZED (
      SELECT min(running.xid) FILTER (WHERE running.writing) AS writing, min(running.xid) FILTER (WHERE NOT running.writing) AS ended
      FROM (
        SELECT xip.xid, (xip.xid::text::bigint % 4294967296)::oid IN (
          SELECT objid FROM pg_locks
          WHERE locktype = 'advisory' AND classid = ${parameter(inFlightClass)}::integer::oid AND objsubid = 2
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS writing
        FROM pg_snapshot_xip(pg_current_snapshot()) AS xip(xid)
      ) AS running
      WHERE running.writing OR pg_xact_status(running.xid) <> 'in progress'
    )
    SELECT gate.ended IS NOT NULL AND (gate.writing IS NULL OR gate.ended < gate.writing) AS held_back_by_ended, page.*
    FROM gate LEFT JOIN LATERAL (${inner("coalesce(least(gate.writing, gate.ended), pg_snapshot_xmax(pg_current_snapshot()))")}) AS page ON true`;
}

/** A page of events as one keyset query on indexed columns: the sequence number, or the position within a stream. */
export function pageQuery(schema: string, query: ScanPageQuery, inFlightClass: number | undefined): ReadQuery {
  const values: unknown[] = [];
  const parameter = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const where = targetFilter(query.target, parameter);
  if (query.after !== undefined) where.push(`sequence_number > ${parameter(query.after.toString())}::bigint`);
  if (query.before !== undefined) where.push(`sequence_number < ${parameter(query.before.toString())}::bigint`);
  if (query.fromPosition !== undefined) where.push(`position >= ${parameter(query.fromPosition)}::integer`);
  if (query.toPosition !== undefined) where.push(`position <= ${parameter(query.toPosition)}::integer`);
  if (query.names !== undefined) where.push(`name = ANY(${parameter(query.names)}::text[])`);
  // Within a stream, position order is sequence order, and (category, stream, position) is indexed.
  const order = query.target.type === "stream" ? "position" : "sequence_number";
  const direction = query.direction === "forwards" ? "ASC" : "DESC";
  const limit = parameter(query.limit);
  const select = (horizon?: string) =>
    `SELECT ${EVENT_COLUMNS} FROM ${schema}.events` +
    whereClause(horizon === undefined ? where : [...where, `transaction_id < ${horizon}`]) +
    ` ORDER BY ${order} ${direction} LIMIT ${limit}::integer`;
  if (inFlightClass === undefined) return { text: select(), values, gated: false };
  return { text: gatedRead(select, parameter, inFlightClass), values, gated: true };
}

/** The newest event of a target. */
export function latestQuery(schema: string, target: EventTarget, inFlightClass: number | undefined): ReadQuery {
  return pageQuery(schema, latestPageQuery(target), inFlightClass);
}

function targetFilter(target: EventTarget, parameter: (value: unknown) => string): string[] {
  if (target.type === "category") return [`category = ${parameter(target.category)}::text`];
  if (target.type === "stream") return [`category = ${parameter(target.category)}::text`, `stream = ${parameter(target.stream)}::text`];
  return [];
}

function whereClause(conditions: readonly string[]): string {
  return conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "";
}
