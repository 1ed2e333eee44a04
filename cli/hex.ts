/**
 * Hex text from the command line, read leniently (whitespace and ':' between
 * digits). Bytes are written as hex by toHex in lib/_bytes.ts.
 *
 * @module
 */

/** Parsed bytes, or a one-line reason. */
export type HexResult =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly message: string };

function nibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  c |= 0x20;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

function isSeparator(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x3a;
}

/**
 * Parses hex digits (either case); spaces, tabs, newlines and ':' may separate them
 * anywhere. An odd number of digits or any other character is an error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHex } from "./hex.ts";
 * assert.deepEqual(parseHex("0d:0A 00"), { ok: true, bytes: new Uint8Array([13, 10, 0]) });
 * assert.equal(parseHex("abc").ok, false);
 * assert.equal(parseHex("zz").ok, false);
 * ```
 */
export function parseHex(text: string): HexResult {
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSeparator(c)) continue;
    if (nibble(c) < 0) {
      const ch = String.fromCodePoint(text.codePointAt(i) ?? c);
      return { ok: false, message: `not a hex digit: ${JSON.stringify(ch)} at position ${i}` };
    }
    digits++;
  }
  if (digits % 2 !== 0) {
    return { ok: false, message: `odd number of hex digits (${digits})` };
  }
  const bytes = new Uint8Array(digits / 2);
  let high = -1;
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSeparator(c)) continue;
    const n = nibble(c);
    if (high < 0) {
      high = n;
    } else {
      bytes[at++] = (high << 4) | n;
      high = -1;
    }
  }
  return { ok: true, bytes };
}
