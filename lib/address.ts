/**
 * IPv4 and IPv6 addresses as §2.1 writes them, and as RFC 5952 prints them.
 *
 * The parsers work straight on the bytes of a header (no regex, no split, no
 * substring, no allocation) because the version 1 decoder calls them on its
 * hot path. They are strict to the letter of §2.1: anything that is not
 * exactly an address of the announced family is rejected.
 *
 * Both parsers report the first kind of problem in this order: anything
 * malformed is {@linkcode AddressParse.INVALID}; only an address that would
 * be valid but for heading zeroes in a decimal octet is
 * {@linkcode AddressParse.LEADING_ZERO}. The output bytes are written only
 * when the result is {@linkcode AddressParse.OK}; otherwise `out` is left
 * untouched.
 *
 * @module
 */

import { asciiText, CHEAP_JOINS } from "./_alloc.ts";

/**
 * §2.2: bytes of an IPv4 address (`src_addr`/`dst_addr` of AF_INET).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IPV4_LENGTH, ipv4ToBytes } from "./address.ts";
 * assert.equal(ipv4ToBytes("192.0.2.1")?.length, IPV4_LENGTH);
 * ```
 */
export const IPV4_LENGTH = 4;

/**
 * §2.2: bytes of an IPv6 address (`src_addr`/`dst_addr` of AF_INET6).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IPV6_LENGTH, ipv6ToBytes } from "./address.ts";
 * assert.equal(ipv6ToBytes("2001:db8::1")?.length, IPV6_LENGTH);
 * ```
 */
export const IPV6_LENGTH = 16;

/**
 * Outcome of {@linkcode parseIPv4} and {@linkcode parseIPv6}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AddressParse, parseIPv4 } from "./address.ts";
 * const src = new TextEncoder().encode("10.0.0.01");
 * const out = new Uint8Array(4);
 * assert.equal(parseIPv4(src, 0, src.length, out, 0), AddressParse.LEADING_ZERO);
 * assert.equal(AddressParse.OK, 0);
 * ```
 */
export const AddressParse = {
  /** A valid address; its bytes were written. */
  OK: 0,
  /** Not an address of this family (§2.1: must be discarded). */
  INVALID: 1,
  /** §2.1: "Heading zeroes are not permitted in front of numbers" (e.g. "01", "00"). */
  LEADING_ZERO: 2,
} as const;

/**
 * One of the {@linkcode AddressParse} values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AddressParse, parseIPv6 } from "./address.ts";
 * const src = new TextEncoder().encode("::1");
 * const code: AddressParse = parseIPv6(src, 0, src.length, new Uint8Array(16), 0);
 * assert.equal(code, AddressParse.OK);
 * ```
 */
export type AddressParse = typeof AddressParse[keyof typeof AddressParse];

const DOT = 0x2e;
const COLON = 0x3a;
const DIGIT_0 = 0x30;
const OK = AddressParse.OK;
const INVALID = AddressParse.INVALID;
const LEADING_ZERO = AddressParse.LEADING_ZERO;
const IPV6_GROUPS = 8;
// The longest IPv6 text the string entry points can accept:
// "0000:0000:0000:0000:0000:ffff:255.255.255.255" (leading zeros in hex
// groups are allowed, §2.1 writes groups as "sets of 4 hexadecimal digits").
const IPV6_MAX_TEXT = 45;

// Byte -> hex digit value, -1 for anything that is not [0-9A-Fa-f] (NUL,
// non-ASCII bytes and everything else included).
const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[0x41 + i] = 10 + i;
  HEX_VALUE[0x61 + i] = 10 + i;
}
// Lowercase hex digits as char codes (RFC 5952 §4.3).
const HEX_DIGIT = Uint8Array.from("0123456789abcdef", (c) => c.charCodeAt(0));
// Scratch for parseIPv6 (parsing is synchronous, so one is enough): the
// groups in the order they appear, before "::" is expanded. Keeping them here
// leaves `out` untouched unless the whole address is valid.
const groups = new Uint8Array(IPV6_LENGTH);

// §2.1 IPv4: "exactly 4 integers in the range [0..255] inclusive written in
// decimal representation separated by exactly one dot between each other.
// Heading zeroes are not permitted in front of numbers". Parses [p,end) in
// full; writes the 4 bytes at dst[at] only when the result is OK.
function scanQuad(src: Uint8Array, p: number, end: number, dst: Uint8Array, at: number): number {
  let leadingZero = false;
  let word = 0; // the octets so far, one per byte, written to dst only once all are valid
  for (let i = 0; i < 4; i++) {
    if (i !== 0) {
      // Exactly one dot between octets: also rejects "1..2" and "1.2.3." below.
      if (p === end || src[p] !== DOT) return INVALID;
      p++;
    }
    if (p === end) return INVALID;
    const first = src[p]! - DIGIT_0;
    if (first < 0 || first > 9) return INVALID; // empty octet, sign, space, dot, ...
    let v = first;
    const start = p++;
    while (p < end) {
      const d = src[p]! - DIGIT_0;
      if (d < 0 || d > 9) break;
      if (p - start === 3) return INVALID; // "0001", "1000": never an octet
      v = v * 10 + d;
      p++;
    }
    if (v > 255) return INVALID;
    // §2.1: "Heading zeroes are not permitted in front of numbers" ("0" alone is fine).
    if (first === 0 && p - start > 1) leadingZero = true;
    word = (word << 8) | v;
  }
  if (p !== end) return INVALID; // a fifth octet, a trailing dot, anything after
  if (leadingZero) return LEADING_ZERO;
  dst[at] = word >>> 24;
  dst[at + 1] = (word >>> 16) & 0xff;
  dst[at + 2] = (word >>> 8) & 0xff;
  dst[at + 3] = word & 0xff;
  return OK;
}

function checkArgs(
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  outAt: number,
  n: number,
) {
  if (!(start >= 0 && start <= end && end <= src.length)) {
    throw new RangeError(`source range [${start}, ${end}) is outside 0..${src.length}`);
  }
  if (!(outAt >= 0 && outAt + n <= out.length)) {
    throw new RangeError(`output range [${outAt}, ${outAt + n}) is outside 0..${out.length}`);
  }
}

/**
 * Parses the IPv4 address in `src[start, end)` (§2.1: exactly four decimal
 * octets 0..255, one dot between them, no heading zeroes, nothing else) and
 * on success writes its 4 bytes to `out[outAt, outAt + 4)`. Nothing else in
 * `out` is ever written, and nothing at all unless the result is `OK`.
 * Allocates nothing. Throws a RangeError only for offsets outside the arrays.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AddressParse, parseIPv4 } from "./address.ts";
 * const line = new TextEncoder().encode("TCP4 192.168.0.1 x");
 * const out = new Uint8Array(4);
 * assert.equal(parseIPv4(line, 5, 16, out, 0), AddressParse.OK);
 * assert.deepEqual(out, new Uint8Array([192, 168, 0, 1]));
 * const bad = new TextEncoder().encode("192.168.00.1");
 * assert.equal(parseIPv4(bad, 0, bad.length, out, 0), AddressParse.LEADING_ZERO);
 * const worse = new TextEncoder().encode("192.168.0.256");
 * assert.equal(parseIPv4(worse, 0, worse.length, out, 0), AddressParse.INVALID);
 * ```
 */
export function parseIPv4(
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  outAt: number,
): AddressParse {
  checkArgs(src, start, end, out, outAt, IPV4_LENGTH);
  return scanQuad(src, start, end, out, outAt) as AddressParse;
}

/**
 * {@linkcode parseIPv4} for an address given as a string (the encoders' input):
 * the same strict §2.1 rules, read with `charCodeAt` instead of first copying
 * the text into bytes (faster on both engines, see docs/bench.md). On success
 * writes the 4 bytes to `out[outAt, outAt + 4)`; nothing is written otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AddressParse, parseIPv4Text } from "./address.ts";
 * const out = new Uint8Array(4);
 * assert.equal(parseIPv4Text("192.0.2.1", out, 0), AddressParse.OK);
 * assert.deepEqual(out, new Uint8Array([192, 0, 2, 1]));
 * assert.equal(parseIPv4Text("192.0.2.01", out, 0), AddressParse.LEADING_ZERO);
 * assert.equal(parseIPv4Text("192.0.2.1 ", out, 0), AddressParse.INVALID);
 * ```
 */
export function parseIPv4Text(text: string, out: Uint8Array, outAt: number): AddressParse {
  if (!(outAt >= 0 && outAt + IPV4_LENGTH <= out.length)) {
    throw new RangeError(`output range [${outAt}, ${outAt + 4}) is outside 0..${out.length}`);
  }
  // The same steps as scanQuad, on the string.
  const end = text.length;
  let p = 0;
  let leadingZero = false;
  let word = 0;
  for (let i = 0; i < 4; i++) {
    if (i !== 0) {
      if (p === end || text.charCodeAt(p) !== DOT) return INVALID;
      p++;
    }
    if (p === end) return INVALID;
    const first = text.charCodeAt(p) - DIGIT_0;
    if (first < 0 || first > 9) return INVALID;
    let v = first;
    const start = p++;
    while (p < end) {
      const d = text.charCodeAt(p) - DIGIT_0;
      if (d < 0 || d > 9) break;
      if (p - start === 3) return INVALID;
      v = v * 10 + d;
      p++;
    }
    if (v > 255) return INVALID;
    if (first === 0 && p - start > 1) leadingZero = true;
    word = (word << 8) | v;
  }
  if (p !== end) return INVALID;
  if (leadingZero) return LEADING_ZERO;
  out[outAt] = word >>> 24;
  out[outAt + 1] = (word >>> 16) & 0xff;
  out[outAt + 2] = (word >>> 8) & 0xff;
  out[outAt + 3] = word & 0xff;
  return OK;
}

/**
 * Parses the IPv6 address in `src[start, end)` and on success writes its 16
 * bytes to `out[outAt, outAt + 16)`. Nothing else in `out` is ever written,
 * and nothing at all unless the result is `OK`. Allocates nothing. Throws a
 * RangeError only for offsets outside the arrays.
 *
 * §2.1: groups of 1 to 4 hex digits (upper or lower case) separated by one
 * colon, at most one "::" standing for one or more zero groups, exactly 128
 * bits in all. A dotted quad (RFC 4291 §2.2 form 3, with the strict IPv4
 * rules of §2.1) may stand for the last 32 bits. Not accepted: zone ids
 * ("%eth0"), brackets, ":::", a leading or trailing single ":", and a "::"
 * that stands for no group at all.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AddressParse, parseIPv6 } from "./address.ts";
 * const text = new TextEncoder().encode("2001:DB8::ffff:1.2.3.4");
 * const out = new Uint8Array(16);
 * assert.equal(parseIPv6(text, 0, text.length, out, 0), AddressParse.OK);
 * assert.deepEqual(
 *   out,
 *   new Uint8Array([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]),
 * );
 * const zone = new TextEncoder().encode("fe80::1%eth0");
 * assert.equal(parseIPv6(zone, 0, zone.length, out, 0), AddressParse.INVALID);
 * const octal = new TextEncoder().encode("::ffff:1.2.3.04");
 * assert.equal(parseIPv6(octal, 0, octal.length, out, 0), AddressParse.LEADING_ZERO);
 * ```
 */
export function parseIPv6(
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  outAt: number,
): AddressParse {
  checkArgs(src, start, end, out, outAt, IPV6_LENGTH);
  let p = start;
  if (p === end) return INVALID;
  let n = 0; // groups parsed so far (a dotted quad counts for 2)
  let gap = -1; // where "::" stands, as a group index
  let quad: number = OK;
  if (src[p] === COLON) {
    // Only "::" may open an address, never a single ":".
    if (p + 1 === end || src[p + 1] !== COLON) return INVALID;
    gap = 0;
    p += 2;
  }
  while (p < end) {
    // p is where a group must start: ":::" and "1::2::" fail here or below.
    const groupStart = p;
    let v = 0;
    let digits = 0;
    while (p < end) {
      const h = HEX_VALUE[src[p]!]!;
      if (h < 0) break;
      if (++digits > 4) return INVALID; // 5+ hex digits (also too long for an octet)
      v = (v << 4) | h;
      p++;
    }
    if (digits === 0) return INVALID;
    if (p < end && src[p] === DOT) {
      // RFC 4291 §2.2 form 3: the dotted quad takes the last 32 bits and must end the text.
      if (n > IPV6_GROUPS - 2) return INVALID;
      quad = scanQuad(src, groupStart, end, groups, 2 * n);
      if (quad === INVALID) return INVALID;
      n += 2;
      break;
    }
    if (n === IPV6_GROUPS) return INVALID; // a ninth group
    groups[2 * n] = v >> 8;
    groups[2 * n + 1] = v & 0xff;
    n++;
    if (p === end) break;
    if (src[p] !== COLON) return INVALID; // "%zone", "]", space, NUL, non-ASCII, ...
    p++;
    if (p === end) return INVALID; // a trailing single ":"
    if (src[p] === COLON) {
      if (gap >= 0) return INVALID; // two "::"
      gap = n;
      p++;
    }
  }
  // §2.1: "The total number of decoded bits must exactly be 128", and "::"
  // replaces at least one zero group.
  if (gap < 0 ? n !== IPV6_GROUPS : n >= IPV6_GROUPS) return INVALID;
  if (quad === LEADING_ZERO) return LEADING_ZERO;
  if (gap < 0) {
    for (let i = 0; i < IPV6_LENGTH; i++) out[outAt + i] = groups[i]!;
  } else {
    const head = 2 * gap;
    const zeros = IPV6_LENGTH - 2 * n;
    let i = 0;
    for (; i < head; i++) out[outAt + i] = groups[i]!;
    for (; i < head + zeros; i++) out[outAt + i] = 0;
    for (; i < IPV6_LENGTH; i++) out[outAt + i] = groups[i - zeros]!;
  }
  return OK;
}

/**
 * The longest text {@linkcode writeIPv4Text} writes: "255.255.255.255".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IPV4_TEXT_MAX, writeIPv4Text } from "./address.ts";
 * // A buffer of this size holds the text of any IPv4 address.
 * const out = new Uint8Array(IPV4_TEXT_MAX);
 * const end = writeIPv4Text(new Uint8Array([255, 255, 255, 255]), 0, out, 0);
 * assert.equal(new TextDecoder().decode(out.subarray(0, end)), "255.255.255.255");
 * ```
 */
export const IPV4_TEXT_MAX = 15;

/**
 * The longest text {@linkcode writeIPv6Text} writes: eight groups of four hex
 * digits and seven colons (RFC 5952 never writes more).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IPV6_TEXT_MAX, writeIPv6Text } from "./address.ts";
 * // A buffer of this size holds the text of any IPv6 address.
 * const out = new Uint8Array(IPV6_TEXT_MAX);
 * const end = writeIPv6Text(new Uint8Array(16).fill(0xff), 0, out, 0);
 * assert.equal(end, IPV6_TEXT_MAX);
 * ```
 */
export const IPV6_TEXT_MAX = 39;

// Writes the decimal text of one octet (§2.1: no heading zeroes) at out[p]; returns the end.
function writeOctet(v: number, out: Uint8Array, p: number): number {
  if (v >= 100) {
    const h = (v / 100) | 0;
    out[p++] = DIGIT_0 + h;
    v -= 100 * h;
    out[p++] = DIGIT_0 + ((v / 10) | 0);
  } else if (v >= 10) {
    out[p++] = DIGIT_0 + ((v / 10) | 0);
  }
  out[p] = DIGIT_0 + (v % 10);
  return p + 1;
}

/**
 * Writes the 4 bytes at `src[at]` as the ASCII text "a.b.c.d" (§2.1: decimal,
 * no heading zeroes) into `out` at `outAt`, and returns where the text ends.
 * `out` needs room for {@linkcode IPV4_TEXT_MAX} bytes. For encoders that
 * build a header in place: no string is made.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeIPv4Text } from "./address.ts";
 * const out = new Uint8Array(20);
 * const end = writeIPv4Text(new Uint8Array([192, 168, 0, 1]), 0, out, 2);
 * assert.equal(new TextDecoder().decode(out.subarray(2, end)), "192.168.0.1");
 * ```
 */
export function writeIPv4Text(src: Uint8Array, at: number, out: Uint8Array, outAt: number): number {
  let p = writeOctet(src[at]!, out, outAt);
  out[p++] = DOT;
  p = writeOctet(src[at + 1]!, out, p);
  out[p++] = DOT;
  p = writeOctet(src[at + 2]!, out, p);
  out[p++] = DOT;
  return writeOctet(src[at + 3]!, out, p);
}

/**
 * Writes the 16 bytes at `src[at]` as ASCII text the RFC 5952 way (see
 * {@linkcode formatIPv6}) into `out` at `outAt`, and returns where the text
 * ends. `out` needs room for {@linkcode IPV6_TEXT_MAX} bytes. For encoders
 * that build a header in place: no string is made.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeIPv6Text } from "./address.ts";
 * const bytes = new Uint8Array([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
 * const out = new Uint8Array(40);
 * const end = writeIPv6Text(bytes, 0, out, 0);
 * assert.equal(new TextDecoder().decode(out.subarray(0, end)), "2001:db8::1");
 * ```
 */
export function writeIPv6Text(src: Uint8Array, at: number, out: Uint8Array, outAt: number): number {
  // RFC 5952 §4.2: find the first longest run of two or more zero groups.
  let bestAt = -1;
  let bestLength = 1;
  let runAt = 0;
  let runLength = 0;
  for (let i = 0; i < IPV6_GROUPS; i++) {
    if ((src[at + 2 * i]! | src[at + 2 * i + 1]!) === 0) {
      if (runLength === 0) runAt = i;
      runLength++;
      if (runLength > bestLength) { // ">" keeps the first run on a tie (§4.2.3)
        bestAt = runAt;
        bestLength = runLength;
      }
    } else {
      runLength = 0;
    }
  }
  let p = outAt;
  // RFC 5952 §5: IPv4-mapped addresses (80 zero bits, then ffff) as "::ffff:a.b.c.d".
  if (bestAt === 0 && bestLength === 5 && src[at + 10] === 0xff && src[at + 11] === 0xff) {
    out[p] = COLON;
    out[p + 1] = COLON;
    for (let k = 2; k < 6; k++) out[p + k] = HEX_DIGIT[0xf]!;
    out[p + 6] = COLON;
    return writeIPv4Text(src, at + 12, out, p + 7);
  }
  const bestEnd = bestAt + bestLength;
  let i = 0;
  while (i < IPV6_GROUPS) {
    if (i === bestAt) {
      out[p++] = COLON;
      out[p++] = COLON;
      i = bestEnd;
      continue;
    }
    if (i !== 0 && i !== bestEnd) out[p++] = COLON;
    // RFC 5952 §4.1, §4.3: lowercase, no leading zeros in a group.
    const high = src[at + 2 * i]!;
    const low = src[at + 2 * i + 1]!;
    if (high >= 0x10) {
      out[p++] = HEX_DIGIT[high >> 4]!;
      out[p++] = HEX_DIGIT[high & 0xf]!;
      out[p++] = HEX_DIGIT[low >> 4]!;
    } else if (high !== 0) {
      out[p++] = HEX_DIGIT[high]!;
      out[p++] = HEX_DIGIT[low >> 4]!;
    } else if (low >= 0x10) {
      out[p++] = HEX_DIGIT[low >> 4]!;
    }
    out[p++] = HEX_DIGIT[low & 0xf]!;
    i++;
  }
  return p;
}

// Address text as char codes, turned into a string by asciiText (formatting is synchronous).
const textCodes = new Uint8Array(IPV6_TEXT_MAX);
// Byte -> "n" and "n.", for formatIPv4 where joining strings is the cheaper way (CHEAP_JOINS).
const DECIMAL: string[] = [];
const DECIMAL_DOT: string[] = [];
for (let i = 0; i < 256; i++) {
  DECIMAL.push(String(i));
  DECIMAL_DOT.push(i + ".");
}

/**
 * Formats the 4 bytes at `src[at]` as "a.b.c.d" (§2.1: decimal, no heading
 * zeroes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatIPv4 } from "./address.ts";
 * assert.equal(formatIPv4(new Uint8Array([0, 192, 168, 0, 1]), 1), "192.168.0.1");
 * ```
 */
export function formatIPv4(src: Uint8Array, at: number): string {
  if (CHEAP_JOINS) {
    return DECIMAL_DOT[src[at]!]! + DECIMAL_DOT[src[at + 1]!]! + DECIMAL_DOT[src[at + 2]!] +
      DECIMAL[src[at + 3]!];
  }
  return asciiText(textCodes, 0, writeIPv4Text(src, at, textCodes, 0));
}

/**
 * Formats the 16 bytes at `src[at]` the RFC 5952 way (§4): lowercase hex,
 * no leading zeros in a group, the longest run of two or more zero groups
 * shortened to "::" (the first one on a tie), a single zero group never
 * shortened. IPv4-mapped addresses (::ffff:0:0/96) end in a dotted quad
 * (§5); no other prefix does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatIPv6 } from "./address.ts";
 * const bytes = new Uint8Array(16);
 * assert.equal(formatIPv6(bytes, 0), "::");
 * bytes.set([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
 * assert.equal(formatIPv6(bytes, 0), "2001:db8::1:0:0:1");
 * bytes.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1]);
 * assert.equal(formatIPv6(bytes, 0), "::ffff:192.0.2.1");
 * ```
 */
export function formatIPv6(src: Uint8Array, at: number): string {
  return asciiText(textCodes, 0, writeIPv6Text(src, at, textCodes, 0));
}

// ASCII text -> bytes, or null for non-ASCII or text longer than `max` (too
// long to be an address anyway, so CLI garbage is not copied).
function asciiBytes(text: string, max: number): Uint8Array | null {
  const length = text.length;
  if (length > max) return null;
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return null;
    bytes[i] = c;
  }
  return bytes;
}

/**
 * The 4 bytes of an IPv4 address text, with the same strictness as
 * {@linkcode parseIPv4}; null for anything else (heading zeroes included).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ipv4ToBytes } from "./address.ts";
 * assert.deepEqual(ipv4ToBytes("255.255.255.255"), new Uint8Array([255, 255, 255, 255]));
 * assert.equal(ipv4ToBytes("010.0.0.1"), null);
 * assert.equal(ipv4ToBytes(" 10.0.0.1"), null);
 * ```
 */
export function ipv4ToBytes(text: string): Uint8Array | null {
  const out = new Uint8Array(IPV4_LENGTH);
  return parseIPv4Text(text, out, 0) === OK ? out : null;
}

/**
 * The 16 bytes of an IPv6 address text, with the same strictness as
 * {@linkcode parseIPv6}; null for anything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ipv6ToBytes } from "./address.ts";
 * assert.deepEqual(
 *   ipv6ToBytes("::1"),
 *   new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
 * );
 * assert.equal(ipv6ToBytes("[::1]"), null);
 * assert.equal(ipv6ToBytes("1:2:3:4:5:6:7:8:9"), null);
 * ```
 */
export function ipv6ToBytes(text: string): Uint8Array | null {
  const bytes = asciiBytes(text, IPV6_MAX_TEXT);
  if (bytes === null) return null;
  const out = new Uint8Array(IPV6_LENGTH);
  return parseIPv6(bytes, 0, bytes.length, out, 0) === OK ? out : null;
}

/**
 * Recognises an IPv4 or IPv6 address text (strict, as {@linkcode parseIPv4}
 * and {@linkcode parseIPv6}) and returns its family, bytes and canonical
 * text: "a.b.c.d", or RFC 5952 for IPv6. Null when it is neither.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { canonicalAddress } from "./address.ts";
 * const a = canonicalAddress("2001:0DB8:0000:0000:0000:0000:0000:0001");
 * assert.equal(a?.family, 6);
 * assert.equal(a?.address, "2001:db8::1");
 * assert.equal(canonicalAddress("127.0.0.1")?.address, "127.0.0.1");
 * assert.equal(canonicalAddress("localhost"), null);
 * ```
 */
export function canonicalAddress(
  text: string,
): { family: 4 | 6; bytes: Uint8Array; address: string } | null {
  const bytes = asciiBytes(text, IPV6_MAX_TEXT);
  if (bytes === null) return null;
  const v4 = new Uint8Array(IPV4_LENGTH);
  if (scanQuad(bytes, 0, bytes.length, v4, 0) === OK) {
    return { family: 4, bytes: v4, address: formatIPv4(v4, 0) };
  }
  const v6 = new Uint8Array(IPV6_LENGTH);
  if (parseIPv6(bytes, 0, bytes.length, v6, 0) === OK) {
    return { family: 6, bytes: v6, address: formatIPv6(v6, 0) };
  }
  return null;
}

/**
 * Writes a host and port as `host:port`, with brackets around an IPv6 host (RFC 3986 §3.2.2),
 * the one form used in messages, targets and flags.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hostPort } from "./address.ts";
 * assert.equal(hostPort("192.0.2.1", 443), "192.0.2.1:443");
 * assert.equal(hostPort("2001:db8::1", 443), "[2001:db8::1]:443");
 * assert.equal(hostPort("localhost", 8080), "localhost:8080");
 * ```
 */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** §2.2: a UNIX address in a version 2 header is exactly this many bytes, NUL-padded. */
export const UNIX_PATH_LENGTH = 108;

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

/**
 * The text of the 108-byte UNIX address at `buf[at]` (§2.2): the path up to the first NUL, or,
 * when the first byte is NUL, a Linux abstract name shown as "@name" (trailing NUL padding
 * removed); "" when all bytes are NUL (an unnamed socket). The inverse of
 * {@linkcode unixPathBytes}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unixPathBytes, unixPathText, UNIX_PATH_LENGTH } from "./address.ts";
 * const block = new Uint8Array(UNIX_PATH_LENGTH);
 * const bytes = unixPathBytes("@ppcat");
 * assert.ok(typeof bytes !== "string");
 * block.set(bytes);
 * assert.equal(unixPathText(block, 0), "@ppcat");
 * assert.equal(unixPathText(new Uint8Array(UNIX_PATH_LENGTH), 0), "");
 * ```
 */
export function unixPathText(buf: Uint8Array, at: number): string {
  const stop = at + UNIX_PATH_LENGTH;
  if (buf[at] === 0) {
    let end = stop;
    while (end > at + 1 && buf[end - 1] === 0) end--;
    return end === at + 1 ? "" : "@" + utf8Decoder.decode(buf.subarray(at + 1, end));
  }
  let end = at;
  while (end < stop && buf[end] !== 0) end++;
  return utf8Decoder.decode(buf.subarray(at, end));
}

/**
 * The bytes a UNIX address text stands for in a version 2 header (§2.2), or why it has none:
 * "@name" is a Linux abstract name (a leading NUL on the wire), anything else a path; "" is an
 * unnamed socket. Only texts that {@linkcode unixPathText} gives back unchanged are taken: no
 * NUL anywhere (a path ends at its first NUL, and an abstract name's trailing NULs are padding),
 * no bare "@" (an empty abstract name reads back as unnamed), and at most 108 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unixPathBytes } from "./address.ts";
 * assert.deepEqual(unixPathBytes("@a"), new Uint8Array([0, 0x61]));
 * assert.equal(typeof unixPathBytes("/run/a\0b.sock"), "string");
 * assert.equal(typeof unixPathBytes("@"), "string");
 * ```
 */
export function unixPathBytes(path: string): Uint8Array | string {
  if (path.includes("\0")) return `UNIX path ${JSON.stringify(path)} contains a NUL byte`;
  if (path === "@") return 'UNIX path "@" names no abstract socket (it needs at least one byte)';
  const abstract = path.startsWith("@");
  const text = utf8Encoder.encode(abstract ? path.slice(1) : path);
  const length = text.length + (abstract ? 1 : 0);
  if (length > UNIX_PATH_LENGTH) {
    return `UNIX path ${JSON.stringify(path)} is ${length} bytes, more than ${UNIX_PATH_LENGTH}`;
  }
  if (!abstract) return text;
  const bytes = new Uint8Array(length);
  bytes.set(text, 1);
  return bytes;
}
