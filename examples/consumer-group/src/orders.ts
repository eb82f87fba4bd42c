/** The events of the "orders" category. */
export interface OrderEvents {
  "order-placed": { total: number };
  "order-paid": { amount: number };
  "order-shipped": { carrier: string };
  "order-delivered": Record<string, never>;
}

/**
 * The members' lease: a member that has not renewed it for this long is
 * presumed dead and its shares go to the others. Short here so the example
 * runs quickly; the default is 10 000 ms.
 */
export const LEASE_MS = 2_000;

/** What a member process prints for main.ts, one JSON line each. */
export type MemberReport =
  | { ready: true }
  | { shares: number[] }
  | { handled: { stream: string; name: string; sequenceNumber: string; share: number; epoch: number } };
