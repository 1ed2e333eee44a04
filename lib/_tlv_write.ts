// Writing TLVs into a header buffer, shared by encodeTlvs (tlv.ts) and the v2
// encoder. Internal: not exported by mod.ts.

import type { Tlv } from "./header.ts";

// §2.2: type (1 byte) and length (2 bytes) before each value.
const TLV_HEADER_LENGTH = 3;

// Values up to this size are copied byte by byte: `set` has a fixed cost that a
// short loop undercuts (figures: docs/bench.md).
const SMALL_COPY = 16;

/**
 * Writes the TLVs at out[at] (§2.2: type byte, big-endian 2-byte length,
 * value) and returns the offset just past them. No checks: the callers have
 * checked every type, size and the room in `out`.
 */
export function writeTlvs(tlvs: readonly Tlv[], out: Uint8Array, at: number): number {
  let p = at;
  for (const { type, value } of tlvs) {
    out[p] = type;
    out[p + 1] = value.length >>> 8;
    out[p + 2] = value.length & 0xff;
    p += TLV_HEADER_LENGTH;
    if (value.length > SMALL_COPY) {
      out.set(value, p);
    } else {
      for (let j = 0; j < value.length; j++) out[p + j] = value[j]!;
    }
    p += value.length;
  }
  return p;
}
