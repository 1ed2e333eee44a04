// The reference decoder of version 1 lines (§2.1): what decodeV1 answers for
// every input. decodeV1 (v1.ts) tries a faster path for well-formed TCP4 and
// TCP6 lines first and falls back to this one, which finds the exact first
// fault. Internal: not exported by mod.ts.

import { AddressParse, formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from "./address.ts";
import { fail, type Result } from "./errors.ts";
import type { Endpoint, ProxyHeader, Tlv } from "./header.ts";

/** §2.1: the longest line a receiver must support, CRLF included ("worst case"). */
export const V1_MAX_LENGTH = 107;

const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const MAX_PORT = 65535;
// "PROXY" as bytes, and the offset of the protocol token.
const PREFIX_BYTES = [0x50, 0x52, 0x4f, 0x58, 0x59] as const;
const PROTOCOL_AT = 6;
const NO_TLVS: readonly Tlv[] = Object.freeze([]);
// Scratch space for the 2 × 16 address bytes, reused (decoding is synchronous).
const scratch = new Uint8Array(32);

/**
 * Decodes a version 1 header the reference way: every §2.1 rule checked in
 * order, the exact first fault reported. `decodeV1` answers the same for any
 * input, taking a faster path first for well-formed TCP4/TCP6 lines; tests
 * compare the two.
 */
export function decodeV1Strict(buf: Uint8Array): Result<ProxyHeader> {
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
    return badProtocol(buf, tokenEnd);
  }

  // §2.1: nothing else is decoded before the CRLF is in.
  const end = lineEnd(buf, eol, limit);
  if (!end.ok) return end;
  if (eol === 5) return fail("V1_FIELD_COUNT", "no protocol after PROXY", 5);
  if (eol === PROTOCOL_AT) return fail("V1_BAD_SPACE", "space before the end of the line", 5);
  if (buf[PROTOCOL_AT] === SPACE) {
    return fail("V1_BAD_SPACE", "expected exactly one space before the protocol", PROTOCOL_AT);
  }
  if (protocol === null) return badProtocol(buf, tokenEnd);
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
      if (parsed !== AddressParse.OK) return addressError(buf, start, p, v6, f, parsed);
    } else {
      const port = parsePort(buf, start, p);
      if (port < 0) return portError(buf, start, p, port, f === 2 ? "source" : "destination");
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

// The offending byte is the first one no protocol name has there (the space where "TCP" lacks
// its digit, the fifth byte of "TCP44").
function badProtocol(buf: Uint8Array, tokenEnd: number) {
  let longest = 0;
  for (const name of PROTOCOL_NAMES) {
    let i = 0;
    while (i < name.length && buf[PROTOCOL_AT + i] === name[i]) i++;
    if (i > longest) longest = i;
  }
  const field = { offset: PROTOCOL_AT, length: tokenEnd - PROTOCOL_AT };
  return fail(
    "V1_BAD_PROTOCOL",
    "protocol must be TCP4, TCP6 or UNKNOWN",
    PROTOCOL_AT + longest,
    field,
  );
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
    const next = buf[start + 1]!;
    return next >= DIGIT_0 && next <= DIGIT_9 ? PORT_LEADING_ZERO : PORT_INVALID;
  }
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c < DIGIT_0 || c > DIGIT_9) return PORT_INVALID;
    value = value * 10 + (c - DIGIT_0);
  }
  return value > MAX_PORT ? PORT_INVALID : value;
}

// A port's offending byte: the heading zero, or the first byte that is not a digit; a port
// that is all digits but too long or over 65535 is wrong as a whole (its first byte).
function portError(buf: Uint8Array, start: number, end: number, fault: number, which: string) {
  const field = { offset: start, length: end - start };
  if (fault === PORT_LEADING_ZERO) {
    return fail(
      "V1_LEADING_ZERO",
      `heading zeroes are not permitted in the ${which} port`,
      start,
      field,
    );
  }
  let at = start;
  while (at < end && isDigit(buf[at]!)) at++;
  return fail(
    "V1_BAD_PORT",
    `${which} port must be a decimal integer in [0..65535]`,
    at === end ? start : at,
    field,
  );
}

const DOT = 0x2e;
const COLON = 0x3a;

function isDigit(b: number): boolean {
  return b >= DIGIT_0 && b <= DIGIT_9;
}

function isHexLetter(b: number): boolean {
  const lower = b | 0x20;
  return lower >= 0x61 && lower <= 0x66;
}

// An address field [start, end) that `parse` refused: the offending byte is the heading zero of
// a decimal number (the IPv4 address, or an IPv6 address's IPv4 tail), or the first byte of a
// kind the family never has, or, in an IPv4 address, the first byte where the dotted form breaks
// (an empty number, a fifth number). An address with the right bytes in the wrong amounts (too
// few groups, a number over 255) is wrong as a whole: its first byte.
function addressError(
  buf: Uint8Array,
  start: number,
  end: number,
  v6: boolean,
  f: number,
  parsed: number,
) {
  const field = { offset: start, length: end - start };
  if (parsed === AddressParse.LEADING_ZERO) {
    return fail(
      "V1_LEADING_ZERO",
      "heading zeroes are not permitted in IPv4 octets",
      headingZeroAt(buf, start, end, v6),
      field,
    );
  }
  let at = start;
  while (at < end && (isDigit(buf[at]!) || buf[at] === DOT || v6 && isV6Byte(buf[at]!))) at++;
  if (at === end) at = v6 ? start : dottedFaultAt(buf, start, end);
  const which = f === 0 ? "source" : "destination";
  const family = v6 ? "IPv6" : "IPv4";
  return fail("V1_BAD_ADDRESS", `${which} is not a canonical ${family} address`, at, field);
}

function isV6Byte(b: number): boolean {
  return b === COLON || isHexLetter(b);
}

// The first heading zero of a dotted-decimal number in [start, end) (for IPv6, after the last
// colon), else start.
function headingZeroAt(buf: Uint8Array, start: number, end: number, v6: boolean): number {
  let from = start;
  if (v6) {
    const colon = buf.subarray(start, end).lastIndexOf(COLON);
    if (colon >= 0) from = start + colon + 1;
  }
  for (let i = from; i + 1 < end; i++) {
    if (buf[i] === DIGIT_0 && (i === from || buf[i - 1] === DOT) && isDigit(buf[i + 1]!)) return i;
  }
  return start;
}

// In digits and dots [start, end): the dot that leaves a number empty or starts a fifth one, else
// start (a number over 255, fewer than four numbers).
function dottedFaultAt(buf: Uint8Array, start: number, end: number): number {
  let numbers = 0;
  for (let i = start; i < end; i++) {
    if (buf[i] !== DOT) continue;
    if (i === start || buf[i - 1] === DOT || i + 1 === end || ++numbers === 4) return i;
  }
  return start;
}
