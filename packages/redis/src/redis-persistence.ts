/**
 * What the Redis node holding a store reports about its durability. An append
 * is acknowledged once it is in that node's memory; whether it survives a crash
 * depends on the settings below (see the README).
 */
export interface RedisPersistence {
  /** Whether the append-only file is on (`appendonly yes`). */
  readonly aofEnabled: boolean;
  /**
   * The fsync policy of the append-only file: `"always"`, `"everysec"` or
   * `"no"`. Read with `CONFIG GET`, so `undefined` when that command is not
   * permitted (managed services often forbid it) or the node's answer is unknown.
   */
  readonly appendfsync: string | undefined;
  /** Whether the last write to the append-only file succeeded (`undefined` without AOF). */
  readonly aofLastWriteOk: boolean | undefined;
  /** When the last RDB snapshot finished, if the node reports one. */
  readonly rdbLastSaveTime: Date | undefined;
  /** Changes since the last RDB snapshot: what a crash would lose without AOF. */
  readonly rdbChangesSinceLastSave: number | undefined;
  /** Whether the last RDB snapshot succeeded. */
  readonly rdbLastSaveOk: boolean | undefined;
  /** Every field of `INFO persistence`, as the node reported it. */
  readonly info: Readonly<Record<string, string>>;
}

/** Reads the `key:value` lines of an `INFO` section. */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line === "" || line.startsWith("#")) continue;
    const colon = line.indexOf(":");
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

/** Builds the persistence report from `INFO persistence` and, when known, the fsync policy. */
export function toPersistence(info: Record<string, string>, appendfsync: string | undefined): RedisPersistence {
  const aofEnabled = info.aof_enabled === "1";
  const number = (value: string | undefined) => (value === undefined || value === "" ? undefined : Number(value));
  const ok = (value: string | undefined) => (value === undefined ? undefined : value === "ok");
  const lastSave = number(info.rdb_last_save_time);
  return {
    aofEnabled,
    appendfsync,
    aofLastWriteOk: aofEnabled ? ok(info.aof_last_write_status) : undefined,
    rdbLastSaveTime: lastSave === undefined ? undefined : new Date(lastSave * 1000),
    rdbChangesSinceLastSave: number(info.rdb_changes_since_last_save),
    rdbLastSaveOk: ok(info.rdb_last_bgsave_status),
    info,
  };
}
