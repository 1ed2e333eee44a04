/**
 * Version 1 of the PROXY protocol: the human-readable line (§2.1).
 *
 * The decoder is strict to the letter of §2.1 and works on the bytes
 * directly: no string is built except the addresses it returns.
 *
 * @module
 */

import { AddressParse, formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from "./address.ts";
import { allocate, TEXT_SCRATCH, toTextScratch } from "./_alloc.ts";
import { fail, type Result } from "./errors.ts";
import type { Endpoint, HeaderInit, ProxyHeader, Tlv } from "./header.ts";

/** §2.1: the longest line a receiver must support, CRLF included ("worst case"). */
export const V1_MAX_LENGTH = 107;
/** §2.1: the string every version 1 header starts with. */
export const V1_PREFIX = "PROXY";
/** §2.2: a receiver needs at least this many bytes before it may decide on version 1. */
export const V1_MIN_DETECT_LENGTH = 8;

const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const MAX_PORT = 65535;
// "PROXY" as bytes, and the offsets of the fixed parts of a line.
const PREFIX_BYTES = [0x50, 0x52, 0x4f, 0x58, 0x59] as const;
const PROTOCOL_AT = 6;
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
  const length = buf.length;
  for (let i = 0; i < PREFIX_BYTES.length; i++) {
    if (i >= length) return fail("TRUNCATED", `header ends after ${length} bytes`, length);
    if (buf[i] !== PREFIX_BYTES[i]) {
      return fail("NOT_PROXY", 'input does not start with "PROXY" (§2.1)', i);
    }
  }
  if (length <= 5) return truncated(length);
  const limit = length < V1_MAX_LENGTH ? length : V1_MAX_LENGTH;

  // §2.1: the line ends at the first CR or LF, and that must be a CRLF.
  let eol = 5;
  while (eol < limit && buf[eol] !== CR && buf[eol] !== LF) eol++;

  // Rejected as soon as seen, before the line ends: no space after "PROXY",
  // or a protocol that can no longer become TCP4, TCP6 or UNKNOWN.
  if (buf[5] !== SPACE && eol !== 5) {
    return fail("V1_BAD_SPACE", 'expected one space after "PROXY"', 5);
  }
  let tokenEnd = PROTOCOL_AT;
  while (tokenEnd < eol && buf[tokenEnd] !== SPACE) tokenEnd++;
  const protocol = protocolToken(buf, PROTOCOL_AT, tokenEnd);
  if (
    protocol === null && tokenEnd > PROTOCOL_AT && !isProtocolPrefix(buf, PROTOCOL_AT, tokenEnd)
  ) {
    return badProtocol();
  }

  // §2.1: nothing else is decoded before the CRLF is in.
  const end = lineEnd(buf, eol, limit);
  if (!end.ok) return end;
  if (eol === 5) return fail("V1_FIELD_COUNT", "no protocol after PROXY", 5);
  if (eol === PROTOCOL_AT) return fail("V1_BAD_SPACE", "space before the end of the line", 5);
  if (buf[PROTOCOL_AT] === SPACE) {
    return fail("V1_BAD_SPACE", "expected exactly one space before the protocol", PROTOCOL_AT);
  }
  if (protocol === null) return badProtocol();
  // §2.1: for UNKNOWN the receiver ignores the rest of the line.
  if (protocol === "UNKNOWN") return { ok: true, value: unknownHeader(eol + 2) };

  // §2.1: "SP src SP dst SP sport SP dport", each separator exactly one space,
  // fields checked left to right so the leftmost fault is the one reported.
  const v6 = protocol === "TCP6";
  let srcPort = 0;
  let dstPort = 0;
  let p = tokenEnd;
  for (let f = 0; f < 4; f++) {
    if (p === eol) {
      return fail("V1_FIELD_COUNT", `expected 4 fields after ${protocol}, got ${f}`, p);
    }
    const spaces = separator(buf, p, eol);
    if (spaces !== null) return spaces;
    const start = p + 1;
    p = start;
    while (p < eol && buf[p] !== SPACE) p++;
    if (f < 2) {
      const parsed = v6
        ? parseIPv6(buf, start, p, scratch, 16 * f)
        : parseIPv4(buf, start, p, scratch, 16 * f);
      if (parsed === AddressParse.LEADING_ZERO) {
        return fail("V1_LEADING_ZERO", "heading zeroes are not permitted in IPv4 octets", start);
      }
      if (parsed !== AddressParse.OK) {
        const which = f === 0 ? "source" : "destination";
        const family = v6 ? "IPv6" : "IPv4";
        return fail("V1_BAD_ADDRESS", `${which} is not a canonical ${family} address`, start);
      }
    } else {
      const port = parsePort(buf, start, p);
      if (port < 0) return portError(port, f === 2 ? "source" : "destination", start);
      if (f === 2) srcPort = port;
      else dstPort = port;
    }
  }
  if (p !== eol) {
    const spaces = separator(buf, p, eol);
    if (spaces !== null) return spaces;
    return fail("V1_FIELD_COUNT", `expected 4 fields after ${protocol}, got more`, p);
  }

  const format = v6 ? formatIPv6 : formatIPv4;
  const source: Endpoint = { address: format(scratch, 0), port: srcPort };
  const destination: Endpoint = { address: format(scratch, 16), port: dstPort };
  return {
    ok: true,
    value: {
      version: 1,
      command: "PROXY",
      protocol,
      source,
      destination,
      tlvs: NO_TLVS,
      crc32c: null,
      headerLength: eol + 2,
    },
  };
}

function unknownHeader(headerLength: number): ProxyHeader {
  return {
    version: 1,
    command: "PROXY",
    protocol: "UNKNOWN",
    source: null,
    destination: null,
    tlvs: NO_TLVS,
    crc32c: null,
    headerLength,
  };
}

// The space at `p` must be followed by a field: not the line end, not a second space.
function separator(buf: Uint8Array, p: number, eol: number) {
  if (p + 1 === eol) return fail("V1_BAD_SPACE", "space before the end of the line", p);
  if (buf[p + 1] === SPACE) {
    return fail("V1_BAD_SPACE", "fields are separated by exactly one space", p + 1);
  }
  return null;
}

function badProtocol() {
  return fail("V1_BAD_PROTOCOL", "protocol must be TCP4, TCP6 or UNKNOWN", PROTOCOL_AT);
}

// Checks that a CRLF starts at `eol`, within the first 107 bytes.
function lineEnd(buf: Uint8Array, eol: number, limit: number): Result<null> {
  if (eol === limit) return limit === V1_MAX_LENGTH ? tooLong() : truncated(buf.length);
  if (buf[eol] === LF) return fail("V1_BAD_CRLF", "lone LF: the line must end with CRLF", eol);
  // §2.1: the LF must sit within the first 107 bytes too.
  if (eol + 1 >= V1_MAX_LENGTH) return tooLong();
  if (eol + 1 === buf.length) return truncated(buf.length);
  if (buf[eol + 1] !== LF) return fail("V1_BAD_CRLF", "lone CR: the line must end with CRLF", eol);
  return LINE_END_OK;
}

const LINE_END_OK: Result<null> = Object.freeze({ ok: true, value: null });

function truncated(length: number): { ok: false; error: ReturnType<typeof fail>["error"] } {
  return fail("TRUNCATED", `header line not complete after ${length} bytes`, length);
}

// Reported at byte 106, the last one a line may use: the decoder never reads past it.
function tooLong(): { ok: false; error: ReturnType<typeof fail>["error"] } {
  return fail("V1_TOO_LONG", `no CRLF within the first ${V1_MAX_LENGTH} bytes`, V1_MAX_LENGTH - 1);
}

const TCP = [0x54, 0x43, 0x50] as const;
const UNKNOWN = [0x55, 0x4e, 0x4b, 0x4e, 0x4f, 0x57, 0x4e] as const;

function protocolToken(
  buf: Uint8Array,
  start: number,
  end: number,
): "TCP4" | "TCP6" | "UNKNOWN" | null {
  const n = end - start;
  if (n === 4 && buf[start] === TCP[0] && buf[start + 1] === TCP[1] && buf[start + 2] === TCP[2]) {
    const d = buf[start + 3];
    return d === 0x34 ? "TCP4" : d === 0x36 ? "TCP6" : null;
  }
  if (n === UNKNOWN.length) {
    for (let i = 0; i < n; i++) if (buf[start + i] !== UNKNOWN[i]) return null;
    return "UNKNOWN";
  }
  return null;
}

const PROTOCOL_NAMES: readonly (readonly number[])[] = [[...TCP, 0x34], [...TCP, 0x36], UNKNOWN];

// Whether buf[start,end) is one of the protocol names or can still grow into one.
function isProtocolPrefix(buf: Uint8Array, start: number, end: number): boolean {
  const n = end - start;
  outer: for (const name of PROTOCOL_NAMES) {
    if (n > name.length) continue;
    for (let i = 0; i < n; i++) if (buf[start + i] !== name[i]) continue outer;
    return true;
  }
  return false;
}

const PORT_INVALID = -1;
const PORT_LEADING_ZERO = -2;

// §2.1: decimal in [0..65535], no heading zeroes. Returns the port or a negative fault.
function parsePort(buf: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n === 0 || n > 5) return PORT_INVALID;
  if (buf[start] === DIGIT_0 && n > 1) {
    const next = buf[start + 1];
    return next >= DIGIT_0 && next <= DIGIT_9 ? PORT_LEADING_ZERO : PORT_INVALID;
  }
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c < DIGIT_0 || c > DIGIT_9) return PORT_INVALID;
    value = value * 10 + (c - DIGIT_0);
  }
  return value > MAX_PORT ? PORT_INVALID : value;
}

function portError(fault: number, which: string, offset: number) {
  return fault === PORT_LEADING_ZERO
    ? fail("V1_LEADING_ZERO", `heading zeroes are not permitted in the ${which} port`, offset)
    : fail("V1_BAD_PORT", `${which} port must be a decimal integer in [0..65535]`, offset);
}

/**
 * Encodes a version 1 line. TCP4 and TCP6 need both endpoints; UNKNOWN is
 * sent in its short form unless endpoints are given. Addresses are written in
 * canonical form (RFC 5952 for IPv6).
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
export function encodeV1(init: HeaderInit): Result<Uint8Array> {
  if (init.command === "LOCAL") {
    return fail("ENCODE_UNSUPPORTED", "version 1 has no LOCAL command; use UNKNOWN or v2", 0);
  }
  if (init.tlvs && init.tlvs.length > 0 || init.crc32c) {
    return fail("ENCODE_UNSUPPORTED", "version 1 cannot carry TLVs or a CRC32C", 0);
  }
  const protocol = init.protocol;
  let line: string;
  if (protocol === "UNKNOWN" || protocol === "UNSPEC") {
    if (!init.source && !init.destination) {
      line = "PROXY UNKNOWN\r\n";
    } else {
      const fields = endpointFields(init, null);
      if (!fields.ok) return fields;
      line = `PROXY UNKNOWN ${fields.value}\r\n`;
    }
  } else if (protocol === "TCP4" || protocol === "TCP6") {
    const fields = endpointFields(init, protocol === "TCP4" ? 4 : 6);
    if (!fields.ok) return fields;
    line = `PROXY ${protocol} ${fields.value}\r\n`;
  } else {
    return fail(
      "ENCODE_UNSUPPORTED",
      `version 1 carries only TCP4, TCP6 and UNKNOWN, not ${protocol}`,
      0,
    );
  }
  const out = allocate(line.length);
  for (let i = 0; i < line.length; i++) out[i] = line.charCodeAt(i);
  return { ok: true, value: out };
}

// "src dst sport dport" in canonical form; family null accepts either (UNKNOWN).
function endpointFields(init: HeaderInit, family: 4 | 6 | null): Result<string> {
  const { source, destination } = init;
  if (!source || !destination || !("address" in source) || !("address" in destination)) {
    return fail(
      "ENCODE_BAD_ADDRESS",
      "version 1 needs a source and a destination address and port",
      0,
    );
  }
  const src = canonicalFor(source.address, family);
  if (src === null) return badAddress(source.address, family);
  const dst = canonicalFor(destination.address, family ?? src.family);
  if (dst === null) return badAddress(destination.address, family ?? src.family);
  for (const port of [source.port, destination.port]) {
    if (!Number.isInteger(port) || port < 0 || port > MAX_PORT) {
      return fail("ENCODE_BAD_PORT", `port ${port} is not in [0..65535]`, 0);
    }
  }
  return {
    ok: true,
    value: `${src.address} ${dst.address} ${source.port} ${destination.port}`,
  };
}

function canonicalFor(
  text: string,
  family: 4 | 6 | null,
): { family: 4 | 6; address: string } | null {
  const n = toTextScratch(text);
  if (n < 0) return null;
  // A strict IPv4 address is already canonical text (§2.1: no heading zeroes).
  if (family !== 6 && parseIPv4(TEXT_SCRATCH, 0, n, scratch, 0) === AddressParse.OK) {
    return { family: 4, address: text };
  }
  if (family !== 4 && parseIPv6(TEXT_SCRATCH, 0, n, scratch, 0) === AddressParse.OK) {
    return { family: 6, address: formatIPv6(scratch, 0) };
  }
  return null;
}

function badAddress(text: string, family: 4 | 6 | null) {
  const what = family === null ? "an IP" : `an IPv${family}`;
  return fail("ENCODE_BAD_ADDRESS", `"${text}" is not ${what} address`, 0);
}
