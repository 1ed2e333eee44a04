/**
 * CRC32C (Castagnoli): the checksum of the PP2_TYPE_CRC32C TLV (§2.2.3), computed
 * as described in RFC 4960 appendix B (reflected polynomial 0x82F63B78, initial
 * value 0xFFFFFFFF, final XOR 0xFFFFFFFF).
 *
 * Slicing-by-8: eight 256-entry tables, built once when the module loads, let the
 * main loop consume 8 bytes per step. The incremental API
 * ({@linkcode crc32cUpdate}, {@linkcode crc32cZeros}, {@linkcode crc32cFinish})
 * lets the v2 decoder checksum a header whose 4 CRC bytes count as zeros
 * (§2.2.3) without copying the header.
 *
 * @module
 */

/** Reflected CRC32C polynomial (RFC 4960 appendix B, RFC 3720 §12.1). */
const POLYNOMIAL = 0x82f63b78;

function firstTable(): Int32Array {
  const t0 = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    t0[n] = c;
  }
  return t0;
}

// T[k][n] is the CRC contribution of byte n followed by k zero bytes: one more zero byte than
// `prev`.
function nextTable(t0: Int32Array, prev: Int32Array): Int32Array {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) t[n] = t0[prev[n]! & 0xff]! ^ (prev[n]! >>> 8);
  return t;
}

const T0 = firstTable();
const T1 = nextTable(T0, T0);
const T2 = nextTable(T0, T1);
const T3 = nextTable(T0, T2);
const T4 = nextTable(T0, T3);
const T5 = nextTable(T0, T4);
const T6 = nextTable(T0, T5);
const T7 = nextTable(T0, T6);

/**
 * The state to start a checksum from (RFC 4960 appendix B: the register starts
 * as all ones).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CRC32C_INIT, crc32cFinish } from "./crc32c.ts";
 * assert.equal(crc32cFinish(CRC32C_INIT), 0); // the checksum of no bytes
 * ```
 */
export const CRC32C_INIT = 0xffffffff;

/**
 * Feeds `data[start, end)` into a running checksum and returns the new state
 * (an unsigned 32-bit number). Start from {@linkcode CRC32C_INIT}, end with
 * {@linkcode crc32cFinish}. Reads the bytes in place: no copy, no allocation.
 *
 * @throws {RangeError} when `start` and `end` are not integers with
 *   `0 <= start <= end <= data.length` (a caller bug, not bad input).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CRC32C_INIT, crc32cFinish, crc32cUpdate } from "./crc32c.ts";
 * const bytes = new TextEncoder().encode("123456789");
 * let state = crc32cUpdate(CRC32C_INIT, bytes, 0, 4);
 * state = crc32cUpdate(state, bytes, 4, bytes.length);
 * assert.equal(crc32cFinish(state), 0xe3069283);
 * ```
 */
export function crc32cUpdate(state: number, data: Uint8Array, start: number, end: number): number {
  if (!(start >>> 0 === start && end >>> 0 === end && start <= end && end <= data.length)) {
    throw new RangeError(
      `crc32cUpdate range [${start}, ${end}) is not within a ${data.length}-byte buffer`,
    );
  }
  let c = state | 0;
  let i = start;
  const end8 = end - ((end - start) & 7);
  while (i < end8) {
    const lo = c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    c = T7[lo & 0xff]! ^ T6[(lo >>> 8) & 0xff]! ^ T5[(lo >>> 16) & 0xff]! ^ T4[lo >>> 24]! ^
      T3[data[i + 4]!]! ^ T2[data[i + 5]!]! ^ T1[data[i + 6]!]! ^ T0[data[i + 7]!]!;
    i += 8;
  }
  while (i < end) c = T0[(c ^ data[i++]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

/**
 * Feeds `count` zero bytes into a running checksum, as if
 * {@linkcode crc32cUpdate} had been called on that many zeros. §2.2.3: the
 * receiver checksums the header with the 4 bytes of the CRC32C value replaced by
 * zeros.
 *
 * @throws {RangeError} when `count` is not a non-negative integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CRC32C_INIT, crc32c, crc32cFinish, crc32cUpdate, crc32cZeros } from "./crc32c.ts";
 * // A 6-byte "header" whose bytes 1..4 hold a checksum to be ignored.
 * const header = new Uint8Array([0x0d, 0xde, 0xad, 0xbe, 0xef, 0x0a]);
 * let state = crc32cUpdate(CRC32C_INIT, header, 0, 1);
 * state = crc32cZeros(state, 4);
 * state = crc32cUpdate(state, header, 5, 6);
 * assert.equal(crc32cFinish(state), crc32c(new Uint8Array([0x0d, 0, 0, 0, 0, 0x0a])));
 * ```
 */
export function crc32cZeros(state: number, count: number): number {
  if (!(Number.isSafeInteger(count) && count >= 0)) {
    throw new RangeError(`crc32cZeros count ${count} is not a non-negative integer`);
  }
  let c = state | 0;
  let n = count;
  // Eight zero bytes at once: the T3..T0 terms of the main loop vanish (T[0] = 0).
  while (n >= 8) {
    c = T7[c & 0xff]! ^ T6[(c >>> 8) & 0xff]! ^ T5[(c >>> 16) & 0xff]! ^ T4[c >>> 24]!;
    n -= 8;
  }
  while (n > 0) {
    c = T0[c & 0xff]! ^ (c >>> 8);
    n--;
  }
  return c >>> 0;
}

/**
 * Turns a running state into the checksum: `(~state) >>> 0` (RFC 4960
 * appendix B: the final register is complemented).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { crc32cFinish } from "./crc32c.ts";
 * assert.equal(crc32cFinish(0xffffffff), 0);
 * assert.equal(crc32cFinish(0), 0xffffffff);
 * ```
 */
export function crc32cFinish(state: number): number {
  return (~state) >>> 0;
}

/**
 * One-shot CRC32C of a whole buffer, as an unsigned 32-bit number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { crc32c } from "./crc32c.ts";
 * // The standard check value of CRC-32C.
 * assert.equal(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
 * ```
 */
export function crc32c(data: Uint8Array): number {
  return crc32cFinish(crc32cUpdate(CRC32C_INIT, data, 0, data.length));
}
