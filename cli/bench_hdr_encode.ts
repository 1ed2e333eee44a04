/**
 * HdrHistogram's compressed histogram encoding (V2: ZigZag LEB128 counts, runs of zeros as
 * negative numbers, zlib-deflated, base64), the `Interval_Compressed_Histogram` column of an
 * interval log. Written here on node:zlib rather than taken from hdr-histogram-js, whose import
 * alone (it loads pako and a WebAssembly build) adds about 16 MiB to every `ppcat bench` process.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { deflateSync } from "node:zlib";
import type { HdrHistogram } from "../lib/bench/hdr_histogram.ts";

/** V2 encoding cookies, with the word size nibble 0x10 (ZigZag LEB128 counts). */
const V2_COOKIE = 0x1c849303 | 0x10;
const V2_COMPRESSED_COOKIE = 0x1c849304 | 0x10;

/** Appends `value` ZigZag LEB128 encoded (HdrHistogram's 64-bit, 9-byte form). */
function putZigZag(out: number[], value: number): void {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  for (let i = 0; i < 8; i++) {
    if (v < 128) {
      out.push(v);
      return;
    }
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v & 0xff);
}

/**
 * `h` in HdrHistogram's compressed base64 form, as its `encodeIntoCompressedBase64` writes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createHistogram, recordValue } from "../lib/bench/hdr_histogram.ts";
 * import { encodeCompressedBase64 } from "./bench_hdr_encode.ts";
 * const h = createHistogram();
 * recordValue(h, 1500);
 * const bytes = Uint8Array.from(atob(encodeCompressedBase64(h)), (c) => c.charCodeAt(0));
 * assert.equal(new DataView(bytes.buffer).getUint32(0), 0x1c849314);
 * ```
 */
export function encodeCompressedBase64(h: HdrHistogram): string {
  // lib/bench/hdr_histogram.ts keeps its counts in HdrHistogram's own layout (lowest
  // discernible value 1), so index i here is index i there: the array is written as it is.
  const counts = h.counts;
  let last = counts.length - 1;
  while (last >= 0 && counts[last] === 0) last--;
  const payload: number[] = [];
  let zeros = 0;
  const flushZeros = () => {
    if (zeros === 1) putZigZag(payload, 0);
    else if (zeros > 1) putZigZag(payload, -zeros);
    zeros = 0;
  };
  for (let i = 0; i <= last; i++) {
    const c = counts[i]!;
    if (c === 0) zeros++;
    else {
      flushZeros();
      putZigZag(payload, c);
    }
  }
  const header = new DataView(new ArrayBuffer(40));
  header.setInt32(0, V2_COOKIE);
  header.setInt32(4, payload.length);
  header.setInt32(8, 1); // normalizing index offset
  header.setInt32(12, h.digits);
  header.setBigInt64(16, 1n); // lowest discernible value
  header.setBigInt64(24, BigInt(h.highest));
  header.setFloat64(32, 1); // integer to double conversion ratio
  const raw = new Uint8Array(40 + payload.length);
  raw.set(new Uint8Array(header.buffer), 0);
  raw.set(payload, 40);
  const compressed = deflateSync(raw);
  const out = new Uint8Array(8 + compressed.length);
  const view = new DataView(out.buffer);
  view.setInt32(0, V2_COMPRESSED_COOKIE);
  view.setInt32(4, compressed.length);
  out.set(compressed, 8);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength).toString("base64");
}
