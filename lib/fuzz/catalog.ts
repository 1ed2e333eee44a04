/**
 * The catalog of `ppcat fuzz`: named, documented attacks on a PROXY protocol
 * receiver, each tied to the spec rule it probes (section, MUST / SHOULD /
 * MAY, and the sentence itself) and to what a conforming receiver does.
 *
 * This module is pure: it builds bytes and describes how to send them
 * ({@linkcode Delivery}, {@linkcode writePlan}); the network runner sends
 * them, observes the target, and `lib/fuzz/verdict.ts` judges what it saw.
 * Every expectation agrees with ppcat's own decoder ({@linkcode classifyHeader}).
 *
 * @module
 */

import { concatBytes } from "../_bytes.ts";
import { crc32c } from "../crc32c.ts";
import { decodeHeader } from "../decode.ts";
import { encodeHeader } from "../encode.ts";
import type { ErrorCode } from "../errors.ts";
import type { HeaderInit, ProxyHeader, Tlv } from "../header.ts";
import {
  alpnTlv,
  authorityTlv,
  awsVpceTlv,
  azureLinkIdTlv,
  gcpPscTlv,
  netnsTlv,
  noopTlv,
  rawTlv,
  sslTlv,
  TlvType,
  uniqueIdTlv,
} from "../tlv.ts";
import { V2_SIGNATURE } from "../v2.ts";

/**
 * How strongly the spec words the rule a case probes (RFC 2119 reading of
 * the spec's "must", "should", "may", whatever their case).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Requirement } from "./catalog.ts";
 * assert.equal(Requirement.SHOULD, "SHOULD");
 * ```
 */
export const Requirement = { MUST: "MUST", SHOULD: "SHOULD", MAY: "MAY" } as const;
/** One of the {@linkcode Requirement} values. */
export type Requirement = typeof Requirement[keyof typeof Requirement];

/**
 * What a conforming receiver does with a case:
 * - `accept`: processes the connection and passes the payload through unchanged;
 * - `reject`: aborts the connection without processing it;
 * - `timeout`: never processes it, and closes it by itself (a header that
 *   never completes, or completes only after far longer than a header timeout);
 * - `tolerance`: a valid header delivered in fragments: accepting is
 *   recommended, dropping the connection is allowed (§2);
 * - `either`: a valid header the spec sets no limit for but a receiver may
 *   refuse (AF_UNSPEC, UDP/UNIX over TCP, oversized TLVs, large headers):
 *   accepting passes, rejecting is a note.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Expectation } from "./catalog.ts";
 * assert.equal(Expectation.TOLERANCE, "tolerance");
 * ```
 */
export const Expectation = {
  ACCEPT: "accept",
  REJECT: "reject",
  TIMEOUT: "timeout",
  TOLERANCE: "tolerance",
  EITHER: "either",
} as const;
/** One of the {@linkcode Expectation} values. */
export type Expectation = typeof Expectation[keyof typeof Expectation];

/**
 * How the header bytes go on the wire.
 * - `whole`: one write.
 * - `fragments`: split at `offsets` (strictly increasing, inside the header),
 *   `delayMs` between writes.
 * - `slow`: one byte per write, `byteDelayMs` between bytes (slowloris).
 * - `truncated`: the bytes are an incomplete header, sent in one write; then
 *   the connection is held open without sending anything (`hold`) or
 *   half-closed with a FIN (`close`).
 */
export type Delivery =
  | { readonly kind: "whole" }
  | { readonly kind: "fragments"; readonly offsets: readonly number[]; readonly delayMs: number }
  | { readonly kind: "slow"; readonly byteDelayMs: number }
  | { readonly kind: "truncated"; readonly then: "hold" | "close" };

/**
 * When the runner's marker payload (sent to detect acceptance) goes out:
 * `separate`: in its own write after the header; `same-write`: in the same
 * write as the header's last byte (so in the same segment); `none`: never
 * (incomplete headers: a marker would become part of the header).
 */
export type MarkerMode = "separate" | "same-write" | "none";

/** One named attack on a receiver. */
export interface FuzzCase {
  /** Stable kebab-case name, unique in the catalog; `random-<seed>-<index>` in random mode. */
  readonly name: string;
  /** Spec section probed: "2", "2.1", "2.2", "2.2.1" ... "2.2.8". */
  readonly section: string;
  /** How strongly the spec words the probed rule; sets the verdict's weight. */
  readonly requirement: Requirement;
  /** The spec sentence probed, verbatim (whitespace aside). */
  readonly rule: string;
  /** One sentence: what is sent and why. */
  readonly description: string;
  /** The header bytes, possibly invalid or truncated. */
  readonly bytes: Uint8Array;
  /**
   * Application bytes written together with the header's last byte (e.g. a
   * second PROXY header) that an accepting receiver must pass through
   * unchanged, before the marker. Usually empty.
   */
  readonly afterHeader: Uint8Array;
  /** How `bytes` is sent. */
  readonly delivery: Delivery;
  /** When the runner's marker payload is sent. */
  readonly marker: MarkerMode;
  /** What a conforming receiver does. */
  readonly expect: Expectation;
  /** For `reject`: the error a strict decoder reports (ppcat's decoder does). */
  readonly code?: ErrorCode;
  /** The header version the case is for (a v2-only receiver may skip version 1); null: neither. */
  readonly version: 1 | 2 | null;
  /** The published vulnerability this case is a regression seed for. */
  readonly cve?: string;
}

/**
 * §2: "the smallest TCP segment that any TCP/IP host is required to support
 * (576 - 40 = 536 bytes)". Longer valid headers are judged `either`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MSS_HEADER_LIMIT } from "./catalog.ts";
 * assert.equal(MSS_HEADER_LIMIT, 576 - 40);
 * ```
 */
export const MSS_HEADER_LIMIT = 536;
/** §2.2.2 sets no limit on AUTHORITY; values over 255 bytes (DNS's limit) are judged `either`. */
export const AUTHORITY_SOFT_LIMIT = 255;
/** The spec sets no limit on TLV values; values over 1024 bytes are judged `either`. */
export const TLV_VALUE_SOFT_LIMIT = 1024;
/** Pause between the header and a `separate` marker, unless the runner says otherwise. */
export const MARKER_DELAY_MS = 100;

/**
 * The spec sentences the catalog probes, verbatim from
 * shared/spec/proxy-protocol.txt (whitespace aside).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FUZZ_RULES } from "./catalog.ts";
 * assert.match(FUZZ_RULES.v1TooLong, /should declare the line invalid/);
 * ```
 */
export const FUZZ_RULES = {
  v1Implement: "Version 1 receivers MUST at least implement the human-readable header format.",
  v2Implement: "Version 2 receivers MUST at least implement the binary header format",
  v1Grammar: "Any sequence which does not exactly match the protocol must be discarded and " +
    "cause the receiver to abort the connection.",
  v1Space: 'exactly one space : " " ( \\x20 )',
  v1Protocol: 'only "TCP4" ( \\x54 \\x43 \\x50 \\x34 ) for TCP over IPv4, and "TCP6" ' +
    "( \\x54 \\x43 \\x50 \\x36 ) for TCP over IPv6 are allowed.",
  v1Ipv4: "IPv4 addresses must be indicated as a series of exactly 4 integers in the range " +
    "[0..255] inclusive written in decimal representation separated by exactly one dot " +
    "between each other.",
  v1LeadingZero: "Heading zeroes are not permitted in front of numbers in order to avoid any " +
    "possible confusion with octal numbers.",
  v1Port: "the TCP source port represented as a decimal integer in the range [0..65535] inclusive.",
  v1Ipv6: "IPv6 addresses must be indicated as series of sets of 4 hexadecimal digits (upper " +
    "or lower case) delimited by colons between each other, with the acceptance of one double " +
    "colon sequence to replace the largest acceptable range of consecutive zeroes. The total " +
    "number of decoded bits must exactly be 128.",
  v1Family: "The advertised protocol family dictates what format to use.",
  v1MaxLength: "The maximum line lengths the receiver must support including the CRLF are :",
  v1Crlf: "The receiver must not tolerate a single CR or LF character to end the line when a " +
    "complete CRLF sequence is expected.",
  v1TooLong: "If the CRLF sequence is not found in the first 107 characters, the receiver " +
    "should declare the line invalid.",
  v1Unknown: 'If the announced transport protocol is "UNKNOWN", then the receiver knows that ' +
    "the sender speaks the correct PROXY protocol with the appropriate version, and SHOULD " +
    "accept the connection",
  v1UnknownIgnore: "the receiver must ignore anything presented before the CRLF is found.",
  v2Signature: "otherwise the protocol is not covered by this specification and the connection " +
    "must be dropped.",
  v2Version: "it must always be sent as \\x2 and the receiver must only accept this value.",
  v2Command: "Receivers must drop connections presenting unexpected values here.",
  v2Local: "The receiver must accept this connection as valid and must use the real connection " +
    "endpoints and discard the protocol block including the family which is ignored.",
  v2Proxy: "The receiver must then use the information provided in the protocol block to get " +
    "original the address.",
  v2FamilyInvalid: "other values are unspecified and must not be emitted in version 2 of this " +
    "protocol and must be rejected as invalid by receivers.",
  v2Unspec: "The receiver is free to accept the connection anyway and use the real endpoint " +
    "addresses or to reject it.",
  v2Fallback: "A receiver is not required to implement other ones, provided that it " +
    "automatically falls back to the UNSPEC mode for the valid combinations above that it does " +
    "not support.",
  v2Len: "Receivers MUST always consider this field to skip the appropriate number of bytes and " +
    "must not assume zero is presented for LOCAL connections.",
  v2AddressBlock: "The receiver must not start to parse an address before the whole address " +
    "block is received.",
  v2HeaderLength: "Thus the length of the protocol header in bytes is always exactly 16 + this " +
    "value.",
  partial: "The receiver must also reject incoming connections containing partial protocol " +
    "headers.",
  tlvFormat: "following the length field is the number of bytes specified by the length.",
  tlvSkip: "A receiver may choose to skip over and ignore the TLVs it is not interested in or it " +
    "does not understand.",
  alpn: "It is a byte sequence defining the upper layer protocol in use over the connection.",
  authority: "Contains the host name value passed by the client, as an UTF8-encoded string.",
  crc: "If it is not, the receiver MUST treat the TCP connection providing the header as invalid.",
  crcValue: "The value of the type PP2_TYPE_CRC32C is a 32-bit number storing the CRC32c " +
    "checksum of the PROXY protocol header.",
  noop: "The TLV of this type should be ignored when parsed.",
  uniqueId: "The value of the type PP2_TYPE_UNIQUE_ID is an opaque byte sequence of up to 128 " +
    "bytes generated by the upstream proxy that uniquely identifies the connection.",
  ssl: "The total length of the pp2_tlv_ssl TLV will reflect this.",
  netns: "The type PP2_TYPE_NETNS defines the value as the US-ASCII string representation of " +
    "the namespace's name.",
  reserved: "The following range of 16 type values is reserved for application-specific data " +
    "and will be never used by the PROXY Protocol.",
  mss: "Both formats are designed to fit in the smallest TCP segment that any TCP/IP host is " +
    "required to support (576 - 40 = 536 bytes).",
  noGuess: "The receiver MUST be configured to only receive the protocol described in this " +
    "specification and MUST not try to guess whether the protocol header is present or not.",
  notBefore: "The receiver MUST NOT start processing the connection before it receives a " +
    "complete and valid PROXY protocol header.",
  timeout: "The receiver may apply a short timeout and decide to abort the connection if the " +
    "protocol header is not seen within a few seconds (at least 3 seconds to cover a TCP " +
    "retransmit).",
  tolerance: "The receiver may be tolerant to partial headers or may simply drop the connection " +
    "when receiving a partial header. Recommendation is to be tolerant",
  skipHeader: "For the receiver, once the header is parsed, it is easy to skip it from the input " +
    "buffers.",
} as const;

// ---------------------------------------------------------------------------
// Byte helpers (local: the catalog never mutates encoder output in place).

/** One byte per char code, so "\x00" stays one byte. */
function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function cat(...parts: (Uint8Array | readonly number[])[]): Uint8Array {
  return concatBytes(parts);
}

/** A copy of `src` with bytes from `at` replaced by `values`. */
function patch(src: Uint8Array, at: number, ...values: number[]): Uint8Array {
  const out = src.slice();
  out.set(values, at);
  return out;
}

/** Encodes with ppcat's encoder; the catalog's inits are valid, so failure is a bug. */
function build(init: HeaderInit): Uint8Array {
  const r = encodeHeader(init);
  if (!r.ok) {
    throw new Error(`fuzz catalog: cannot encode ${JSON.stringify(init)}: ${r.error.code}`);
  }
  return r.value.slice(); // out of the encoder's shared slab
}

/** A v2 header by hand: signature, ver/cmd, fam, `len` (default: the body's length), body. */
function v2Raw(verCmd: number, fam: number, body: Uint8Array, len = body.length): Uint8Array {
  return cat(V2_SIGNATURE, [verCmd, fam, len >> 8, len & 0xff], body);
}

/** A raw TLV by hand: type, big-endian length (default: the value's), value. */
function tlvRaw(type: number, value: Uint8Array, length = value.length): Uint8Array {
  return cat([type, length >> 8, length & 0xff], value);
}

const SRC4 = { address: "192.0.2.1", port: 56324 };
const DST4 = { address: "198.51.100.7", port: 443 };
const SRC6 = { address: "2001:db8::1", port: 56324 };
const DST6 = { address: "2001:db8::2", port: 443 };
const SPOOF4 = { address: "203.0.113.66", port: 1234 };
const FFFF6 = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";

const tcp4 = (version: 1 | 2, extra: Partial<HeaderInit> = {}): Uint8Array =>
  build({ version, protocol: "TCP4", source: SRC4, destination: DST4, ...extra });
const tcp6 = (version: 1 | 2, extra: Partial<HeaderInit> = {}): Uint8Array =>
  build({ version, protocol: "TCP6", source: SRC6, destination: DST6, ...extra });

// ---------------------------------------------------------------------------
// Case builders.

interface Draft {
  name: string;
  section: string;
  requirement: Requirement;
  rule: string;
  description: string;
  bytes: Uint8Array;
  expect: Expectation;
  code?: ErrorCode;
  delivery?: Delivery;
  marker?: MarkerMode;
  afterHeader?: Uint8Array;
  cve?: string;
}

function make(version: 1 | 2 | null, d: Draft): FuzzCase {
  const delivery = d.delivery ?? { kind: "whole" };
  const c: FuzzCase = {
    name: d.name,
    section: d.section,
    requirement: d.requirement,
    rule: d.rule,
    description: d.description,
    bytes: d.bytes,
    afterHeader: d.afterHeader ?? new Uint8Array(0),
    delivery,
    marker: d.marker ?? (delivery.kind === "truncated" ? "none" : "separate"),
    expect: d.expect,
    version,
  };
  return {
    ...c,
    ...(d.code !== undefined ? { code: d.code } : {}),
    ...(d.cve !== undefined ? { cve: d.cve } : {}),
  };
}

const R = FUZZ_RULES;

/** A version 1 line that must be rejected (§2.1, MUST unless told). */
function v1Bad(
  name: string,
  line: string,
  code: ErrorCode,
  description: string,
  rule: string = R.v1Grammar,
  requirement: Requirement = "MUST",
): FuzzCase {
  return make(1, {
    name,
    section: "2.1",
    requirement,
    rule,
    description,
    bytes: latin1(line),
    expect: "reject",
    code,
  });
}

function v1Good(
  name: string,
  bytes: Uint8Array,
  description: string,
  rule: string,
  requirement: Requirement = "MUST",
  expect: Expectation = "accept",
): FuzzCase {
  return make(1, { name, section: "2.1", requirement, rule, description, bytes, expect });
}

/** A version 2 header that must be rejected (§2.2, MUST unless told). */
function v2Bad(
  name: string,
  bytes: Uint8Array,
  code: ErrorCode,
  description: string,
  rule: string,
  section = "2.2",
  requirement: Requirement = "MUST",
): FuzzCase {
  return make(2, { name, section, requirement, rule, description, bytes, expect: "reject", code });
}

function v2Good(
  name: string,
  bytes: Uint8Array,
  description: string,
  rule: string,
  section = "2.2",
  requirement: Requirement = "MUST",
  expect: Expectation = "accept",
): FuzzCase {
  return make(2, { name, section, requirement, rule, description, bytes, expect });
}

/** A valid header the spec sets no limit for: accepting passes, rejecting is a note. */
function v2Either(
  name: string,
  bytes: Uint8Array,
  description: string,
  rule: string,
  section = "2.2",
): FuzzCase {
  return v2Good(name, bytes, description, rule, section, "MAY", "either");
}

const pad2 = (n: number): string => n.toString().padStart(2, "0");

// ---------------------------------------------------------------------------
// §2.1: version 1.

function v1Cases(): FuzzCase[] {
  const line = "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n";
  const with4 = (src: string, dst: string, sport: string, dport: string, protocol = "TCP4") =>
    `PROXY ${protocol} ${src} ${dst} ${sport} ${dport}\r\n`;
  const v6 = (src: string, dst: string) => with4(src, dst, "56324", "443", "TCP6");
  const lz = R.v1LeadingZero;
  const out: FuzzCase[] = [
    // Valid lines.
    v1Good("v1-tcp4", tcp4(1), "The spec's TCP4 line shape: must be accepted.", R.v1Implement),
    v1Good("v1-tcp6", tcp6(1), "A TCP6 line with compressed addresses.", R.v1Implement),
    v1Good(
      "v1-tcp4-max-length",
      build({
        version: 1,
        protocol: "TCP4",
        source: { address: "255.255.255.255", port: 65535 },
        destination: { address: "255.255.255.255", port: 65535 },
      }),
      "The longest TCP4 line (56 bytes), which the receiver must support.",
      R.v1MaxLength,
    ),
    v1Good(
      "v1-tcp6-max-length",
      build({
        version: 1,
        protocol: "TCP6",
        source: { address: FFFF6, port: 65535 },
        destination: { address: FFFF6, port: 65535 },
      }),
      "The longest TCP6 line (104 bytes), which the receiver must support.",
      R.v1MaxLength,
    ),
    v1Good(
      "v1-tcp4-zero-addresses-and-ports",
      latin1(with4("0.0.0.0", "0.0.0.0", "0", "0")),
      "All-zero addresses and port 0: single zeros are not heading zeroes.",
      R.v1LeadingZero,
    ),
    v1Good(
      "v1-tcp6-full-form",
      latin1(
        v6("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:0db8:0000:0000:0000:0000:0000:0002"),
      ),
      "IPv6 written as eight sets of 4 hexadecimal digits, the spec's own form.",
      R.v1Ipv6,
    ),
    v1Good(
      "v1-tcp6-uppercase-hex",
      latin1(v6("2001:DB8::A", "2001:DB8::B")),
      "Upper-case hexadecimal digits are allowed.",
      R.v1Ipv6,
    ),
    v1Good(
      "v1-tcp6-all-zero",
      latin1(v6("::", "::")),
      "The unspecified address '::': one double colon for all 128 bits.",
      R.v1Ipv6,
    ),
    v1Good(
      "v1-tcp6-ipv4-mapped",
      latin1(v6("::ffff:192.0.2.1", "::ffff:198.51.100.7")),
      "IPv4-mapped IPv6 in dotted form (RFC 4291 §2.2 form 3), which the spec does not mention: " +
        "accepting passes, rejecting is a note.",
      R.v1Ipv6,
      "MAY",
      "either",
    ),
    v1Good(
      "v1-unknown-short",
      latin1("PROXY UNKNOWN\r\n"),
      "The short UNKNOWN form (15 bytes).",
      R.v1Unknown,
      "SHOULD",
    ),
    v1Good(
      "v1-unknown-with-fields",
      build({ version: 1, protocol: "UNKNOWN", source: SRC4, destination: DST4 }),
      "UNKNOWN followed by addresses and ports, which the receiver ignores.",
      R.v1Unknown,
      "SHOULD",
    ),
    v1Good(
      "v1-unknown-garbage-fields",
      latin1("PROXY UNKNOWN not-an-address 1.2.3.999 99999 -1\r\n"),
      "UNKNOWN followed by invalid fields: anything before the CRLF is ignored.",
      R.v1UnknownIgnore,
      "SHOULD",
    ),
    v1Good(
      "v1-unknown-worst-case-107",
      latin1(`PROXY UNKNOWN ${FFFF6} ${FFFF6} 65535 65535\r\n`),
      "The spec's worst case: a 107-byte UNKNOWN line, the longest a receiver must support.",
      R.v1MaxLength,
      "SHOULD",
    ),
    v1Good(
      "v1-unknown-nul-bytes",
      latin1("PROXY UNKNOWN \x00\x00\x00\x00\r\n"),
      "NUL bytes in the ignored part of an UNKNOWN line (C-string parsers stop there).",
      R.v1UnknownIgnore,
      "SHOULD",
    ),
    v1Good(
      "v1-unknown-trailing-space",
      latin1("PROXY UNKNOWN \r\n"),
      "UNKNOWN with a trailing space: the ignored rest of the line is a lone space.",
      R.v1UnknownIgnore,
      "SHOULD",
    ),

    // Spaces.
    v1Bad(
      "v1-no-space-after-proxy",
      "PROXYTCP4 192.0.2.1 198.51.100.7 56324 443\r\n",
      "V1_BAD_SPACE",
      "No space between PROXY and the protocol.",
      R.v1Space,
    ),
    v1Bad(
      "v1-double-space-after-proxy",
      "PROXY  TCP4 192.0.2.1 198.51.100.7 56324 443\r\n",
      "V1_BAD_SPACE",
      "Two spaces after PROXY.",
      R.v1Space,
    ),
    v1Bad(
      "v1-double-space-between-addresses",
      "PROXY TCP4 192.0.2.1  198.51.100.7 56324 443\r\n",
      "V1_BAD_SPACE",
      "Two spaces between the addresses.",
      R.v1Space,
    ),
    v1Bad(
      "v1-double-space-between-ports",
      "PROXY TCP4 192.0.2.1 198.51.100.7 56324  443\r\n",
      "V1_BAD_SPACE",
      "Two spaces between the ports.",
      R.v1Space,
    ),
    v1Bad(
      "v1-tab-after-proxy",
      "PROXY\tTCP4 192.0.2.1 198.51.100.7 56324 443\r\n",
      "V1_BAD_SPACE",
      "A tab instead of the space after PROXY.",
      R.v1Space,
    ),
    v1Bad(
      "v1-tab-between-addresses",
      "PROXY TCP4 192.0.2.1\t198.51.100.7 56324 443\r\n",
      "V1_BAD_ADDRESS",
      "A tab instead of a space: the source field runs into the destination.",
      R.v1Space,
    ),
    v1Bad(
      "v1-trailing-space",
      "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443 \r\n",
      "V1_BAD_SPACE",
      "A space between the destination port and the CRLF.",
      R.v1Space,
    ),
    v1Bad(
      "v1-leading-space",
      " PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n",
      "NOT_PROXY",
      "A space before PROXY.",
    ),
    v1Bad(
      "v1-space-then-crlf",
      "PROXY \r\n",
      "V1_BAD_SPACE",
      "PROXY, a space, then the end of the line.",
      R.v1Space,
    ),

    // Case and protocol names.
    v1Bad(
      "v1-lowercase-proxy",
      "proxy TCP4 192.0.2.1 198.51.100.7 56324 443\r\n",
      "NOT_PROXY",
      "'proxy' in lower case.",
    ),
    v1Bad(
      "v1-lowercase-tcp4",
      "PROXY tcp4 192.0.2.1 198.51.100.7 56324 443\r\n",
      "V1_BAD_PROTOCOL",
      "'tcp4' in lower case.",
      R.v1Protocol,
    ),
    v1Bad(
      "v1-mixed-case-unknown",
      "PROXY Unknown\r\n",
      "V1_BAD_PROTOCOL",
      "'Unknown' in mixed case.",
      R.v1Protocol,
    ),
    v1Bad(
      "v1-protocol-udp4",
      "PROXY UDP4 192.0.2.1 198.51.100.7 56324 443\r\n",
      "V1_BAD_PROTOCOL",
      "UDP4, which version 1 does not have.",
      R.v1Protocol,
    ),
    v1Bad(
      "v1-protocol-tcp46",
      "PROXY TCP46 192.0.2.1 198.51.100.7 56324 443\r\n",
      "V1_BAD_PROTOCOL",
      "A protocol name with TCP4 as a prefix.",
      R.v1Protocol,
    ),
    v1Bad(
      "v1-protocol-unknown-glued",
      "PROXY UNKNOWNX\r\n",
      "V1_BAD_PROTOCOL",
      "UNKNOWN with a byte glued to it: not the UNKNOWN keyword.",
      R.v1Protocol,
    ),

    // Heading zeroes.
    v1Bad(
      "v1-ipv4-leading-zero-source",
      with4("192.0.2.01", "198.51.100.7", "56324", "443"),
      "V1_LEADING_ZERO",
      "A heading zero in the source address's last octet.",
      lz,
    ),
    v1Bad(
      "v1-ipv4-leading-zero-destination",
      with4("192.0.2.1", "198.051.100.7", "56324", "443"),
      "V1_LEADING_ZERO",
      "A heading zero in a destination octet (octal 051 would be 41).",
      lz,
    ),
    v1Bad(
      "v1-ipv4-leading-zero-first-octet",
      with4("010.0.2.1", "198.51.100.7", "56324", "443"),
      "V1_LEADING_ZERO",
      "An octal-looking first octet '010'.",
      lz,
    ),
    v1Bad(
      "v1-port-leading-zero-source",
      with4("192.0.2.1", "198.51.100.7", "080", "443"),
      "V1_LEADING_ZERO",
      "Source port '080' (octal-looking).",
      lz,
    ),
    v1Bad(
      "v1-port-leading-zero-destination",
      with4("192.0.2.1", "198.51.100.7", "56324", "0443"),
      "V1_LEADING_ZERO",
      "Destination port '0443'.",
      lz,
    ),
    v1Bad(
      "v1-port-double-zero",
      with4("192.0.2.1", "198.51.100.7", "00", "443"),
      "V1_LEADING_ZERO",
      "Source port '00': a zero with a heading zero.",
      lz,
    ),
    v1Bad(
      "v1-ipv6-ipv4-tail-leading-zero",
      v6("::ffff:192.0.2.01", "::ffff:198.51.100.7"),
      "V1_LEADING_ZERO",
      "A heading zero in the dotted tail of an IPv6 address.",
      lz,
    ),

    // Ranges.
    v1Bad(
      "v1-ipv4-octet-256",
      with4("192.0.2.256", "198.51.100.7", "56324", "443"),
      "V1_BAD_ADDRESS",
      "A source octet of 256, above 255.",
      R.v1Ipv4,
    ),
    v1Bad(
      "v1-ipv4-octet-999-destination",
      with4("192.0.2.1", "198.51.100.999", "56324", "443"),
      "V1_BAD_ADDRESS",
      "A destination octet of 999.",
      R.v1Ipv4,
    ),
    v1Bad(
      "v1-port-65536",
      with4("192.0.2.1", "198.51.100.7", "65536", "443"),
      "V1_BAD_PORT",
      "Source port 65536, one past the range.",
      R.v1Port,
    ),
    v1Bad(
      "v1-dport-99999",
      with4("192.0.2.1", "198.51.100.7", "56324", "99999"),
      "V1_BAD_PORT",
      "Destination port 99999.",
      R.v1Port,
    ),
    v1Bad(
      "v1-port-negative",
      with4("192.0.2.1", "198.51.100.7", "-1", "443"),
      "V1_BAD_PORT",
      "Source port -1: a sign is not a decimal digit.",
      R.v1Port,
    ),
    v1Bad(
      "v1-port-plus-sign",
      with4("192.0.2.1", "198.51.100.7", "+56324", "443"),
      "V1_BAD_PORT",
      "A plus sign before the source port.",
      R.v1Port,
    ),
    v1Bad(
      "v1-port-hex",
      with4("192.0.2.1", "198.51.100.7", "56324", "0x1bb"),
      "V1_BAD_PORT",
      "Destination port in hexadecimal.",
      R.v1Port,
    ),
    v1Bad(
      "v1-port-six-digits",
      with4("192.0.2.1", "198.51.100.7", "100000", "443"),
      "V1_BAD_PORT",
      "A six-digit source port.",
      R.v1Port,
    ),

    // Octet counts and IPv4 shapes.
    v1Bad(
      "v1-ipv4-three-octets",
      with4("192.0.2", "198.51.100.7", "56324", "443"),
      "V1_BAD_ADDRESS",
      "A source address with three octets.",
      R.v1Ipv4,
    ),
    v1Bad(
      "v1-ipv4-five-octets",
      with4("192.0.2.1.5", "198.51.100.7", "56324", "443"),
      "V1_BAD_ADDRESS",
      "A source address with five octets.",
      R.v1Ipv4,
    ),
    v1Bad(
      "v1-ipv4-empty-octet",
      with4("192.0..1", "198.51.100.7", "56324", "443"),
      "V1_BAD_ADDRESS",
      "Two dots in a row: an empty octet.",
      R.v1Ipv4,
    ),
    v1Bad(
      "v1-ipv4-trailing-dot",
      with4("192.0.2.1.", "198.51.100.7", "56324", "443"),
      "V1_BAD_ADDRESS",
      "A dot after the last octet.",
      R.v1Ipv4,
    ),
    v1Bad(
      "v1-ipv4-single-integer",
      with4("3221225985", "198.51.100.7", "56324", "443"),
      "V1_BAD_ADDRESS",
      "The address as one 32-bit integer (inet_aton accepts it).",
      R.v1Ipv4,
    ),
    v1Bad(
      "v1-ipv4-with-port",
      with4("192.0.2.1:56324", "198.51.100.7", "56324", "443"),
      "V1_BAD_ADDRESS",
      "An address with a ':port' suffix.",
      R.v1Ipv4,
    ),
    v1Bad(
      "v1-ipv4-hex-octet",
      with4("0xc0.0.2.1", "198.51.100.7", "56324", "443"),
      "V1_BAD_ADDRESS",
      "A hexadecimal octet '0xc0' (inet_aton accepts it).",
      R.v1Ipv4,
    ),

    // IPv6 forms.
    v1Bad(
      "v1-ipv6-two-double-colons",
      v6("2001::db8::1", "2001:db8::2"),
      "V1_BAD_ADDRESS",
      "Two '::' sequences: ambiguous, so not 128 bits.",
      R.v1Ipv6,
    ),
    v1Bad(
      "v1-ipv6-triple-colon",
      v6("2001:::1", "2001:db8::2"),
      "V1_BAD_ADDRESS",
      "Three colons in a row (':::').",
      R.v1Ipv6,
    ),
    v1Bad(
      "v1-ipv6-five-digit-group",
      v6("2001:00db8::1", "2001:db8::2"),
      "V1_BAD_ADDRESS",
      "A group of five hex digits.",
      R.v1Ipv6,
    ),
    v1Bad(
      "v1-ipv6-nine-groups",
      v6("1:2:3:4:5:6:7:8:9", "2001:db8::2"),
      "V1_BAD_ADDRESS",
      "Nine groups: more than 128 bits.",
      R.v1Ipv6,
    ),
    v1Bad(
      "v1-ipv6-seven-groups",
      v6("1:2:3:4:5:6:7", "2001:db8::2"),
      "V1_BAD_ADDRESS",
      "Seven groups without '::': fewer than 128 bits.",
      R.v1Ipv6,
    ),
    v1Bad(
      "v1-ipv6-zone-id",
      v6("fe80::1%eth0", "fe80::2"),
      "V1_BAD_ADDRESS",
      "A link-local address with a zone id '%eth0'.",
      R.v1Ipv6,
    ),
    v1Bad(
      "v1-ipv6-brackets",
      v6("[2001:db8::1]", "2001:db8::2"),
      "V1_BAD_ADDRESS",
      "An address in URL brackets.",
      R.v1Ipv6,
    ),
    v1Bad(
      "v1-ipv6-non-hex-digit",
      v6("2001:db8::g1", "2001:db8::2"),
      "V1_BAD_ADDRESS",
      "A group with the non-hex digit 'g'.",
      R.v1Ipv6,
    ),

    // Family versus address.
    v1Bad(
      "v1-tcp4-with-ipv6-addresses",
      with4("2001:db8::1", "2001:db8::2", "56324", "443"),
      "V1_BAD_ADDRESS",
      "TCP4 announcing IPv6 addresses.",
      R.v1Family,
    ),
    v1Bad(
      "v1-tcp4-with-ipv6-destination",
      with4("192.0.2.1", "2001:db8::2", "56324", "443"),
      "V1_BAD_ADDRESS",
      "TCP4 with an IPv6 destination.",
      R.v1Family,
    ),
    v1Bad(
      "v1-tcp6-with-ipv4-addresses",
      v6("192.0.2.1", "198.51.100.7"),
      "V1_BAD_ADDRESS",
      "TCP6 announcing IPv4 addresses.",
      R.v1Family,
    ),
    v1Bad(
      "v1-tcp4-with-ipv4-mapped",
      with4("::ffff:192.0.2.1", "198.51.100.7", "56324", "443"),
      "V1_BAD_ADDRESS",
      "TCP4 with an IPv4-mapped IPv6 source.",
      R.v1Family,
    ),

    // Extra and missing tokens.
    v1Bad(
      "v1-extra-field",
      with4("192.0.2.1", "198.51.100.7", "56324", "443 80"),
      "V1_FIELD_COUNT",
      "A fifth field after the destination port.",
    ),
    v1Bad(
      "v1-missing-dport",
      "PROXY TCP4 192.0.2.1 198.51.100.7 56324\r\n",
      "V1_FIELD_COUNT",
      "A TCP4 line without its destination port.",
    ),
    v1Bad(
      "v1-missing-ports",
      "PROXY TCP4 192.0.2.1 198.51.100.7\r\n",
      "V1_FIELD_COUNT",
      "A TCP4 line without either port.",
    ),
    v1Bad("v1-tcp4-no-fields", "PROXY TCP4\r\n", "V1_FIELD_COUNT", "TCP4 without any field."),
    v1Bad("v1-proxy-only", "PROXY\r\n", "V1_FIELD_COUNT", "PROXY alone on the line."),

    // CR and LF.
    v1Bad(
      "v1-lone-lf",
      line.replace("\r\n", "\n"),
      "V1_BAD_CRLF",
      "LF alone ends the line.",
      R.v1Crlf,
    ),
    v1Bad(
      "v1-lone-cr",
      line.replace("\r\n", "\rX"),
      "V1_BAD_CRLF",
      "CR alone ends the line, followed by a payload byte.",
      R.v1Crlf,
    ),
    v1Bad(
      "v1-cr-cr-lf",
      line.replace("\r\n", "\r\r\n"),
      "V1_BAD_CRLF",
      "The line ends with CR CR LF: the first CR is alone.",
      R.v1Crlf,
    ),
    v1Bad(
      "v1-lf-cr",
      line.replace("\r\n", "\n\r"),
      "V1_BAD_CRLF",
      "The line ends with LF CR, reversed.",
      R.v1Crlf,
    ),
    v1Bad(
      "v1-lone-lf-inside-line",
      "PROXY TCP4 192.0.2.1\n198.51.100.7 56324 443\r\n",
      "V1_BAD_CRLF",
      "A lone LF in place of a separator.",
      R.v1Crlf,
    ),
    v1Bad(
      "v1-lone-cr-inside-line",
      "PROXY TCP4 192.0.2.1\r198.51.100.7 56324 443\r\n",
      "V1_BAD_CRLF",
      "A lone CR in place of a separator.",
      R.v1Crlf,
    ),
    v1Bad(
      "v1-lone-cr-inside-unknown",
      "PROXY UNKNOWN a\rb\r\n",
      "V1_BAD_CRLF",
      "A lone CR inside the ignored part of an UNKNOWN line.",
      R.v1Crlf,
    ),
    v1Bad(
      "v1-lone-lf-inside-unknown",
      "PROXY UNKNOWN\nGET / HTTP/1.1\r\n",
      "V1_BAD_CRLF",
      "UNKNOWN ended by a lone LF: a lenient receiver swallows the next request line.",
      R.v1Crlf,
    ),

    // No CRLF within 107 bytes.
    v1Bad(
      "v1-unknown-108-bytes",
      `PROXY UNKNOWN ${"a".repeat(92)}\r\n`,
      "V1_TOO_LONG",
      "An UNKNOWN line whose CRLF ends at byte 108, one past the limit.",
      R.v1TooLong,
      "SHOULD",
    ),
    v1Bad(
      "v1-unknown-no-crlf-within-107",
      `PROXY UNKNOWN ${"a".repeat(200)}\r\n`,
      "V1_TOO_LONG",
      "An UNKNOWN line of 216 bytes.",
      R.v1TooLong,
      "SHOULD",
    ),
    v1Bad(
      "v1-tcp4-overlong-address",
      `PROXY TCP4 ${"1".repeat(120)} 198.51.100.7 56324 443\r\n`,
      "V1_TOO_LONG",
      "A 120-digit source address: past 107 bytes, and no valid TCP4 line at any length.",
      R.v1Ipv4,
    ),

    // NUL bytes.
    v1Bad(
      "v1-nul-in-source-address",
      with4("192.0.2.1\x00", "198.51.100.7", "56324", "443"),
      "V1_BAD_ADDRESS",
      "A NUL after the source address (C-string parsers stop there).",
      R.v1Ipv4,
    ),
    v1Bad(
      "v1-nul-after-dport",
      with4("192.0.2.1", "198.51.100.7", "56324", "443\x00"),
      "V1_BAD_PORT",
      "A NUL between the destination port and the CRLF (strtol stops there).",
      R.v1Port,
    ),
    v1Bad(
      "v1-nul-after-proxy",
      "PROXY\x00TCP4 192.0.2.1 198.51.100.7 56324 443\r\n",
      "V1_BAD_SPACE",
      "A NUL instead of the space after PROXY.",
      R.v1Space,
    ),
    v1Bad(
      "v1-nul-in-proxy",
      "PRO\x00Y TCP4 192.0.2.1 198.51.100.7 56324 443\r\n",
      "NOT_PROXY",
      "A NUL inside the PROXY keyword.",
    ),
  ];
  return out;
}

// ---------------------------------------------------------------------------
// §2.2: version 2.

function v2Cases(): FuzzCase[] {
  const base = tcp4(2);
  const addr4 = base.subarray(16, 28);
  const proxyWith = (fam: number, body: Uint8Array) => v2Raw(0x21, fam, body);
  const out: FuzzCase[] = [
    v2Good("v2-tcp4", base, "PROXY over TCP/IPv4, 28 bytes.", R.v2Proxy),
    v2Good("v2-tcp6", tcp6(2), "PROXY over TCP/IPv6, 52 bytes.", R.v2Proxy),
    v2Good(
      "v2-tcp6-ipv4-mapped",
      build({
        version: 2,
        protocol: "TCP6",
        source: { address: "::ffff:192.0.2.1", port: 56324 },
        destination: { address: "::ffff:198.51.100.7", port: 443 },
      }),
      "TCP6 carrying IPv4-mapped addresses.",
      R.v2Proxy,
    ),
  ];

  // Signature damage: each of the 12 bytes with its top bit flipped.
  for (let i = 0; i < 12; i++) {
    out.push(v2Bad(
      `v2-signature-byte-${pad2(i)}`,
      patch(base, i, base[i] ^ 0x80),
      "NOT_PROXY",
      `Signature byte ${i} damaged (top bit flipped).`,
      R.v2Signature,
    ));
  }
  // Version nibble.
  for (const v of [0x0, 0x1, 0x3, 0xf]) {
    out.push(v2Bad(
      `v2-version-${v.toString(16)}`,
      patch(base, 12, (v << 4) | 0x1),
      "V2_BAD_VERSION",
      `Version nibble ${v.toString(16)} with the PROXY command.`,
      R.v2Version,
    ));
  }
  // Every command value: LOCAL and PROXY are the only valid ones.
  out.push(v2Good(
    "v2-command-local-with-addresses",
    build({ version: 2, command: "LOCAL", protocol: "TCP4", source: SRC4, destination: DST4 }),
    "LOCAL (command 0) carrying a TCP4 address block, which is skipped.",
    R.v2Local,
  ));
  for (let cmd = 0x2; cmd <= 0xf; cmd++) {
    out.push(v2Bad(
      `v2-command-${cmd.toString(16)}`,
      patch(base, 12, 0x20 | cmd),
      "V2_BAD_COMMAND",
      `Unassigned command ${cmd.toString(16)}.`,
      R.v2Command,
    ));
  }
  // Every family nibble above 3 (with STREAM), every transport nibble above 2 (with INET).
  for (let fam = 0x4; fam <= 0xf; fam++) {
    out.push(v2Bad(
      `v2-family-${fam.toString(16)}`,
      patch(base, 13, (fam << 4) | 0x1),
      "V2_BAD_FAMILY",
      `Unspecified address family ${fam.toString(16)}.`,
      R.v2FamilyInvalid,
    ));
  }
  for (let t = 0x3; t <= 0xf; t++) {
    out.push(v2Bad(
      `v2-transport-${t.toString(16)}`,
      patch(base, 13, 0x10 | t),
      "V2_BAD_TRANSPORT",
      `Unspecified transport protocol ${t.toString(16)}.`,
      R.v2FamilyInvalid,
    ));
  }
  // Valid families and transports other than TCP: the receiver may fall back to UNSPEC, and
  // UNSPEC under PROXY may be accepted or rejected.
  out.push(
    v2Either(
      "v2-proxy-unspec",
      build({ version: 2, protocol: "UNSPEC" }),
      "PROXY with AF_UNSPEC (0x00) and len 0.",
      R.v2Unspec,
    ),
    v2Either(
      "v2-proxy-unspec-with-tlvs",
      build({ version: 2, protocol: "UNSPEC", tlvs: [alpnTlv("h2"), authorityTlv("example.com")] }),
      "PROXY with AF_UNSPEC followed by TLVs and no address block.",
      R.v2Unspec,
    ),
    v2Either(
      "v2-udp4-over-tcp",
      build({ version: 2, protocol: "UDP4", source: SRC4, destination: DST4 }),
      "UDP over IPv4 (0x12) announced on a TCP connection.",
      R.v2Fallback,
    ),
    v2Either(
      "v2-udp6-over-tcp",
      build({ version: 2, protocol: "UDP6", source: SRC6, destination: DST6 }),
      "UDP over IPv6 (0x22) announced on a TCP connection.",
      R.v2Fallback,
    ),
    v2Either(
      "v2-unix-stream-over-tcp",
      build({
        version: 2,
        protocol: "UNIX_STREAM",
        source: { path: "/run/client.sock" },
        destination: { path: "/run/server.sock" },
      }),
      "AF_UNIX stream (0x31, 216-byte address block) on a TCP connection.",
      R.v2Fallback,
    ),
    v2Either(
      "v2-unix-dgram-over-tcp",
      build({
        version: 2,
        protocol: "UNIX_DGRAM",
        source: { path: "@client" },
        destination: { path: "/run/server.sock" },
      }),
      "AF_UNIX datagram (0x32) with an abstract source name on a TCP connection.",
      R.v2Fallback,
    ),
  );
  for (const fam of [0x01, 0x02, 0x10, 0x20, 0x30]) {
    const hex = fam.toString(16).padStart(2, "0");
    out.push(v2Either(
      `v2-unlisted-family-0x${hex}`,
      proxyWith(fam, addr4),
      `PROXY with the valid but unlisted family/transport byte 0x${hex} and 12 bytes of ` +
        "addresses: UNSPEC fallback, len skipped.",
      R.v2Fallback,
    ));
  }

  // `len` against the address block, and LOCAL with and without bytes.
  out.push(
    v2Bad(
      "v2-tcp4-len-11",
      proxyWith(0x11, addr4.subarray(0, 11)),
      "V2_LENGTH_TOO_SHORT",
      "TCP4 with len 11, one short of the 12-byte address block.",
      R.v2AddressBlock,
    ),
    v2Bad(
      "v2-tcp4-len-0",
      proxyWith(0x11, new Uint8Array(0)),
      "V2_LENGTH_TOO_SHORT",
      "TCP4 with len 0: no address block at all.",
      R.v2AddressBlock,
    ),
    v2Bad(
      "v2-tcp6-len-35",
      proxyWith(0x21, tcp6(2).subarray(16, 51)),
      "V2_LENGTH_TOO_SHORT",
      "TCP6 with len 35, one short of the 36-byte address block.",
      R.v2AddressBlock,
    ),
    v2Bad(
      "v2-tcp6-len-12",
      proxyWith(0x21, addr4),
      "V2_LENGTH_TOO_SHORT",
      "TCP6 with an IPv4-sized (12-byte) address block.",
      R.v2AddressBlock,
    ),
    v2Bad(
      "v2-unix-stream-len-215",
      proxyWith(0x31, new Uint8Array(215)),
      "V2_LENGTH_TOO_SHORT",
      "UNIX stream with len 215, one short of the 216-byte address block.",
      R.v2AddressBlock,
    ),
    v2Good(
      "v2-local-unspec-with-tlvs",
      build({ version: 2, command: "LOCAL", protocol: "UNSPEC", tlvs: [alpnTlv("h2")] }),
      "LOCAL with len covering TLVs: skipped, not assumed to be zero.",
      R.v2Len,
    ),
    v2Good(
      "v2-local-garbage-body",
      v2Raw(0x20, 0x00, latin1("\xff\xfe\x00garbage")),
      "LOCAL with 10 bytes of garbage that are not TLVs: skipped unparsed.",
      R.v2Len,
    ),
    v2Good(
      "v2-local-invalid-family-0xff",
      v2Raw(0x20, 0xff, new Uint8Array(0)),
      "LOCAL with family/transport byte 0xFF, which LOCAL ignores.",
      R.v2Local,
    ),
    v2Good(
      "v2-local-tcp4-short-len",
      v2Raw(0x20, 0x11, addr4.subarray(0, 4)),
      "LOCAL announcing TCP4 with a 4-byte block: LOCAL discards the block, whatever its size.",
      R.v2Local,
    ),
    v2Either(
      "v2-local-crc32c-mismatch",
      patch(tcp4(2, { crc32c: true }), 12, 0x20),
      "LOCAL whose skipped block holds a CRC32C TLV that no longer matches: LOCAL says " +
        "discard the block, §2.2.3 says verify the checksum, so either reading passes " +
        "(accepting passes, rejecting is a note).",
      R.v2Local,
      "2.2.3",
    ),
  );

  // TLVs that must be accepted (registered, reserved or unassigned types are all skippable).
  const withTlvs = (tlvs: Tlv[], extra: Partial<HeaderInit> = {}) => tcp4(2, { tlvs, ...extra });
  out.push(
    v2Good("v2-tlv-alpn", withTlvs([alpnTlv("h2")]), "An ALPN TLV carrying 'h2'.", R.alpn, "2.2.1"),
    v2Good(
      "v2-tlv-authority",
      withTlvs([authorityTlv("example.com")]),
      "An AUTHORITY TLV 'example.com'.",
      R.authority,
      "2.2.2",
    ),
    v2Good(
      "v2-tlv-authority-utf8",
      withTlvs([authorityTlv("bücher.example")]),
      "An AUTHORITY TLV with a non-ASCII UTF-8 host name.",
      R.authority,
      "2.2.2",
    ),
    v2Good("v2-tlv-noop", withTlvs([noopTlv(5)]), "A NOOP TLV of 5 bytes.", R.noop, "2.2.4"),
    v2Good(
      "v2-tlv-noop-empty",
      withTlvs([noopTlv(0)]),
      "A NOOP TLV with an empty value.",
      R.noop,
      "2.2.4",
    ),
    v2Good(
      "v2-tlv-unique-id-128",
      withTlvs([uniqueIdTlv(new Uint8Array(128).fill(0x41))]),
      "A UNIQUE_ID of exactly 128 bytes, the maximum.",
      R.uniqueId,
      "2.2.5",
    ),
    v2Good(
      "v2-tlv-ssl-all-subtypes",
      withTlvs([sslTlv({
        client: 0x07,
        verify: 0,
        version: "TLSv1.3",
        cn: "client.example",
        cipher: "TLS_AES_128_GCM_SHA256",
        sigAlg: "RSA-SHA256",
        keyAlg: "RSA2048",
        group: "X25519",
        sigScheme: "rsa_pss_rsae_sha256",
        clientCert: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]),
      })]),
      "An SSL TLV with every registered sub-TLV.",
      R.ssl,
      "2.2.6",
    ),
    v2Good(
      "v2-tlv-ssl-no-subtlvs",
      withTlvs([sslTlv({ client: 0, verify: 1 })]),
      "An SSL TLV with only its 5-byte client and verify prefix.",
      R.ssl,
      "2.2.6",
    ),
    v2Good(
      "v2-tlv-ssl-unknown-subtype",
      withTlvs([rawTlv(TlvType.SSL, cat([1, 0, 0, 0, 0], tlvRaw(0x2f, latin1("x"))))]),
      "An SSL TLV with an unassigned sub-TLV type 0x2F.",
      R.tlvSkip,
      "2.2.6",
    ),
    v2Good(
      "v2-tlv-netns",
      withTlvs([netnsTlv("blue")]),
      "A NETNS TLV naming namespace 'blue'.",
      R.netns,
      "2.2.7",
    ),
    v2Good(
      "v2-tlv-custom-0xe1",
      withTlvs([rawTlv(0xe1, latin1("custom"))]),
      "A TLV of the application-specific range (0xE1).",
      R.reserved,
      "2.2.8",
    ),
    v2Good(
      "v2-tlv-experiment-0xf0",
      withTlvs([rawTlv(0xf0, latin1("exp"))]),
      "A TLV of the experimental range (0xF0).",
      R.tlvSkip,
      "2.2.8",
    ),
    v2Good(
      "v2-tlv-future-0xff",
      withTlvs([rawTlv(0xff, latin1("future"))]),
      "A TLV of the future range (0xFF).",
      R.tlvSkip,
      "2.2.8",
    ),
    v2Good(
      "v2-tlv-cloud-vendors",
      withTlvs([
        awsVpceTlv("vpce-0123456789abcdef0"),
        azureLinkIdTlv(0x210045c1),
        gcpPscTlv(18446744072646845442n),
      ]),
      "AWS, Azure and GCP TLVs (0xEA, 0xEE, 0xE0).",
      R.reserved,
      "2.2.8",
    ),
    v2Good(
      "v2-tlv-unassigned-0x06",
      withTlvs([rawTlv(0x06, latin1("?"))]),
      "A TLV of the unassigned type 0x06.",
      R.tlvSkip,
    ),
    v2Good(
      "v2-tlv-empty-values",
      withTlvs([alpnTlv(""), authorityTlv(""), rawTlv(0xe2, new Uint8Array(0))]),
      "Three TLVs with empty values.",
      R.tlvFormat,
    ),
    v2Good(
      "v2-tlv-on-tcp6-with-crc32c",
      tcp6(2, {
        tlvs: [alpnTlv("h2"), authorityTlv("example.com"), uniqueIdTlv("req-42")],
        crc32c: true,
      }),
      "TCP6 with ALPN, AUTHORITY, UNIQUE_ID and a valid CRC32C.",
      R.crcValue,
      "2.2.3",
    ),
    v2Good(
      "v2-crc32c-valid",
      tcp4(2, { crc32c: true }),
      "TCP4 with a valid CRC32C and nothing else.",
      R.crcValue,
      "2.2.3",
    ),
    v2Either(
      "v2-tlv-repeated-type",
      withTlvs([alpnTlv("h2"), alpnTlv("http/1.1")]),
      "Two ALPN TLVs: the spec neither allows nor forbids repeating a type.",
      R.tlvSkip,
    ),
  );

  // Malformed TLVs. A receiver may skip TLVs unparsed (§2.2), so accepting them is lenient.
  const tlvBody = (...tlvs: Uint8Array[]) => proxyWith(0x11, cat(addr4, ...tlvs));
  const tlvBad = (name: string, bytes: Uint8Array, code: ErrorCode, d: string, section = "2.2") =>
    v2Bad(name, bytes, code, d, section === "2.2" ? R.tlvFormat : R.ssl, section, "SHOULD");
  out.push(
    tlvBad(
      "v2-tlv-overrun",
      tlvBody(tlvRaw(0x01, latin1("h2"), 10)),
      "TLV_OVERRUN",
      "An ALPN TLV declaring 10 bytes with 2 left in the header.",
    ),
    tlvBad(
      "v2-tlv-overrun-second",
      tlvBody(tlvRaw(0x01, latin1("h2")), tlvRaw(0x02, latin1("ab"), 3)),
      "TLV_OVERRUN",
      "A valid TLV, then one declaring one byte too many.",
    ),
    tlvBad(
      "v2-tlv-length-65535",
      tlvBody(tlvRaw(0x04, new Uint8Array(4), 0xffff)),
      "TLV_OVERRUN",
      "A NOOP TLV declaring 65535 bytes (a read far past the header).",
    ),
    tlvBad(
      "v2-tlv-stray-1-byte",
      tlvBody(new Uint8Array([0x01])),
      "TLV_STRAY_BYTES",
      "One byte after the address block, too short for a TLV.",
    ),
    tlvBad(
      "v2-tlv-stray-2-bytes",
      tlvBody(tlvRaw(0x01, latin1("h2")), new Uint8Array([0x02, 0x00])),
      "TLV_STRAY_BYTES",
      "A TLV, then two stray bytes.",
    ),
    tlvBad(
      "v2-tlv-ssl-too-short",
      tlvBody(tlvRaw(0x20, new Uint8Array([1, 0, 0, 0]))),
      "SSL_TOO_SHORT",
      "An SSL TLV of 4 bytes, shorter than its client and verify fields.",
      "2.2.6",
    ),
    tlvBad(
      "v2-tlv-ssl-subtlv-overrun",
      tlvBody(tlvRaw(0x20, cat([1, 0, 0, 0, 0], tlvRaw(0x21, latin1("TLSv1.3"), 40)))),
      "SSL_SUBTLV_OVERRUN",
      "An SSL sub-TLV declaring 40 bytes with 7 left in the SSL value.",
      "2.2.6",
    ),
    tlvBad(
      "v2-tlv-ssl-subtlv-stray-byte",
      tlvBody(tlvRaw(0x20, cat([1, 0, 0, 0, 0], tlvRaw(0x21, latin1("TLSv1.3")), [0x22]))),
      "SSL_SUBTLV_OVERRUN",
      "An SSL value ending with one stray byte after its last sub-TLV.",
      "2.2.6",
    ),
  );

  // CRC32C. §2.2.3's MUST binds receivers that support the checksum; one that does not may
  // skip the TLV (§2.2), so from outside accepting a bad checksum is lenient, not a violation.
  const crcBase = tcp4(2, { crc32c: true }); // CRC32C TLV at 28, value at 31..34
  const crcBad = (name: string, bytes: Uint8Array, code: ErrorCode, d: string, rule: string) =>
    v2Bad(name, bytes, code, d, rule, "2.2.3", "SHOULD");
  out.push(
    crcBad(
      "v2-crc32c-mismatch",
      patch(crcBase, 34, crcBase[34] ^ 0x01),
      "CRC_MISMATCH",
      "A CRC32C whose last bit is flipped.",
      R.crc,
    ),
    crcBad(
      "v2-crc32c-zero-value",
      patch(crcBase, 31, 0, 0, 0, 0),
      "CRC_MISMATCH",
      "A CRC32C TLV left at zero.",
      R.crc,
    ),
    crcBad(
      "v2-crc32c-address-tampered",
      patch(crcBase, 19, crcBase[19] ^ 0x01),
      "CRC_MISMATCH",
      "The source address changed after the checksum was computed (a spoofing attempt).",
      R.crc,
    ),
    crcBad(
      "v2-crc32c-length-0",
      tlvBody(tlvRaw(0x03, new Uint8Array(0))),
      "CRC_BAD_LENGTH",
      "A CRC32C TLV with an empty value.",
      R.crcValue,
    ),
    crcBad(
      "v2-crc32c-length-3",
      tlvBody(tlvRaw(0x03, new Uint8Array(3))),
      "CRC_BAD_LENGTH",
      "A CRC32C TLV of 3 bytes.",
      R.crcValue,
    ),
    crcBad(
      "v2-crc32c-length-5",
      tlvBody(tlvRaw(0x03, new Uint8Array(5))),
      "CRC_BAD_LENGTH",
      "A CRC32C TLV of 5 bytes.",
      R.crcValue,
    ),
    crcBad(
      "v2-crc32c-duplicate",
      // A valid checksum TLV, then a second one: which one counts is ambiguous.
      proxyWith(0x11, cat(addr4, crcBase.subarray(28), tlvRaw(0x03, crcBase.subarray(31)))),
      "CRC_DUPLICATE",
      "Two CRC32C TLVs: which one counts is ambiguous.",
      R.crcValue,
    ),
  );

  // Oversized values and large headers: no limit in the spec except UNIQUE_ID's 128 bytes.
  const noopTo = (total: number) => withTlvs([noopTlv(total - 28 - 3)]);
  out.push(
    v2Bad(
      "v2-tlv-unique-id-129",
      withTlvs([uniqueIdTlv(new Uint8Array(129).fill(0x41))]),
      "UNIQUE_ID_TOO_LONG",
      "A UNIQUE_ID of 129 bytes, one past the limit.",
      R.uniqueId,
      "2.2.5",
      "SHOULD",
    ),
    v2Bad(
      "v2-tlv-unique-id-1024",
      withTlvs([uniqueIdTlv(new Uint8Array(1024).fill(0x41))]),
      "UNIQUE_ID_TOO_LONG",
      "A UNIQUE_ID of 1024 bytes.",
      R.uniqueId,
      "2.2.5",
      "SHOULD",
    ),
    v2Either(
      "v2-tlv-authority-256",
      withTlvs([authorityTlv("a".repeat(252) + ".com")]),
      "An AUTHORITY of 256 bytes, past the DNS limit but not the spec's.",
      R.authority,
      "2.2.2",
    ),
    v2Either(
      "v2-tlv-authority-1000",
      withTlvs([authorityTlv(`${"sub.".repeat(249)}com.`)]),
      "An AUTHORITY of 1000 bytes.",
      R.authority,
      "2.2.2",
    ),
    v2Either(
      "v2-tlv-alpn-1025",
      withTlvs([alpnTlv("h".repeat(1025))]),
      "An ALPN value of 1025 bytes.",
      R.alpn,
      "2.2.1",
    ),
    v2Either(
      "v2-tlv-custom-4096",
      withTlvs([rawTlv(0xe5, new Uint8Array(4096).fill(0x5a))]),
      "An application-specific TLV of 4096 bytes.",
      R.reserved,
      "2.2.8",
    ),
    v2Either(
      "v2-large-537-bytes",
      noopTo(537),
      "A valid 537-byte header: one byte past the 536-byte segment the spec designs for.",
      R.mss,
      "2",
    ),
    v2Either("v2-large-4096-bytes", noopTo(4096), "A valid 4096-byte header.", R.mss, "2"),
    v2Either(
      "v2-max-length-65551-bytes",
      noopTo(16 + 0xffff),
      "The largest header len allows: 16 + 65535 bytes.",
      R.v2HeaderLength,
    ),
    v2Either(
      "v2-many-small-tlvs",
      withTlvs(Array.from({ length: 200 }, () => noopTlv(0))),
      "200 empty NOOP TLVs (628 bytes): per-TLV costs and loops.",
      R.noop,
      "2.2.4",
    ),
  );
  return out;
}

// ---------------------------------------------------------------------------
// §2: delivery (partial headers, fragments, slowloris, no header, trailing data).

function deliveryCases(): FuzzCase[] {
  const l1 = tcp4(1); // "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n", 45 bytes
  const b2 = tcp4(2); // 28 bytes
  const t2 = tcp4(2, { tlvs: [authorityTlv("example.com")], crc32c: true }); // 49 bytes
  const out: FuzzCase[] = [];

  const hold = (version: 1 | 2, name: string, bytes: Uint8Array, description: string) =>
    make(version, {
      name,
      section: "2",
      requirement: "MUST",
      rule: R.partial,
      description: `${description} Then nothing: the receiver must not accept and must close ` +
        "by itself (§2: a header timeout of at least 3 s).",
      bytes,
      expect: "timeout",
      delivery: { kind: "truncated", then: "hold" },
    });
  const close = (version: 1 | 2 | null, name: string, bytes: Uint8Array, description: string) =>
    make(version, {
      name,
      section: "2",
      requirement: "MUST",
      rule: R.partial,
      description: `${description} Then a FIN: the receiver must close without accepting.`,
      bytes,
      expect: "reject",
      code: "TRUNCATED",
      delivery: { kind: "truncated", then: "close" },
    });

  const v1Cuts: [number, string][] = [
    [1, "'P'"],
    [5, "'PROXY'"],
    [6, "'PROXY '"],
    [10, "up to the protocol"],
    [11, "up to the space before the source"],
    [20, "up to the end of the source address"],
    [33, "up to the end of the destination address"],
    [39, "up to the end of the source port"],
    [43, "the whole line but its CRLF"],
    [44, "the whole line but its LF"],
  ];
  for (const [at, what] of v1Cuts) {
    out.push(hold(
      1,
      `delivery-v1-truncated-at-${pad2(at)}-hold`,
      l1.subarray(0, at),
      `The first ${at} bytes of a TCP4 line (${what}).`,
    ));
  }
  const v2Cuts: [number, string][] = [
    [1, "one signature byte"],
    [6, "half the signature"],
    [11, "all but one signature byte"],
    [12, "the signature"],
    [13, "the signature and ver/cmd"],
    [14, "up to the family byte"],
    [15, "half of len"],
    [16, "the fixed header, none of the 12 address bytes"],
    [20, "the source address only"],
    [24, "both addresses, no ports"],
    [27, "all but the last byte"],
  ];
  for (const [at, what] of v2Cuts) {
    out.push(hold(
      2,
      `delivery-v2-truncated-at-${pad2(at)}-hold`,
      b2.subarray(0, at),
      `The first ${at} bytes of a 28-byte TCP4 header (${what}).`,
    ));
  }
  out.push(
    hold(
      2,
      "delivery-v2-tlvs-truncated-in-tlv-header-hold",
      t2.subarray(0, 29),
      "A TCP4 header with TLVs cut after the first TLV's type byte.",
    ),
    hold(
      2,
      "delivery-v2-tlvs-truncated-in-tlv-value-hold",
      t2.subarray(0, 36),
      "A TCP4 header with TLVs cut in the middle of the AUTHORITY value.",
    ),
    hold(
      2,
      "delivery-v2-len-beyond-sent-hold",
      v2Raw(0x21, 0x11, b2.subarray(16), 100),
      "A TCP4 header whose len says 100 while 12 bytes follow.",
    ),
    hold(
      2,
      "delivery-v2-len-65535-fixed-header-only-hold",
      v2Raw(0x21, 0x11, new Uint8Array(0), 0xffff),
      "A fixed header announcing len 65535, and nothing after it.",
    ),
    close(1, "delivery-v1-truncated-at-10-close", l1.subarray(0, 10), "'PROXY TCP4'."),
    close(
      1,
      "delivery-v1-truncated-at-44-close",
      l1.subarray(0, 44),
      "A TCP4 line without its LF.",
    ),
    close(2, "delivery-v2-truncated-at-12-close", b2.subarray(0, 12), "The v2 signature only."),
    close(2, "delivery-v2-truncated-at-16-close", b2.subarray(0, 16), "The v2 fixed header only."),
    close(2, "delivery-v2-truncated-at-27-close", b2.subarray(0, 27), "All but the last byte."),
    close(
      2,
      "delivery-v2-len-beyond-sent-close",
      v2Raw(0x21, 0x11, b2.subarray(16), 100),
      "A TCP4 header whose len says 100 while 12 bytes follow.",
    ),
    close(null, "delivery-silent-close", new Uint8Array(0), "Connect and send nothing."),
  );

  // Fragmented valid headers: tolerance is recommended, dropping is allowed.
  const frag = (
    version: 1 | 2,
    name: string,
    bytes: Uint8Array,
    offsets: number[],
    delayMs: number,
    description: string,
  ) =>
    make(version, {
      name,
      section: "2",
      requirement: "SHOULD",
      rule: R.tolerance,
      description,
      bytes,
      expect: "tolerance",
      delivery: { kind: "fragments", offsets, delayMs },
    });
  const every = (n: number) => Array.from({ length: n - 1 }, (_, i) => i + 1);
  out.push(
    frag(1, "delivery-v1-fragmented-after-proxy", l1, [6], 200, "A TCP4 line in two writes."),
    frag(
      1,
      "delivery-v1-fragmented-every-field",
      l1,
      [6, 11, 21, 34, 40],
      100,
      "A TCP4 line in one write per field.",
    ),
    frag(
      1,
      "delivery-v1-fragmented-between-cr-and-lf",
      l1,
      [44],
      200,
      "A TCP4 line whose LF comes 200 ms after its CR.",
    ),
    frag(1, "delivery-v1-byte-at-a-time", l1, every(l1.length), 20, "One byte per write, 20 ms."),
    frag(
      1,
      "delivery-v1-fragmented-2500ms",
      l1,
      [6],
      2500,
      "A TCP4 line in two writes 2.5 s apart, inside the 3 s a timeout should allow.",
    ),
    frag(2, "delivery-v2-fragmented-after-signature", b2, [12], 200, "Signature, then the rest."),
    frag(2, "delivery-v2-fragmented-after-fixed-header", b2, [16], 200, "Fixed header, then body."),
    frag(2, "delivery-v2-fragmented-mid-address", b2, [20], 200, "Split inside the addresses."),
    frag(
      2,
      "delivery-v2-fragmented-mid-tlv",
      t2,
      [29, 36],
      200,
      "A header with TLVs split inside a TLV header and inside its value.",
    ),
    frag(2, "delivery-v2-byte-at-a-time", b2, every(b2.length), 20, "One byte per write, 20 ms."),
    frag(
      2,
      "delivery-v2-fragmented-2500ms",
      b2,
      [16],
      2500,
      "A v2 header in two writes 2.5 s apart, inside the 3 s a timeout should allow.",
    ),
  );

  // Slowloris: a valid header dribbled out far past any reasonable header timeout.
  const slow = (version: 1 | 2, name: string, bytes: Uint8Array, byteDelayMs: number) =>
    make(version, {
      name,
      section: "2",
      requirement: "SHOULD",
      rule: R.timeout,
      description: `A valid ${bytes.length}-byte header, one byte every ${byteDelayMs} ms ` +
        `(${((bytes.length - 1) * byteDelayMs) / 1000} s): the receiver should give up first.`,
      bytes,
      expect: "timeout",
      delivery: { kind: "slow", byteDelayMs },
    });
  out.push(
    slow(1, "delivery-v1-slowloris", l1, 500),
    slow(2, "delivery-v2-slowloris", b2, 1000),
  );

  // No header at all: the receiver must not guess.
  const noHeader = (name: string, bytes: Uint8Array, description: string) =>
    make(null, {
      name,
      section: "2",
      requirement: "MUST",
      rule: R.noGuess,
      description,
      bytes,
      expect: "reject",
      code: "NOT_PROXY",
    });
  out.push(
    noHeader(
      "no-header-http-request",
      latin1("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"),
      "An HTTP request without a PROXY header.",
    ),
    noHeader(
      "no-header-tls-client-hello",
      new Uint8Array([0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b, 0x03, 0x03]),
      "The start of a TLS ClientHello without a PROXY header.",
    ),
    noHeader(
      "no-header-ssh-banner",
      latin1("SSH-2.0-OpenSSH_9.6\r\n"),
      "An SSH client banner without a PROXY header.",
    ),
    noHeader(
      "no-header-smtp-ehlo",
      latin1("EHLO client.example\r\n"),
      "An SMTP EHLO without a PROXY header.",
    ),
  );

  // Trailing data: a second header and payload in the same write are application data.
  const spoof1 = build({ version: 1, protocol: "TCP4", source: SPOOF4, destination: DST4 });
  const spoof2 = build({ version: 2, protocol: "TCP4", source: SPOOF4, destination: DST4 });
  const trailing = (
    version: 1 | 2,
    name: string,
    bytes: Uint8Array,
    afterHeader: Uint8Array,
    marker: MarkerMode,
    description: string,
    requirement: Requirement = "MUST",
  ) =>
    make(version, {
      name,
      section: version === 1 ? "2.1" : "2.2",
      requirement,
      rule: version === 1 ? R.skipHeader : R.v2HeaderLength,
      description,
      bytes,
      afterHeader,
      marker,
      expect: "accept",
    });
  out.push(
    trailing(
      1,
      "delivery-v1-second-header-v1",
      l1,
      spoof1,
      "separate",
      "A TCP4 line, then a second line with a spoofed source in the same write: the second " +
        "is payload and must reach the application unchanged.",
    ),
    trailing(
      2,
      "delivery-v2-second-header-v2",
      b2,
      spoof2,
      "separate",
      "A v2 header, then a second one with a spoofed source in the same write: payload.",
    ),
    trailing(
      2,
      "delivery-v2-then-v1-header",
      b2,
      spoof1,
      "separate",
      "A v2 header, then a v1 line.",
    ),
    trailing(
      1,
      "delivery-v1-then-v2-header",
      l1,
      spoof2,
      "separate",
      "A v1 line, then a v2 header.",
    ),
    trailing(
      1,
      "delivery-v1-payload-same-write",
      l1,
      new Uint8Array(0),
      "same-write",
      "A TCP4 line and the payload in one write: the payload must not be lost.",
    ),
    trailing(
      1,
      "delivery-v1-unknown-payload-same-write",
      latin1("PROXY UNKNOWN\r\n"),
      new Uint8Array(0),
      "same-write",
      "PROXY UNKNOWN and the payload in one write.",
      "SHOULD",
    ),
    trailing(
      2,
      "delivery-v2-payload-same-write",
      b2,
      new Uint8Array(0),
      "same-write",
      "A v2 header and the payload in one write.",
    ),
    trailing(
      2,
      "delivery-v2-tlvs-payload-same-write",
      t2,
      new Uint8Array(0),
      "same-write",
      "A v2 header with TLVs and a CRC32C, and the payload in one write.",
    ),
    trailing(
      2,
      "delivery-v2-local-payload-same-write",
      build({ version: 2, command: "LOCAL", protocol: "UNSPEC" }),
      new Uint8Array(0),
      "same-write",
      "A LOCAL header and the payload in one write.",
    ),
    trailing(
      2,
      "delivery-v2-payload-looks-like-tlv",
      b2,
      tlvRaw(0x01, latin1("h2")),
      "separate",
      "A v2 header whose payload starts like an ALPN TLV: past 16 + len it is payload.",
    ),
  );
  return out;
}

// ---------------------------------------------------------------------------
// Published parser CVEs as regression seeds.

function cveCases(): FuzzCase[] {
  const base = tcp4(2);
  // Nested SSL TLVs, 40 deep: each level is a sub-TLV of type 0x20 holding another SSL value.
  let nested: Uint8Array = cat([1, 0, 0, 0, 0], tlvRaw(0x21, latin1("TLSv1.3")));
  for (let i = 0; i < 40; i++) nested = cat([1, 0, 0, 0, 0], tlvRaw(0x20, nested));
  return [
    make(2, {
      name: "cve-2019-14243-udp4-len-0",
      section: "2.2",
      requirement: "MUST",
      rule: R.v2AddressBlock,
      description: "PROXY UDP4 with len 0: parsers that slice the address block without checking " +
        "len read past the header (mastercactapus/proxyprotocol panicked).",
      bytes: v2Raw(0x21, 0x12, new Uint8Array(0)),
      expect: "reject",
      code: "V2_LENGTH_TOO_SHORT",
      cve: "CVE-2019-14243",
    }),
    make(2, {
      name: "cve-2019-14243-tcp6-len-12",
      section: "2.2",
      requirement: "MUST",
      rule: R.v2AddressBlock,
      description: "PROXY TCP6 with a 12-byte block: a 36-byte address read overruns it.",
      bytes: v2Raw(0x21, 0x21, base.subarray(16, 28)),
      expect: "reject",
      code: "V2_LENGTH_TOO_SHORT",
      cve: "CVE-2019-14243",
    }),
    make(1, {
      name: "cve-2021-23351-no-newline",
      section: "2.1",
      requirement: "SHOULD",
      rule: R.v1TooLong,
      description: "PROXY UNKNOWN and 4096 bytes without any CR or LF: a receiver reading until " +
        "LF without a limit (pires/go-proxyproto) buffers forever.",
      bytes: latin1(`PROXY UNKNOWN ${"A".repeat(4096)}`),
      expect: "reject",
      code: "V1_TOO_LONG",
      cve: "CVE-2021-23351",
    }),
    make(null, {
      name: "cve-2021-23409-silent-connection",
      section: "2",
      requirement: "MUST",
      rule: R.partial,
      description: "Connect and send nothing: a receiver without a header timeout " +
        "(pires/go-proxyproto) holds the connection, and blocks its accept loop, forever.",
      bytes: new Uint8Array(0),
      expect: "timeout",
      delivery: { kind: "truncated", then: "hold" },
      cve: "CVE-2021-23409",
    }),
    make(2, {
      name: "cve-2024-23327-local-unspec-len-0",
      section: "2.2",
      requirement: "MUST",
      rule: R.v2Local,
      description: "LOCAL, AF_UNSPEC, len 0 (AWS NLB health checks): Envoy crashed on the " +
        "missing address block.",
      bytes: build({ version: 2, command: "LOCAL", protocol: "UNSPEC" }),
      expect: "accept",
      cve: "CVE-2024-23327",
    }),
    make(2, {
      name: "cve-2024-23327-local-tcp4-len-0",
      section: "2.2",
      requirement: "MUST",
      rule: R.v2Local,
      description: "LOCAL announcing TCP4 with len 0: the family is ignored, there is no block.",
      bytes: v2Raw(0x20, 0x11, new Uint8Array(0)),
      expect: "accept",
      cve: "CVE-2024-23327",
    }),
    make(2, {
      name: "cve-2019-10097-large-header",
      section: "2.2",
      requirement: "MAY",
      rule: R.v2HeaderLength,
      description: "A valid 952-byte header: Apache mod_remoteip overflowed a fixed buffer " +
        "(a reset here may be a crash: check the target).",
      bytes: tcp4(2, { tlvs: [noopTlv(952 - 28 - 3)] }),
      expect: "either",
      cve: "CVE-2019-10097",
    }),
    make(2, {
      name: "cve-2022-41881-nested-ssl",
      section: "2.2.6",
      requirement: "MUST",
      rule: R.tlvSkip,
      description: "An SSL TLV whose sub-TLVs nest SSL values 40 deep: Netty recursed into them " +
        "and overflowed its stack. Sub-type 0x20 is unassigned and must be skipped.",
      bytes: tcp4(2, { tlvs: [rawTlv(TlvType.SSL, nested)] }),
      expect: "accept",
      cve: "CVE-2022-41881",
    }),
    make(2, {
      name: "cve-2024-23324-authority-invalid-utf8",
      section: "2.2.2",
      requirement: "MAY",
      rule: R.authority,
      description: "An AUTHORITY TLV that is not UTF-8: Envoy passed it on unchecked. Rejecting " +
        "it is a note, accepting passes (the application must not trust it).",
      bytes: tcp4(2, { tlvs: [rawTlv(TlvType.AUTHORITY, latin1("ex\xffam\xc3ple.com"))] }),
      expect: "either",
      cve: "CVE-2024-23324",
    }),
    make(2, {
      name: "cve-2024-23325-tcp6",
      section: "2.2",
      requirement: "MUST",
      rule: R.v2Proxy,
      description: "A TCP6 header: Envoy crashed on an IPv6 client address on a host without " +
        "IPv6.",
      bytes: build({
        version: 2,
        protocol: "TCP6",
        source: { address: "fd00::1", port: 40000 },
        destination: { address: "fd00::2", port: 443 },
      }),
      expect: "accept",
      cve: "CVE-2024-23325",
    }),
  ];
}

/**
 * The whole catalog, freshly built (the arrays are the caller's): version 1,
 * version 2, delivery, then CVE seeds. Names are stable and unique.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fuzzCatalog } from "./catalog.ts";
 * const cases = fuzzCatalog();
 * assert.ok(cases.length >= 110);
 * const lz = cases.find((c) => c.name === "v1-ipv4-leading-zero-source");
 * assert.equal(lz?.expect, "reject");
 * assert.equal(lz?.code, "V1_LEADING_ZERO");
 * assert.equal(lz?.requirement, "MUST");
 * ```
 */
export function fuzzCatalog(): FuzzCase[] {
  return [...v1Cases(), ...v2Cases(), ...deliveryCases(), ...cveCases()];
}

/**
 * One catalog case by name, or undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase } from "./catalog.ts";
 * assert.equal(catalogCase("cve-2021-23409-silent-connection")?.expect, "timeout");
 * assert.equal(catalogCase("no-such-case"), undefined);
 * ```
 */
export function catalogCase(name: string): FuzzCase | undefined {
  return fuzzCatalog().find((c) => c.name === name);
}

// ---------------------------------------------------------------------------
// Classification: what ppcat's decoder makes of some bytes, as a fuzz expectation.

/** What {@linkcode classifyHeader} concludes. */
export interface Classification {
  /** accept / either / reject, or timeout for a header that is not complete yet. */
  readonly expect: "accept" | "either" | "reject" | "timeout";
  /** How strongly the spec words the deciding rule. */
  readonly requirement: Requirement;
  /** The deciding rule's section. */
  readonly section: string;
  /** The decoder's error (TRUNCATED for `timeout`); absent when the header decodes. */
  readonly code?: ErrorCode;
  /** Bytes the header takes when it decodes; the rest of the input is payload. */
  readonly headerLength?: number;
}

// Errors a receiver that skips TLVs unparsed (§2.2 allows it) never sees: rejecting is a SHOULD.
const SKIPPABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "TLV_OVERRUN",
  "TLV_STRAY_BYTES",
  "CRC_BAD_LENGTH",
  "CRC_DUPLICATE",
  "CRC_MISMATCH",
  "UNIQUE_ID_TOO_LONG",
  "SSL_TOO_SHORT",
  "SSL_SUBTLV_OVERRUN",
]);
const ERROR_SECTIONS: Partial<Record<ErrorCode, string>> = {
  NOT_PROXY: "2.2",
  CRC_BAD_LENGTH: "2.2.3",
  CRC_DUPLICATE: "2.2.3",
  CRC_MISMATCH: "2.2.3",
  UNIQUE_ID_TOO_LONG: "2.2.5",
  SSL_TOO_SHORT: "2.2.6",
  SSL_SUBTLV_OVERRUN: "2.2.6",
};
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function isUtf8(bytes: Uint8Array): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

// Whether a LOCAL header's skipped block, read as PROXY would read it, holds a CRC32C TLV
// that is malformed or does not match the header as received.
function localChecksumFails(header: Uint8Array): boolean {
  const asProxy = header.slice();
  asProxy[12] = 0x21;
  const r = decodeHeader(asProxy, { allowCrcMismatch: true });
  if (!r.ok) return r.error.code.startsWith("CRC_");
  const crc = r.value.tlvs.find((t) => t.type === TlvType.CRC32C);
  if (crc === undefined) return false;
  const at = crc.value.byteOffset - asProxy.byteOffset;
  const zeroed = header.slice();
  zeroed.fill(0, at, at + 4);
  const stored = ((header[at] << 24) | (header[at + 1] << 16) | (header[at + 2] << 8) |
    header[at + 3]) >>> 0;
  return crc32c(zeroed) !== stored;
}

// Why a valid header is only `either`, or null when it must be accepted.
function eitherSection(bytes: Uint8Array, header: ProxyHeader): string | null {
  if (header.version === 1) {
    if (header.protocol !== "TCP6") return null;
    // A dotted IPv4 tail in a TCP6 line: the spec's IPv6 text has none.
    for (let i = 0; i < header.headerLength; i++) if (bytes[i] === 0x2e) return "2.1";
    return null;
  }
  if (header.command === "LOCAL") {
    // LOCAL skips its block; if that block holds a checksum that would not verify, §2.2.3
    // and "discard the protocol block" disagree.
    if (header.headerLength > 16 && localChecksumFails(bytes.subarray(0, header.headerLength))) {
      return "2.2.3";
    }
    return header.headerLength > MSS_HEADER_LIMIT ? "2" : null;
  }
  if (header.protocol !== "TCP4" && header.protocol !== "TCP6") return "2.2";
  if (header.headerLength > MSS_HEADER_LIMIT) return "2";
  const seen = new Set<number>();
  for (const tlv of header.tlvs) {
    if (seen.has(tlv.type)) return "2.2";
    seen.add(tlv.type);
    if (tlv.type === TlvType.AUTHORITY) {
      if (tlv.value.length > AUTHORITY_SOFT_LIMIT || !isUtf8(tlv.value)) return "2.2.2";
    }
    if (tlv.value.length > TLV_VALUE_SOFT_LIMIT) return "2.2";
  }
  return null;
}

/**
 * What a conforming receiver does with `bytes` (a header, possibly followed
 * by payload), decided by ppcat's decoder with CRC32C checking on:
 * - decodes: `accept` (MUST; SHOULD for v1 UNKNOWN), or `either` (MAY) for
 *   what the spec lets a receiver refuse: AF_UNSPEC and the UDP, UNIX and
 *   unlisted families under PROXY, headers over 536 bytes, repeated TLV
 *   types, AUTHORITY over 255 bytes or not UTF-8, TLV values over 1024 bytes,
 *   IPv4-dotted TCP6 lines, LOCAL blocks holding a checksum that fails;
 * - TRUNCATED: `timeout` (MUST: a partial header is never accepted);
 * - any other error: `reject`, MUST, except V1_TOO_LONG (§2.1 "should") and
 *   TLV content errors (SHOULD: §2.2 lets a receiver skip TLVs unparsed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyHeader } from "./catalog.ts";
 * const line = (s: string) => new TextEncoder().encode(s);
 * assert.deepEqual(classifyHeader(line("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nhi")), {
 *   expect: "accept", requirement: "MUST", section: "2.1", headerLength: 32,
 * });
 * assert.equal(classifyHeader(line("PROXY UNKNOWN\r\n")).requirement, "SHOULD");
 * assert.deepEqual(classifyHeader(line("PROXY TCP4 1.2.3.04 5.6.7.8 1 2\r\n")), {
 *   expect: "reject", requirement: "MUST", section: "2.1", code: "V1_LEADING_ZERO",
 * });
 * assert.equal(classifyHeader(line("PROXY TCP4 1.2")).expect, "timeout");
 * ```
 */
export function classifyHeader(bytes: Uint8Array): Classification {
  const r = decodeHeader(bytes);
  if (!r.ok) {
    const code = r.error.code;
    if (code === "TRUNCATED") {
      return { expect: "timeout", requirement: "MUST", section: "2.2", code };
    }
    const section = ERROR_SECTIONS[code] ?? (code.startsWith("V1_") ? "2.1" : "2.2");
    const requirement = code === "V1_TOO_LONG" || SKIPPABLE.has(code) ? "SHOULD" : "MUST";
    return { expect: "reject", requirement, section, code };
  }
  const header = r.value;
  const headerLength = header.headerLength;
  const either = eitherSection(bytes, header);
  if (either !== null) {
    return { expect: "either", requirement: "MAY", section: either, headerLength };
  }
  if (header.version === 1) {
    const requirement = header.protocol === "UNKNOWN" ? "SHOULD" : "MUST";
    return { expect: "accept", requirement, section: "2.1", headerLength };
  }
  return { expect: "accept", requirement: "MUST", section: "2.2", headerLength };
}

// ---------------------------------------------------------------------------
// Delivery plans for the runner.

/** One write of a {@linkcode WritePlan}. */
export interface FuzzWrite {
  /** Milliseconds to wait before this write (after the previous one, or after connecting). */
  readonly delayMs: number;
  /** The bytes to write. */
  readonly bytes: Uint8Array;
}

/** Exactly what the runner sends, and what it does after the last write. */
export interface WritePlan {
  /** The writes, in order. Empty when nothing is sent. */
  readonly writes: readonly FuzzWrite[];
  /**
   * After the last write: `await` the outcome (answer, close or deadline);
   * `hold` the connection open sending nothing until the target closes or
   * the deadline passes; `close` (half-close with a FIN), then await.
   */
  readonly then: "await" | "hold" | "close";
}

function headerChunks(c: FuzzCase): Uint8Array[] {
  const { bytes, delivery } = c;
  if (bytes.length === 0) return [];
  if (delivery.kind === "slow") return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
  if (delivery.kind !== "fragments") return [bytes];
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const at of delivery.offsets) {
    chunks.push(bytes.subarray(start, at));
    start = at;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

function gapMs(c: FuzzCase): number {
  const d = c.delivery;
  return d.kind === "fragments" ? d.delayMs : d.kind === "slow" ? d.byteDelayMs : 0;
}

/**
 * Turns a case into writes: the header per its {@linkcode Delivery}, with
 * `afterHeader` appended to the header's last write, then the runner's
 * `marker` per {@linkcode FuzzCase.marker} (appended to that same write, or
 * its own write `markerDelayMs` later, or not at all).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase, writePlan } from "./catalog.ts";
 * const marker = new TextEncoder().encode("ppcat-marker");
 * const c = catalogCase("delivery-v2-fragmented-after-fixed-header")!;
 * const plan = writePlan(c, marker);
 * assert.deepEqual(plan.writes.map((w) => [w.delayMs, w.bytes.length]), [
 *   [0, 16], [200, 12], [100, marker.length],
 * ]);
 * assert.equal(plan.then, "await");
 * const held = writePlan(catalogCase("delivery-v2-truncated-at-16-hold")!, marker);
 * assert.deepEqual(held.writes.map((w) => w.bytes.length), [16]);
 * assert.equal(held.then, "hold");
 * ```
 */
export function writePlan(
  c: FuzzCase,
  marker: Uint8Array,
  markerDelayMs: number = MARKER_DELAY_MS,
): WritePlan {
  const chunks = headerChunks(c);
  const tail = c.marker === "same-write" ? cat(c.afterHeader, marker) : c.afterHeader;
  if (tail.length > 0) {
    if (chunks.length === 0) chunks.push(tail);
    else chunks[chunks.length - 1] = cat(chunks[chunks.length - 1], tail);
  }
  const gap = gapMs(c);
  const writes: FuzzWrite[] = chunks.map((bytes, i) => ({ delayMs: i === 0 ? 0 : gap, bytes }));
  if (c.marker === "separate") {
    writes.push({ delayMs: writes.length === 0 ? 0 : markerDelayMs, bytes: marker });
  }
  const then = c.delivery.kind === "truncated" ? c.delivery.then : "await";
  return { writes, then };
}

/**
 * How long delivering the header itself takes (the sum of the pauses between
 * its writes): the runner's deadline for a case must exceed this plus the
 * time it waits for an outcome.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase, deliveryDurationMs } from "./catalog.ts";
 * assert.equal(deliveryDurationMs(catalogCase("v2-tcp4")!), 0);
 * assert.equal(deliveryDurationMs(catalogCase("delivery-v2-slowloris")!), 27 * 1000);
 * ```
 */
export function deliveryDurationMs(c: FuzzCase): number {
  const d = c.delivery;
  if (d.kind === "fragments") return d.offsets.length * d.delayMs;
  if (d.kind === "slow") return Math.max(0, c.bytes.length - 1) * d.byteDelayMs;
  return 0;
}
