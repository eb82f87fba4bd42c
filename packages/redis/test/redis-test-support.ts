import { randomUUID } from "node:crypto";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { Cluster, Redis } from "ioredis";
import { RedisKeys } from "../src/redis-keys.js";

/** The Redis the tests talk to. */
export const REDIS_URL = process.env.CHRONICLE_REDIS_URL ?? "redis://127.0.0.1:6379";

/**
 * The logical database the projection tests use (`CHRONICLE_REDIS_PROJECTION_DB`,
 * default 15) on the server at `REDIS_URL`. Their oracle reads everything a
 * store persisted with SCAN, which walks the whole database: kept apart from
 * the keys other tests leave on a shared server, that walk stays short.
 */
export const PROJECTION_TEST_DB = Number(process.env.CHRONICLE_REDIS_PROJECTION_DB ?? 15);

/** The nodes of the local Redis Cluster (`bash .ci/redis-cluster start`). */
export const CLUSTER_NODES = (process.env.CHRONICLE_REDIS_CLUSTER_NODES ?? "127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003")
  .split(",")
  .map((node) => {
    const [host = "127.0.0.1", port = "6379"] = node.trim().split(":");
    return { host, port: Number(port) };
  });

/** What every key prefix of this test file starts with, so one SCAN finds all its keys afterwards. */
const RUN = `chronicle-test:${randomUUID()}:`;
let prefixes = 0;

/** A key prefix no other test uses. */
export function uniquePrefix(label = "test"): string {
  prefixes += 1;
  return `${RUN}${label}:${prefixes}:`;
}

/** The key prefix of a named test (the same for every adapter it creates). */
export function namedPrefix(name: string): string {
  return `${RUN}${name}:`;
}

/**
 * A client for the local Redis that fails fast instead of retrying for long,
 * and rejects with a message naming the URL when Redis is unreachable.
 */
export async function connectRedis(): Promise<Redis> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw new Error(`Redis is unreachable at ${REDIS_URL} (set CHRONICLE_REDIS_URL): ${String(error)}`, { cause: error });
  }
  return client;
}

/** Deletes every key this test file's stores wrote, on every master node of a cluster. */
export async function deleteTestKeys(client: Redis | Cluster): Promise<void> {
  const nodes = client instanceof Cluster ? client.nodes("master") : [client];
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", `{${RUN}*`, "COUNT", 1000);
      cursor = next;
      // Keys of different stores sit in different cluster slots, so a cluster deletes them one by one.
      if (keys.length > 0) await (client instanceof Cluster ? Promise.all(keys.map((key) => client.unlink(key))) : node.unlink(...keys));
    } while (cursor !== "0");
  }
}

/** Every key of the store under `keyPrefix` on a single node. */
export async function storeKeys(client: Redis, keyPrefix: string): Promise<string[]> {
  const pattern = new RedisKeys(keyPrefix).pattern();
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, found] = await client.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== "0");
  return keys.sort();
}

/**
 * A TCP proxy in front of the local Redis that a test can cut (every
 * connection dropped, new ones refused) and restore: a network outage on demand.
 */
export interface OutageProxy {
  readonly port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Starts an `OutageProxy` on a free loopback port. */
export async function startOutageProxy(): Promise<OutageProxy> {
  const target = new URL(REDIS_URL);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => socket.destroy());
    }
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const stop = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return { port, cut: stop, restore: () => listen(port), close: async () => (server.listening ? stop() : undefined) };
}

/**
 * Whether the local Redis Cluster answers with `cluster_state:ok` on every
 * node; the reason when it does not.
 */
export async function probeCluster(): Promise<{ ok: true } | { ok: false; reason: string }> {
  for (const node of CLUSTER_NODES) {
    const client = new Redis({ ...node, lazyConnect: true, connectTimeout: 1000, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on("error", () => {});
    try {
      await client.connect();
      const info = String(await client.cluster("INFO"));
      if (!info.includes("cluster_state:ok")) return { ok: false, reason: `${node.host}:${node.port} reports ${info.split(/\r?\n/)[0]}` };
    } catch (error) {
      return { ok: false, reason: `${node.host}:${node.port}: ${error instanceof Error ? error.message : String(error)}` };
    } finally {
      client.disconnect();
    }
  }
  return { ok: true };
}

/** Connects to the local Redis Cluster. */
export function connectCluster(): Cluster {
  return new Cluster(CLUSTER_NODES, { redisOptions: { maxRetriesPerRequest: 1 } });
}

/**
 * Why the cluster tests cannot run, or `undefined` when they can. Under CI an
 * unreachable cluster is an error, so a broken setup never passes as skipped.
 */
export async function clusterUnavailableReason(): Promise<string | undefined> {
  const probe = await probeCluster();
  if (probe.ok) return undefined;
  const message = `the local Redis Cluster is unreachable (${probe.reason}); start it with \`bash .ci/redis-cluster start\` or set CHRONICLE_REDIS_CLUSTER_NODES`;
  if (process.env.CI) throw new Error(message);
  console.warn(`Skipping the Redis Cluster tests: ${message}`);
  return message;
}
