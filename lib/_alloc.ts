// Strings for the codec, made the way each engine makes them fastest.
// Internal: not exported by mod.ts.
//
// Strings from bytes (the decoders' address text): joining short strings with
// `+` copies at every step on V8, and on both engines a long enough result is
// a rope, copied again on first use; a TextDecoder call has a fixed cost that
// dominates short texts. `String.fromCharCode` with the codes as arguments
// makes the final flat string in one step. Past 15 characters (IPv6 only) V8
// takes `apply` on an array of the exact length; JavaScriptCore, whose
// fromCharCode is slow with many arguments, a TextDecoder. A dotted quad is the
// exception on JavaScriptCore: joined from 4 table strings it is cheaper, even
// once read (see CHEAP_JOINS). Figures: docs/bench.md.

const isJavaScriptCore = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

/**
 * JavaScriptCore (Bun): joining a few strings with `+` is cheaper than
 * `String.fromCharCode` with many arguments, even once the result is read.
 */
export const CHEAP_JOINS: boolean = isJavaScriptCore;

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
    case 1: return fromCharCode(s[p]!);
    case 2: return fromCharCode(s[p]!, s[p + 1]!);
    case 3: return fromCharCode(s[p]!, s[p + 1]!, s[p + 2]!);
    case 4: return fromCharCode(s[p]!, s[p + 1]!, s[p + 2]!, s[p + 3]!);
    case 5: return fromCharCode(s[p]!, s[p + 1]!, s[p + 2]!, s[p + 3]!, s[p + 4]!);
    case 6: return fromCharCode(s[p]!, s[p + 1]!, s[p + 2]!, s[p + 3]!, s[p + 4]!, s[p + 5]!);
    case 7: return fromCharCode(s[p]!, s[p + 1]!, s[p + 2]!, s[p + 3]!, s[p + 4]!, s[p + 5]!, s[p + 6]!);
    case 8: return fromCharCode(s[p]!, s[p + 1]!, s[p + 2]!, s[p + 3]!, s[p + 4]!, s[p + 5]!, s[p + 6]!,
      s[p + 7]!);
    case 9: return fromCharCode(s[p]!, s[p + 1]!, s[p + 2]!, s[p + 3]!, s[p + 4]!, s[p + 5]!, s[p + 6]!,
      s[p + 7]!, s[p + 8]!);
    case 10: return fromCharCode(s[p]!, s[p + 1]!, s[p + 2]!, s[p + 3]!, s[p + 4]!, s[p + 5]!, s[p + 6]!,
      s[p + 7]!, s[p + 8]!, s[p + 9]!);
    case 11: return fromCharCode(s[p]!, s[p + 1]!, s[p + 2]!, s[p + 3]!, s[p + 4]!, s[p + 5]!, s[p + 6]!,
      s[p + 7]!, s[p + 8]!, s[p + 9]!, s[p + 10]!);
    case 12: return fromCharCode(s[p]!, s[p + 1]!, s[p + 2]!, s[p + 3]!, s[p + 4]!, s[p + 5]!, s[p + 6]!,
      s[p + 7]!, s[p + 8]!, s[p + 9]!, s[p + 10]!, s[p + 11]!);
    case 13: return fromCharCode(s[p]!, s[p + 1]!, s[p + 2]!, s[p + 3]!, s[p + 4]!, s[p + 5]!, s[p + 6]!,
      s[p + 7]!, s[p + 8]!, s[p + 9]!, s[p + 10]!, s[p + 11]!, s[p + 12]!);
    case 14: return fromCharCode(s[p]!, s[p + 1]!, s[p + 2]!, s[p + 3]!, s[p + 4]!, s[p + 5]!, s[p + 6]!,
      s[p + 7]!, s[p + 8]!, s[p + 9]!, s[p + 10]!, s[p + 11]!, s[p + 12]!, s[p + 13]!);
    case 15: return fromCharCode(s[p]!, s[p + 1]!, s[p + 2]!, s[p + 3]!, s[p + 4]!, s[p + 5]!, s[p + 6]!,
      s[p + 7]!, s[p + 8]!, s[p + 9]!, s[p + 10]!, s[p + 11]!, s[p + 12]!, s[p + 13]!, s[p + 14]!);
  }
  return longText(src, at, n);
}

// Past 15 characters: see the notes at the top.
function longText(src: Uint8Array, at: number, n: number): string {
  if (decoder !== null) return decoder.decode(src.subarray(at, at + n));
  if (n > LONG_TEXT_MAX) return fromCharCode.apply(null, Array.from(src.subarray(at, at + n)));
  const codes = codeArrays[n]!;
  for (let i = 0; i < n; i++) codes[i] = src[at + i]!;
  return fromCharCode.apply(null, codes);
}
