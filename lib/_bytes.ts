// Byte helpers shared by lib/, cli/ and conformance/. Internal: not exported by mod.ts.

/**
 * One new array holding `parts` (byte arrays or plain byte lists) one after the other.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { concatBytes } from "./_bytes.ts";
 * assert.deepEqual(concatBytes([new Uint8Array([1]), [2, 3]]), new Uint8Array([1, 2, 3]));
 * assert.deepEqual(concatBytes([]), new Uint8Array(0));
 * ```
 */
export function concatBytes(parts: readonly (Uint8Array | readonly number[])[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// Byte -> two lowercase hex digits.
const HEX_BYTE: readonly string[] = Array.from(
  { length: 256 },
  (_, i) => (i < 16 ? "0" : "") + i.toString(16),
);

/**
 * Lowercase hex of `bytes`, no separators (JSON `hex` fields, reports, reproduce commands).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toHex } from "./_bytes.ts";
 * assert.equal(toHex(new Uint8Array([0x0d, 0x0a, 0x00, 0xff])), "0d0a00ff");
 * assert.equal(toHex(new Uint8Array(0)), "");
 * ```
 */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX_BYTE[bytes[i]!];
  return out;
}
