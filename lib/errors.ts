/**
 * Errors as values. Every way a PROXY protocol header can be wrong has a
 * stable code, and every code names the section of the spec it enforces
 * (shared/spec/proxy-protocol.txt, 2026/04/27 revision).
 *
 * @module
 */

/**
 * Stable error codes. Tools and tests match on these, never on messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeHeader } from "./decode.ts";
 * import { ErrorCode } from "./errors.ts";
 * const r = decodeHeader(new TextEncoder().encode("PROXY TCP4 10.0.0.01 10.0.0.2 1 2\r\n"));
 * assert.ok(!r.ok && r.error.code === ErrorCode.V1_LEADING_ZERO);
 * ```
 */
export const ErrorCode = {
  /** §2.2: neither the v2 signature nor "PROXY": the connection must be dropped. */
  NOT_PROXY: "NOT_PROXY",
  /** §2.1, §2.2: the input ends before the header does (receivers must reject partial headers). */
  TRUNCATED: "TRUNCATED",
  /** §2: a valid header of a version the receiver is configured not to accept. */
  VERSION_NOT_ALLOWED: "VERSION_NOT_ALLOWED",

  /** §2.1: no CRLF within the first 107 bytes. */
  V1_TOO_LONG: "V1_TOO_LONG",
  /** §2.1: a lone CR or LF where a complete CRLF is expected. */
  V1_BAD_CRLF: "V1_BAD_CRLF",
  /** §2.1: fields are separated by exactly one space (0x20), nothing else. */
  V1_BAD_SPACE: "V1_BAD_SPACE",
  /** §2.1: only "TCP4", "TCP6" and "UNKNOWN" are allowed, in upper case. */
  V1_BAD_PROTOCOL: "V1_BAD_PROTOCOL",
  /** §2.1: TCP4/TCP6 lines carry exactly four fields after the protocol. */
  V1_FIELD_COUNT: "V1_FIELD_COUNT",
  /** §2.1: an address that is not canonical for the announced family. */
  V1_BAD_ADDRESS: "V1_BAD_ADDRESS",
  /** §2.1: heading zeroes are not permitted in front of numbers. */
  V1_LEADING_ZERO: "V1_LEADING_ZERO",
  /** §2.1: ports are decimal integers in [0..65535]. */
  V1_BAD_PORT: "V1_BAD_PORT",

  /** §2.2: the version nibble must be 2. */
  V2_BAD_VERSION: "V2_BAD_VERSION",
  /** §2.2: commands other than LOCAL (0) and PROXY (1) must be dropped. */
  V2_BAD_COMMAND: "V2_BAD_COMMAND",
  /** §2.2: address families other than 0..3 must be rejected. */
  V2_BAD_FAMILY: "V2_BAD_FAMILY",
  /** §2.2: transport protocols other than 0..2 must be rejected. */
  V2_BAD_TRANSPORT: "V2_BAD_TRANSPORT",
  /** §2.2: `len` is smaller than the address block the family needs (12, 36 or 216). */
  V2_LENGTH_TOO_SHORT: "V2_LENGTH_TOO_SHORT",

  /** §2.2: a TLV's length runs past the end of the header. */
  TLV_OVERRUN: "TLV_OVERRUN",
  /** §2.2: 1 or 2 bytes after the last TLV, too few for a TLV. */
  TLV_STRAY_BYTES: "TLV_STRAY_BYTES",
  /** §2.2.3: a CRC32C TLV whose value is not exactly 4 bytes. */
  CRC_BAD_LENGTH: "CRC_BAD_LENGTH",
  /** §2.2.3: more than one CRC32C TLV, so the checksum is ambiguous. */
  CRC_DUPLICATE: "CRC_DUPLICATE",
  /** §2.2.3: the checksum does not match: the receiver MUST treat the connection as invalid. */
  CRC_MISMATCH: "CRC_MISMATCH",
  /** §2.2.5: a unique ID longer than 128 bytes. */
  UNIQUE_ID_TOO_LONG: "UNIQUE_ID_TOO_LONG",
  /** §2.2.6: an SSL TLV shorter than its 5-byte client + verify prefix. */
  SSL_TOO_SHORT: "SSL_TOO_SHORT",
  /** §2.2.6: a sub-TLV runs past the end of the SSL TLV, or stray bytes follow the last one. */
  SSL_SUBTLV_OVERRUN: "SSL_SUBTLV_OVERRUN",

  /** Encoding: an address that does not fit the protocol (e.g. IPv6 for TCP4). */
  ENCODE_BAD_ADDRESS: "ENCODE_BAD_ADDRESS",
  /** Encoding: a port outside [0..65535]. */
  ENCODE_BAD_PORT: "ENCODE_BAD_PORT",
  /** Encoding: something version 1 cannot carry (UDP, UNIX, LOCAL, TLVs). */
  ENCODE_UNSUPPORTED: "ENCODE_UNSUPPORTED",
  /** Encoding: the header would exceed 16 + 65535 bytes, or a TLV value 65535 bytes. */
  ENCODE_TOO_LARGE: "ENCODE_TOO_LARGE",
  /**
   * Encoding: a TLV of a type the spec defines whose value breaks its rules (an SSL value
   * shorter than 5 bytes, a unique ID over 128 bytes), or a CRC32C TLV among `tlvs` (ask for
   * `crc32c: true` instead): a receiver would reject the header.
   */
  ENCODE_BAD_TLV: "ENCODE_BAD_TLV",
  /** Encoding into a caller's array that is too short for the header. */
  ENCODE_BUFFER_TOO_SMALL: "ENCODE_BUFFER_TOO_SMALL",
} as const;

/** One of the {@linkcode ErrorCode} values. */
export type ErrorCode = typeof ErrorCode[keyof typeof ErrorCode];

/** The spec section each error code enforces. */
export const ERROR_SECTION: Readonly<Record<ErrorCode, string>> = {
  NOT_PROXY: "2.2",
  TRUNCATED: "2.2",
  VERSION_NOT_ALLOWED: "2",
  V1_TOO_LONG: "2.1",
  V1_BAD_CRLF: "2.1",
  V1_BAD_SPACE: "2.1",
  V1_BAD_PROTOCOL: "2.1",
  V1_FIELD_COUNT: "2.1",
  V1_BAD_ADDRESS: "2.1",
  V1_LEADING_ZERO: "2.1",
  V1_BAD_PORT: "2.1",
  V2_BAD_VERSION: "2.2",
  V2_BAD_COMMAND: "2.2",
  V2_BAD_FAMILY: "2.2",
  V2_BAD_TRANSPORT: "2.2",
  V2_LENGTH_TOO_SHORT: "2.2",
  TLV_OVERRUN: "2.2",
  TLV_STRAY_BYTES: "2.2",
  CRC_BAD_LENGTH: "2.2.3",
  CRC_DUPLICATE: "2.2.3",
  CRC_MISMATCH: "2.2.3",
  UNIQUE_ID_TOO_LONG: "2.2.5",
  SSL_TOO_SHORT: "2.2.6",
  SSL_SUBTLV_OVERRUN: "2.2.6",
  ENCODE_BAD_ADDRESS: "2.1",
  ENCODE_BAD_PORT: "2.1",
  ENCODE_UNSUPPORTED: "2.1",
  ENCODE_TOO_LARGE: "2.2",
  ENCODE_BAD_TLV: "2.2",
  ENCODE_BUFFER_TOO_SMALL: "2",
};

/** An error value: what went wrong, and where. */
export interface ProxyError {
  /** Stable code, see {@linkcode ErrorCode}. */
  readonly code: ErrorCode;
  /** One human sentence, no trailing period. */
  readonly message: string;
  /**
   * Byte offset in the input of the offending byte where one byte breaks the rule (a heading
   * zero, a character an address or port may not hold, a lone CR), else of the first byte of
   * what is wrong as a whole (a port out of range, a TLV running past the header); 0 for
   * encoding errors.
   */
  readonly offset: number;
  /**
   * The field `offset` lies in, when the error is about a v1 field (the protocol, an address, a
   * port): its first byte and its length, so that the field can be shown around the byte.
   */
  readonly field?: FieldSpan;
}

/** Where a field of the input is: its first byte, and its length in bytes. */
export interface FieldSpan {
  /** Offset of the field's first byte. */
  readonly offset: number;
  /** Length of the field in bytes. */
  readonly length: number;
}

/** A success carrying a value, or a {@linkcode ProxyError}. */
export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ProxyError };

/**
 * Builds a {@linkcode ProxyError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { proxyError } from "./errors.ts";
 * const e = proxyError("TRUNCATED", "header ends early", 12);
 * assert.deepEqual(e, { code: "TRUNCATED", message: "header ends early", offset: 12 });
 * ```
 */
export function proxyError(
  code: ErrorCode,
  message: string,
  offset: number,
  field?: FieldSpan,
): ProxyError {
  return field === undefined ? { code, message, offset } : { code, message, offset, field };
}

/**
 * Wraps a {@linkcode ProxyError} as a failed {@linkcode Result}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fail } from "./errors.ts";
 * const r = fail("NOT_PROXY", "no signature", 0);
 * assert.equal(r.ok, false);
 * assert.equal(!r.ok && r.error.code, "NOT_PROXY");
 * // A fault inside a field: the offending byte, and the field around it.
 * const zero = fail("V1_LEADING_ZERO", "heading zero", 25, { offset: 19, length: 8 });
 * assert.deepEqual(!zero.ok && zero.error.field, { offset: 19, length: 8 });
 * ```
 */
export function fail(
  code: ErrorCode,
  message: string,
  offset: number,
  field?: FieldSpan,
): { ok: false; error: ProxyError } {
  return { ok: false, error: proxyError(code, message, offset, field) };
}
