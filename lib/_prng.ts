/**
 * A small seeded pseudo-random generator (mulberry32), so property tests and
 * the fuzzer's random mode are reproducible from a seed.
 *
 * @module
 */

/** A seeded source of pseudo-random numbers. */
export interface Prng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** `length` pseudo-random bytes. */
  bytes(length: number): Uint8Array;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
}

/**
 * Creates a generator from a 32-bit seed. The same seed always gives the
 * same sequence, on every runtime.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createPrng } from "./_prng.ts";
 * const a = createPrng(42);
 * const b = createPrng(42);
 * assert.deepEqual([a.int(1000), a.int(1000)], [b.int(1000), b.int(1000)]);
 * assert.ok(a.next() >= 0 && a.next() < 1);
 * assert.equal(createPrng(7).bytes(5).length, 5);
 * ```
 */
export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    bytes(length) {
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i++) out[i] = int(256);
      return out;
    },
    pick(items) {
      const item = items[int(items.length)];
      if (item === undefined) throw new RangeError("pick: no items");
      return item;
    },
  };
}
