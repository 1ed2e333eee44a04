// Test-only helpers shared by the *_test.ts files (not exported from mod.ts).

import assert from "node:assert/strict";
import { concatBytes } from "./_bytes.ts";
import type { ErrorCode, Result } from "./errors.ts";

/** US-ASCII / latin-1 text to bytes, one byte per char code (so "\x00" stays one byte). */
export function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** Hex (spaces allowed) to bytes. */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Concatenates byte arrays and plain byte lists. */
export function concat(...parts: (Uint8Array | readonly number[])[]): Uint8Array {
  return concatBytes(parts);
}

/** The v2 signature, written out from §2.2 (independent of lib/v2.ts). */
export const SIG = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

/** A v2 header from its parts: ver/cmd byte, fam byte, body (len is computed). */
export function v2(verCmd: number, fam: number, ...body: (Uint8Array | readonly number[])[]) {
  const rest = concat(...body);
  return concat(SIG, [verCmd, fam, rest.length >> 8, rest.length & 0xff], rest);
}

/** A raw TLV. */
export function tlv(type: number, value: Uint8Array | readonly number[]): Uint8Array {
  return concat([type, value.length >> 8, value.length & 0xff], value);
}

/** Asserts a failed result with this code (and offset, if given). */
export function assertError<T>(r: Result<T>, code: ErrorCode, offset?: number): void {
  assert.equal(r.ok, false, `expected ${code}, got a success`);
  if (r.ok) return;
  assert.equal(r.error.code, code, r.error.message);
  if (offset !== undefined) assert.equal(r.error.offset, offset, `offset of ${code}`);
}

/** Asserts success and returns the value. */
export function assertOk<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(`expected success, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** Rejects if `fn` takes longer than `ms`; the timer never outlives the test. */
export async function bounded<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`test exceeded ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([fn(), limit]);
  } finally {
    clearTimeout(timer);
  }
}
