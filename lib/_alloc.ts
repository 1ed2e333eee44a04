// Buffers and strings for the codec, made the way each engine makes them
// fastest. Internal: not exported by mod.ts.
//
// Output buffers. Measured on Deno 2.9.6: `new Uint8Array(28)` costs ~465 ns,
// a view into a preallocated slab ~27 ns; on Bun the opposite (~11 ns vs
// ~83 ns). So Deno carves small buffers out of a shared slab (as Node's Buffer
// pool does) and other runtimes allocate. A slab is never reused: views handed
// out stay valid.
//
// Strings from bytes (the decoders' address text). Measured on Deno 2.9.6
// (V8) and Bun 1.4.5 (JavaScriptCore), reading every character so that lazy
// work is counted: joining short strings with `+` copies at every step on V8,
// and on both engines a long enough result (V8: 13 characters or more) is a
// rope, copied again on first use ("a" + "." + ... for a dotted quad: ~55 ns
// on V8, ~90 ns on JSC); a TextDecoder call costs ~155 ns on V8, ~105 ns on JSC.
// `String.fromCharCode` with the codes as arguments makes the final flat
// string in one step: ~20 ns for a dotted quad on V8, ~65 ns on JSC. Past 15
// characters (IPv6 only) V8 takes `apply` on an array of the exact length
// (~60 ns for 28 characters); JSC, whose fromCharCode is slow with many
// arguments (~170 ns), a TextDecoder (~110 ns). A dotted quad is the
// exception on JSC: joined from 4 table strings ("192." + "0." + "2." + "10")
// it costs ~78 ns when read, against ~90 ns by fromCharCode (see
// CHEAP_JOINS).

const isJavaScriptCore = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

/**
 * JavaScriptCore (Bun): joining a few strings with `+` is cheaper than
 * `String.fromCharCode` with many arguments, even once the result is read.
 */
export const CHEAP_JOINS: boolean = isJavaScriptCore;

const SLAB_SIZE = 64 * 1024;
const SMALL = 1024;
const useSlab = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

let slab = useSlab ? new ArrayBuffer(SLAB_SIZE) : new ArrayBuffer(0);
let slabOffset = 0;

/** A zero-filled byte array of `length` bytes. */
export function allocate(length: number): Uint8Array {
  if (!useSlab || length > SMALL) return new Uint8Array(length);
  if (slabOffset + length > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabOffset = 0;
  }
  const view = new Uint8Array(slab, slabOffset, length);
  // Keep views 8-byte aligned for DataView users.
  slabOffset += (length + 7) & ~7;
  return view;
}

/** Scratch holding address text as bytes (encoding is synchronous). */
export const TEXT_SCRATCH: Uint8Array = new Uint8Array(64);

/** Copies an ASCII string into {@linkcode TEXT_SCRATCH}; its length, or -1 if too long or not ASCII. */
export function toTextScratch(text: string): number {
  const n = text.length;
  if (n > TEXT_SCRATCH.length) return -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return -1;
    TEXT_SCRATCH[i] = c;
  }
  return n;
}

const fromCharCode = String.fromCharCode;
// The longest text longText serves from `codeArrays` (an IPv6 address).
const LONG_TEXT_MAX = 39;
// For texts longer than the switch in asciiText: one array per length, reused.
const codeArrays: number[][] = [];
for (let n = 0; n <= LONG_TEXT_MAX; n++) {
  const codes: number[] = [];
  // Filled by push, not `new Array(n)`: V8 keeps the array packed, as `apply` wants it.
  for (let i = 0; i < n; i++) codes.push(0);
  codeArrays.push(codes);
}
// JavaScriptCore (Bun) only, see longText.
const decoder = isJavaScriptCore ? new TextDecoder() : null;

/** The string of the `n` ASCII bytes (0x00-0x7F) at `src[at]`: see the notes at the top. */
export function asciiText(src: Uint8Array, at: number, n: number): string {
  const s = src;
  const p = at;
  // deno-fmt-ignore
  switch (n) {
    case 0: return "";
    case 1: return fromCharCode(s[p]);
    case 2: return fromCharCode(s[p], s[p + 1]);
    case 3: return fromCharCode(s[p], s[p + 1], s[p + 2]);
    case 4: return fromCharCode(s[p], s[p + 1], s[p + 2], s[p + 3]);
    case 5: return fromCharCode(s[p], s[p + 1], s[p + 2], s[p + 3], s[p + 4]);
    case 6: return fromCharCode(s[p], s[p + 1], s[p + 2], s[p + 3], s[p + 4], s[p + 5]);
    case 7: return fromCharCode(s[p], s[p + 1], s[p + 2], s[p + 3], s[p + 4], s[p + 5], s[p + 6]);
    case 8: return fromCharCode(s[p], s[p + 1], s[p + 2], s[p + 3], s[p + 4], s[p + 5], s[p + 6],
      s[p + 7]);
    case 9: return fromCharCode(s[p], s[p + 1], s[p + 2], s[p + 3], s[p + 4], s[p + 5], s[p + 6],
      s[p + 7], s[p + 8]);
    case 10: return fromCharCode(s[p], s[p + 1], s[p + 2], s[p + 3], s[p + 4], s[p + 5], s[p + 6],
      s[p + 7], s[p + 8], s[p + 9]);
    case 11: return fromCharCode(s[p], s[p + 1], s[p + 2], s[p + 3], s[p + 4], s[p + 5], s[p + 6],
      s[p + 7], s[p + 8], s[p + 9], s[p + 10]);
    case 12: return fromCharCode(s[p], s[p + 1], s[p + 2], s[p + 3], s[p + 4], s[p + 5], s[p + 6],
      s[p + 7], s[p + 8], s[p + 9], s[p + 10], s[p + 11]);
    case 13: return fromCharCode(s[p], s[p + 1], s[p + 2], s[p + 3], s[p + 4], s[p + 5], s[p + 6],
      s[p + 7], s[p + 8], s[p + 9], s[p + 10], s[p + 11], s[p + 12]);
    case 14: return fromCharCode(s[p], s[p + 1], s[p + 2], s[p + 3], s[p + 4], s[p + 5], s[p + 6],
      s[p + 7], s[p + 8], s[p + 9], s[p + 10], s[p + 11], s[p + 12], s[p + 13]);
    case 15: return fromCharCode(s[p], s[p + 1], s[p + 2], s[p + 3], s[p + 4], s[p + 5], s[p + 6],
      s[p + 7], s[p + 8], s[p + 9], s[p + 10], s[p + 11], s[p + 12], s[p + 13], s[p + 14]);
  }
  return longText(src, at, n);
}

// Past 15 characters: see the notes at the top.
function longText(src: Uint8Array, at: number, n: number): string {
  if (decoder !== null) return decoder.decode(src.subarray(at, at + n));
  if (n > LONG_TEXT_MAX) return fromCharCode.apply(null, Array.from(src.subarray(at, at + n)));
  const codes = codeArrays[n];
  for (let i = 0; i < n; i++) codes[i] = src[at + i];
  return fromCharCode.apply(null, codes);
}
