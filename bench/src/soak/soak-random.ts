/** A small seeded random source (mulberry32), so a soak run can be repeated with `--seed`. */
export interface SoakRandom {
  /** A number in [0, 1). */
  next(): number;
  /** An integer in [0, bound). */
  below(bound: number): number;
  /** One element of a non-empty list. */
  pick<T>(list: readonly T[]): T;
  /** A number of milliseconds in [min, max). */
  between(min: number, max: number): number;
}

/** A random source seeded with `seed`. */
export function soakRandom(seed: number): SoakRandom {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    below: (bound) => Math.floor(next() * bound),
    pick: (list) => list[Math.floor(next() * list.length)] as (typeof list)[number],
    between: (min, max) => min + next() * (max - min),
  };
}
