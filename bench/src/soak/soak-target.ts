import type { EventStore } from "@chronicle/core";
import type { SoakOutcome } from "./soak-checks.js";
import type { SoakRandom } from "./soak-random.js";

/** An adapter under soak: the store the writers and readers use, and how to hurt it. */
export interface SoakTarget {
  /** The store the writers and tailing readers share. */
  readonly store: EventStore;
  /** What the fault injector does, for the report; `undefined` when it injects none. */
  readonly faults: string | undefined;
  /** Starts injecting faults until `stop()` is called. */
  startFaults(random: SoakRandom): FaultInjector;
  /** A store over the same storage through a connection of its own, for the final reads. */
  openVerifier(): Promise<{ readonly store: EventStore; close(): Promise<void> }>;
  /** Closes everything and removes the storage the run created. */
  close(): Promise<void>;
}

/** A running fault injector. */
export interface FaultInjector {
  /** Stops injecting (and stops any process it runs); resolves with what it did. */
  stop(): Promise<FaultReport>;
}

/** What a fault injector did. */
export interface FaultReport {
  /** Faults injected. */
  readonly injected: number;
  /** Further counts worth reporting, by label. */
  readonly counts: Readonly<Record<string, number>>;
  /** Writes made by other processes (the SQLite second writer), with their outcomes as those processes saw them. */
  readonly outcomes: readonly SoakOutcome[];
  /** What went wrong in the injector itself, such as a process that died on its own. */
  readonly incidents: readonly string[];
}

/** The injector of a target that injects no faults. */
export const NO_FAULTS: FaultInjector = {
  stop: async () => ({ injected: 0, counts: {}, outcomes: [], incidents: [] }),
};

/**
 * Runs `inject` every `minMs`–`maxMs` until stopped; `inject` resolves with the
 * number of faults it caused. Failures of the injection itself are incidents.
 */
export function injectPeriodically(
  random: SoakRandom,
  minMs: number,
  maxMs: number,
  inject: () => Promise<number>,
): { stop(): Promise<{ injected: number; rounds: number; incidents: string[] }> } {
  let stopped = false;
  let wake: (() => void) | undefined;
  let injected = 0;
  let rounds = 0;
  const incidents: string[] = [];
  const loop = (async () => {
    while (!stopped) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, random.between(minMs, maxMs));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (stopped) break;
      rounds += 1;
      try {
        injected += await inject();
      } catch (error) {
        incidents.push(`the fault injector failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      return { injected, rounds, incidents };
    },
  };
}
