import { randomFillSync } from "node:crypto";

let lastMillis = -1;
let counter = 0;

// Random bytes are drawn in bulk: one system call per 1,024 ids rather than one per id.
const POOL_SIZE = 8 * 1024;
const pool = new Uint8Array(POOL_SIZE);
let poolOffset = POOL_SIZE;

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

function h(byte: number): string {
  return HEX[byte & 0xff] as string;
}

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit counter
 * that keeps ids from one process increasing within a millisecond, then random
 * bits. Ids sort by creation time, which keeps database indexes compact.
 */
export function uuidv7(now: number = Date.now()): string {
  let millis = now;
  if (millis <= lastMillis) {
    millis = lastMillis;
    counter += 1;
    if (counter > 0xfff) {
      // The counter is exhausted within this millisecond: borrow the next one.
      millis += 1;
      counter = 0;
    }
  } else {
    counter = 0;
  }
  lastMillis = millis;

  if (poolOffset + 8 > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const random = pool.subarray(poolOffset, poolOffset + 8);
  poolOffset += 8;

  const high = Math.floor(millis / 2 ** 16);
  const low = millis % 2 ** 16;
  return (
    h(high >>> 24) +
    h(high >>> 16) +
    h(high >>> 8) +
    h(high) +
    "-" +
    h(low >>> 8) +
    h(low) +
    "-" +
    h(0x70 | ((counter >>> 8) & 0x0f)) +
    h(counter) +
    "-" +
    h(0x80 | ((random[0] as number) & 0x3f)) +
    h(random[1] as number) +
    "-" +
    h(random[2] as number) +
    h(random[3] as number) +
    h(random[4] as number) +
    h(random[5] as number) +
    h(random[6] as number) +
    h(random[7] as number)
  );
}
