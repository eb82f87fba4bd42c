import type { PostgresPool, PostgresQuery } from "./postgres-options.js";

/**
 * Runs `query` on a connection of its own, so that aborting `signal` can cancel
 * exactly that query (`pg_cancel_backend` of its server process) without
 * touching other work. A cancelled statement rolls back, so it rejects with the
 * signal's reason and nothing it did stays; a statement that finished before the
 * cancel arrived resolves as usual. A connection that saw a cancel is closed
 * rather than reused, so a late cancel cannot hit someone else's query.
 */
export async function cancellableQuery(
  pool: PostgresPool,
  query: PostgresQuery,
  signal: AbortSignal,
  // biome-ignore lint/suspicious/noExplicitAny: rows are whatever the query selects.
): Promise<{ rows: any[] }> {
  signal.throwIfAborted();
  const client = await pool.connect();
  let cancelRequested = false;
  let failure: unknown;
  const cancel = async (processId: number) => {
    cancelRequested = true;
    await pool.query({ text: "SELECT pg_cancel_backend($1::integer)", values: [processId] }).catch(() => undefined);
  };
  let onAbort: (() => void) | undefined;
  try {
    const processId = client.processID ?? Number((await client.query({ text: "SELECT pg_backend_pid() AS pid" })).rows[0].pid);
    signal.throwIfAborted();
    onAbort = () => void cancel(processId);
    signal.addEventListener("abort", onAbort, { once: true });
    return await client.query(query);
  } catch (error) {
    failure = error;
    // Whatever failed, the statement rolled back: the abort is the reason to report.
    if (signal.aborted) throw signal.reason;
    throw error;
  } finally {
    if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
    client.release(cancelRequested || failure !== undefined ? true : undefined);
  }
}
