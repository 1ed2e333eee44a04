/**
 * Version 1 of the PROXY protocol: the human-readable line (§2.1).
 *
 * The decoder is strict to the letter of §2.1 and works on the bytes
 * directly: no string is built except the addresses it returns.
 *
 * @module
 */

import {
  AddressParse,
  formatIPv4,
  formatIPv6,
  IPV6_TEXT_MAX,
  parseIPv4Text,
  parseIPv6,
  writeIPv4Text,
  writeIPv6Text,
} from "./address.ts";
import { asciiText, CHEAP_JOINS, TEXT_SCRATCH, toTextScratch } from "./_alloc.ts";
import { decodeV1Strict, V1_MAX_LENGTH } from "./_v1_strict.ts";
import { fail, type Result } from "./errors.ts";
import { outputOf, tooSmall } from "./_output.ts";
import type { EncodeOptions, Endpoint, HeaderInit, ProxyHeader, Tlv } from "./header.ts";

export { V1_MAX_LENGTH } from "./_v1_strict.ts";

const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const DIGIT_0 = 0x30;
const DOT = 0x2e;
const MAX_PORT = 65535;
const NO_TLVS: readonly Tlv[] = Object.freeze([]);
// Scratch space for the 2 × 16 address bytes, reused (decoding is synchronous).
const scratch = new Uint8Array(32);

/**
 * Decodes a version 1 header from the start of `buf`. Bytes after the CRLF
 * are payload and left alone. A line that has not ended yet (and is shorter
 * than 107 bytes) is `TRUNCATED`: §2.1 says to wait for the CRLF before
 * decoding the addresses.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeV1 } from "./v1.ts";
 * const r = decodeV1(new TextEncoder().encode("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET /"));
 * assert.ok(r.ok);
 * assert.deepEqual(r.value.source, { address: "192.168.0.1", port: 56324 });
 * assert.equal(r.value.headerLength, 47);
 * const bad = decodeV1(new TextEncoder().encode("PROXY TCP4 192.168.0.01 192.168.0.11 56324 443\r\n"));
 * assert.equal(!bad.ok && bad.error.code, "V1_LEADING_ZERO");
 * ```
 */
export function decodeV1(buf: Uint8Array): Result<ProxyHeader> {
  return decodeTcpLine(buf) ?? decodeV1Strict(buf);
}

// Where a TCP4/TCP6 line has its "4" or "6", and its first address.
const FAMILY_AT = 9;
const FIELDS_AT = 11;

/**
 * The fast path: one left-to-right pass over a TCP4 or TCP6 line that is
 * well formed from end to end, parsing numbers while it looks for the field
 * boundaries. It gives up (null) at the first byte that is not what a valid
 * line has there, and {@linkcode decodeV1Strict} then finds and reports the
 * first fault exactly; so this only has to be right about what it accepts,
 * which is exactly what decodeStrict accepts for TCP4/TCP6.
 */
function decodeTcpLine(buf: Uint8Array): Result<ProxyHeader> | null {
  // §2.1: the CRLF must be within the first 107 bytes; nothing past them is read.
  const limit = buf.length < V1_MAX_LENGTH ? buf.length : V1_MAX_LENGTH;
  if (limit <= FIELDS_AT) return null;
  // "PROXY TCP" then "4" or "6" then a space, compared with constants (a loop is slower).
  if (
    buf[0] !== 0x50 || buf[1] !== 0x52 || buf[2] !== 0x4f || buf[3] !== 0x58 ||
    buf[4] !== 0x59 || buf[5] !== SPACE || buf[6] !== 0x54 || buf[7] !== 0x43 ||
    buf[8] !== 0x50 || buf[10] !== SPACE
  ) {
    return null;
  }
  const family = buf[FAMILY_AT];
  const v6 = family === 0x36;
  if (!v6 && family !== 0x34) return null;

  // "src SP dst SP": exactly one space after each address.
  const srcAt = FIELDS_AT;
  const srcEnd = v6 ? readIPv6(buf, srcAt, limit, 0) : readIPv4(buf, srcAt, limit, 0);
  if (srcEnd < 0 || srcEnd === limit || buf[srcEnd] !== SPACE) return null;
  const dstAt = srcEnd + 1;
  const dstEnd = v6 ? readIPv6(buf, dstAt, limit, 16) : readIPv4(buf, dstAt, limit, 16);
  if (dstEnd < 0 || dstEnd === limit || buf[dstEnd] !== SPACE) return null;
  // "sport SP dport CRLF"
  let p = dstEnd + 1;
  const sport = readPort(buf, p, limit);
  if (sport < 0 || sport >>> 3 > MAX_PORT) return null;
  p += sport & 7;
  if (p === limit || buf[p] !== SPACE) return null;
  p++;
  const dport = readPort(buf, p, limit);
  if (dport < 0 || dport >>> 3 > MAX_PORT) return null;
  p += dport & 7;
  if (p + 1 >= limit || buf[p] !== CR || buf[p + 1] !== LF) return null;

  // A strict IPv4 text is already canonical (§2.1), so it is taken as it is,
  // except where joining strings is cheaper (CHEAP_JOINS, see formatIPv4);
  // IPv6 text is rewritten the RFC 5952 way.
  const source: Endpoint = {
    address: v6
      ? formatIPv6(scratch, 0)
      : CHEAP_JOINS
      ? formatIPv4(scratch, 0)
      : asciiText(buf, srcAt, srcEnd - srcAt),
    port: sport >>> 3,
  };
  const destination: Endpoint = {
    address: v6
      ? formatIPv6(scratch, 16)
      : CHEAP_JOINS
      ? formatIPv4(scratch, 16)
      : asciiText(buf, dstAt, dstEnd - dstAt),
    port: dport >>> 3,
  };
  return {
    ok: true,
    value: {
      version: 1,
      command: "PROXY",
      protocol: v6 ? "TCP6" : "TCP4",
      source,
      destination,
      tlvs: NO_TLVS,
      crc32c: null,
      headerLength: p + 2,
    },
  };
}

// §2.1 port at buf[p]: 1 to 5 digits, no heading zero. Returns value * 8 +
// number of digits, or -1 when buf[p] is not a digit. A "0" ends the number
// at once: a digit after it is then not the expected separator, and the
// strict path reports the heading zero. The caller checks the range.
function readPort(buf: Uint8Array, p: number, limit: number): number {
  if (p >= limit) return -1;
  let value = buf[p]! - DIGIT_0;
  if (value < 0 || value > 9) return -1;
  if (value === 0) return 1;
  let n = 1;
  while (n < 5 && p + n < limit) {
    const d = buf[p + n]! - DIGIT_0;
    if (d < 0 || d > 9) break;
    value = value * 10 + d;
    n++;
  }
  return value * 8 + n;
}

// The §2.1 IPv4 address at buf[p], its bytes written to scratch[at]; returns
// where it ends (the caller checks the separator there), or -1.
function readIPv4(buf: Uint8Array, p: number, limit: number, at: number): number {
  for (let i = 0; i < 4; i++) {
    if (i !== 0) {
      if (p === limit || buf[p] !== DOT) return -1;
      p++;
    }
    if (p === limit) return -1;
    let v = buf[p++]! - DIGIT_0;
    if (v < 0 || v > 9) return -1;
    // A first "0" ends the octet: a digit after it fails the separator check.
    if (v !== 0 && p < limit) {
      let d = buf[p]! - DIGIT_0;
      if (d >= 0 && d <= 9) {
        v = v * 10 + d;
        p++;
        if (p < limit) {
          d = buf[p]! - DIGIT_0;
          if (d >= 0 && d <= 9) {
            v = v * 10 + d;
            p++;
          }
        }
      }
      if (v > 255) return -1;
    }
    scratch[at + i] = v;
  }
  return p;
}

// An IPv6 address running from buf[p] to the next space, parsed into
// scratch[at]; returns where it ends, or -1.
function readIPv6(buf: Uint8Array, p: number, limit: number, at: number): number {
  let end = p;
  while (end < limit && buf[end] !== SPACE) end++;
  return parseIPv6(buf, p, end, scratch, at) === AddressParse.OK ? end : -1;
}

/**
 * Encodes a version 1 line. TCP4 and TCP6 need both endpoints; UNKNOWN is
 * sent in its short form unless endpoints are given. Addresses are written in
 * canonical form (RFC 5952 for IPv6). The line goes into a new array, or with
 * `options.into` at the start of it (see {@linkcode EncodeOptions}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeV1 } from "./v1.ts";
 * const r = encodeV1({
 *   version: 1,
 *   protocol: "TCP6",
 *   source: { address: "2001:DB8:0:0:0:0:0:1", port: 56324 },
 *   destination: { address: "::1", port: 443 },
 * });
 * assert.ok(r.ok);
 * assert.equal(new TextDecoder().decode(r.value), "PROXY TCP6 2001:db8::1 ::1 56324 443\r\n");
 * assert.equal(encodeV1({ version: 1, protocol: "UDP4" }).ok, false);
 * ```
 */
export function encodeV1(init: HeaderInit, options?: EncodeOptions): Result<Uint8Array> {
  const into = options?.into;
  if (init.command === "LOCAL") {
    return fail("ENCODE_UNSUPPORTED", "version 1 has no LOCAL command; use UNKNOWN or v2", 0);
  }
  if (init.tlvs && init.tlvs.length > 0 || init.crc32c) {
    return fail("ENCODE_UNSUPPORTED", "version 1 cannot carry TLVs or a CRC32C", 0);
  }
  const protocol = init.protocol;
  let family: 4 | 6 | null;
  if (protocol === "TCP4" || protocol === "TCP6") {
    family = protocol === "TCP4" ? 4 : 6;
  } else if (protocol === "UNKNOWN" || protocol === "UNSPEC") {
    if (!init.source && !init.destination) return copyLine(UNKNOWN_LINE, into);
    family = null;
  } else {
    return fail(
      "ENCODE_UNSUPPORTED",
      `version 1 carries only TCP4, TCP6 and UNKNOWN, not ${protocol}`,
      0,
    );
  }
  const { source, destination } = init;
  if (!source || !destination || !("address" in source) || !("address" in destination)) {
    return fail(
      "ENCODE_BAD_ADDRESS",
      "version 1 needs a source and a destination address and port",
      0,
    );
  }
  const srcLength = parseAddress(source.address, family, 0);
  if (srcLength < 0) return badAddress(source.address, family);
  const srcFamily = lastFamily;
  const dstLength = parseAddress(destination.address, family ?? srcFamily, 1);
  if (dstLength < 0) return badAddress(destination.address, family ?? srcFamily);
  const dstFamily = lastFamily;
  const sport = source.port;
  const dport = destination.port;
  if (!isPort(sport) || !isPort(dport)) {
    return fail("ENCODE_BAD_PORT", `port ${isPort(sport) ? dport : sport} is not in [0..65535]`, 0);
  }

  // Written straight into a buffer of the exact length: no string, no copy of the line.
  const name = family === null ? UNKNOWN_NAME : family === 4 ? TCP4_NAME : TCP6_NAME;
  const out = outputOf(
    name.length + srcLength + dstLength + digitsOf(sport) + digitsOf(dport) + 4 + 2,
    into,
  );
  if (out === null) return tooSmall(into);
  let p = 0;
  for (let i = 0; i < name.length; i++) out[p++] = name[i]!;
  out[p++] = SPACE;
  p = writeAddress(out, p, srcFamily, 0, srcLength);
  out[p++] = SPACE;
  p = writeAddress(out, p, dstFamily, 1, dstLength);
  out[p++] = SPACE;
  p = writePort(out, p, sport);
  out[p++] = SPACE;
  p = writePort(out, p, dport);
  out[p++] = CR;
  out[p] = LF;
  return { ok: true, value: out };
}

// "PROXY TCP4", "PROXY TCP6", "PROXY UNKNOWN" and the short UNKNOWN line, as bytes.
const ascii = (text: string) => Array.from(text, (c) => c.charCodeAt(0));
const TCP4_NAME = ascii("PROXY TCP4");
const TCP6_NAME = ascii("PROXY TCP6");
const UNKNOWN_NAME = ascii("PROXY UNKNOWN");
const UNKNOWN_LINE = ascii("PROXY UNKNOWN\r\n");
// The canonical text of IPv6 addresses 0 (source) and 1 (destination) while the line is sized.
const ipv6Texts = new Uint8Array(2 * IPV6_TEXT_MAX);

function copyLine(bytes: readonly number[], into: Uint8Array | undefined): Result<Uint8Array> {
  const out = outputOf(bytes.length, into);
  if (out === null) return tooSmall(into);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i]!;
  return { ok: true, value: out };
}

// The family parseAddress found (it may be asked to accept either).
let lastFamily: 4 | 6 = 4;

// Parses address `slot` (0 source, 1 destination) of `family` (null: either)
// into scratch[16 * slot]; returns the length of its canonical text, or -1 if
// the text is not such an address.
function parseAddress(text: string, family: 4 | 6 | null, slot: number): number {
  // A strict IPv4 address is already canonical text (§2.1: no heading zeroes).
  if (family !== 6 && parseIPv4Text(text, scratch, 16 * slot) === AddressParse.OK) {
    lastFamily = 4;
    return text.length;
  }
  if (family === 4) return -1;
  const n = toTextScratch(text);
  if (n >= 0 && parseIPv6(TEXT_SCRATCH, 0, n, scratch, 16 * slot) === AddressParse.OK) {
    lastFamily = 6;
    const at = IPV6_TEXT_MAX * slot;
    return writeIPv6Text(scratch, 16 * slot, ipv6Texts, at) - at;
  }
  return -1;
}

// Writes the canonical text of address `slot` at out[p]; returns the end.
function writeAddress(out: Uint8Array, p: number, family: 4 | 6, slot: number, n: number) {
  if (family === 4) return writeIPv4Text(scratch, 16 * slot, out, p);
  const at = IPV6_TEXT_MAX * slot;
  for (let i = 0; i < n; i++) out[p + i] = ipv6Texts[at + i]!;
  return p + n;
}

function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port <= MAX_PORT;
}

function digitsOf(port: number): number {
  return port >= 10000 ? 5 : port >= 1000 ? 4 : port >= 100 ? 3 : port >= 10 ? 2 : 1;
}

// §2.1: a port in decimal, no heading zeroes, written at out[p]; returns the end.
function writePort(out: Uint8Array, p: number, port: number): number {
  const end = p + digitsOf(port);
  let q = end;
  do {
    const next = (port / 10) | 0;
    out[--q] = DIGIT_0 + port - 10 * next;
    port = next;
  } while (port !== 0);
  return end;
}

function badAddress(text: string, family: 4 | 6 | null) {
  const what = family === null ? "an IP" : `an IPv${family}`;
  return fail("ENCODE_BAD_ADDRESS", `"${text}" is not ${what} address`, 0);
}
