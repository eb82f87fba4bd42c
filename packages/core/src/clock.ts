/** Where the store reads the time. Inject one to make tests deterministic. */
export interface Clock {
  now(): Date;
}

/** The system clock. */
export const systemClock: Clock = { now: () => new Date() };
