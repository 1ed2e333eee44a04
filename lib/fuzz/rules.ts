/**
 * The spec sentences the fuzz catalog probes, each quoted verbatim so a
 * verdict can cite the rule it applies.
 *
 * @module
 */

/**
 * The spec sentences the catalog probes, verbatim from
 * shared/spec/proxy-protocol.txt (whitespace aside).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase } from "./catalog.ts";
 * import { FUZZ_RULES } from "./rules.ts";
 * // Each case quotes the sentence it probes, so a verdict can cite it.
 * assert.equal(catalogCase("cve-2021-23351-no-newline")?.rule, FUZZ_RULES.v1TooLong);
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
