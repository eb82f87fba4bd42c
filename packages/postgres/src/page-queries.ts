import type { EventTarget, ScanPageQuery, SerialisationGuarantee } from "@chronicle/core";
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

/**
 * Keeps only rows that no writer still in flight can be followed by. Writers hold an
 * advisory lock keyed on (the schema's class, their transaction id) from before they
 * draw sequence numbers until they commit, and draw numbers in transaction id order.
 * So rows of transactions older than every in-flight writer of this schema that was
 * running at this statement's snapshot are safe; so is everything when there is none.
 * A transaction that was running at the snapshot but has ended since might have been
 * such a writer, so it counts too. Unrelated long transactions hold nothing back.
 */
function visibilityGate(parameter: (value: unknown) => string, inFlightClass: number): string {
  return `transaction_id < (
    SELECT coalesce(min(running.xid), pg_snapshot_xmax(pg_current_snapshot()))
    FROM pg_snapshot_xip(pg_current_snapshot()) AS running(xid)
    WHERE pg_xact_status(running.xid) <> 'in progress'
       OR (running.xid::text::bigint % 4294967296)::oid IN (
         SELECT objid FROM pg_locks
         WHERE locktype = 'advisory' AND classid = ${parameter(inFlightClass)}::integer::oid AND objsubid = 2
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())))`;
}

/** A page of events as one keyset query on indexed columns: the sequence number, or the position within a stream. */
export function pageQuery(schema: string, query: ScanPageQuery, gate: number | undefined): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const where: string[] = [];
  const parameter = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  addTargetFilter(query.target, where, parameter);
  if (query.after !== undefined) where.push(`sequence_number > ${parameter(query.after.toString())}::bigint`);
  if (query.before !== undefined) where.push(`sequence_number < ${parameter(query.before.toString())}::bigint`);
  if (query.fromPosition !== undefined) where.push(`position >= ${parameter(query.fromPosition)}::integer`);
  if (query.toPosition !== undefined) where.push(`position <= ${parameter(query.toPosition)}::integer`);
  if (query.names !== undefined) where.push(`name = ANY(${parameter(query.names)}::text[])`);
  if (gate !== undefined) where.push(visibilityGate(parameter, gate));
  // Within a stream, position order is sequence order, and (category, stream, position) is indexed.
  const order = query.target.type === "stream" ? "position" : "sequence_number";
  const direction = query.direction === "forwards" ? "ASC" : "DESC";
  return {
    text:
      `SELECT ${EVENT_COLUMNS} FROM ${schema}.events` +
      (where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "") +
      ` ORDER BY ${order} ${direction} LIMIT ${parameter(query.limit)}::integer`,
    values,
  };
}

/** The newest event of a target. */
export function latestQuery(schema: string, target: EventTarget, gate: number | undefined): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const where: string[] = [];
  const parameter = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  addTargetFilter(target, where, parameter);
  if (gate !== undefined) where.push(visibilityGate(parameter, gate));
  const order = target.type === "stream" ? "position" : "sequence_number";
  return {
    text: `SELECT ${EVENT_COLUMNS} FROM ${schema}.events${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY ${order} DESC LIMIT 1`,
    values,
  };
}

function addTargetFilter(target: EventTarget, where: string[], parameter: (value: unknown) => string): void {
  if (target.type === "category") where.push(`category = ${parameter(target.category)}::text`);
  if (target.type === "stream") {
    where.push(`category = ${parameter(target.category)}::text`);
    where.push(`stream = ${parameter(target.stream)}::text`);
  }
}
