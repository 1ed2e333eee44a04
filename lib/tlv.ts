/**
 * Version 2 TLVs (§2.2 to §2.2.8): type numbers, per-type value rules for the
 * decoder, JSON-ready descriptions, builders for the encoder and the fuzzer, and
 * the wire writer.
 *
 * Besides the registered types this module knows three vendor TLVs from the
 * custom range 0xE0-0xEF (§2.2.8), as their owners document them:
 * - AWS 0xEA (Network Load Balancer through PrivateLink): subtype 0x01 followed
 *   by the VPC endpoint ID as a string, e.g. "vpce-08d2bf15fac5001c9".
 * - Azure 0xEE (Private Link service): subtype 0x01 followed by the private
 *   endpoint LINKID as a little-endian uint32; 5 bytes in all.
 * - GCP 0xE0 (Private Service Connect): the PSC connection ID as a big-endian
 *   uint64; 8 bytes in all. It can exceed 2^53, so it is described as a decimal
 *   string.
 *
 * @module
 */

import { toHex } from "./_bytes.ts";
import { type ProxyError, proxyError } from "./errors.ts";
import { writeTlvs } from "./_tlv_write.ts";
import type { Tlv } from "./header.ts";

/**
 * Bytes before a TLV's value: 1 type byte and a 2-byte big-endian length (§2.2).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TLV_HEADER_LENGTH, tlvsLength } from "./tlv.ts";
 * assert.equal(tlvsLength([{ type: 0x04, value: new Uint8Array(0) }]), TLV_HEADER_LENGTH);
 * ```
 */
export const TLV_HEADER_LENGTH = 3;

/**
 * §2.2.5: a unique ID is "an opaque byte sequence of up to 128 bytes".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkTlv, TlvType, UNIQUE_ID_MAX_LENGTH } from "./tlv.ts";
 * const tlv = new Uint8Array(3 + UNIQUE_ID_MAX_LENGTH);
 * assert.equal(checkTlv(tlv, TlvType.UNIQUE_ID, 3, tlv.length), null);
 * ```
 */
export const UNIQUE_ID_MAX_LENGTH = 128;

/**
 * §2.2.6: an SSL value starts with a 1-byte client bit field and a 4-byte verify
 * result, before its sub-TLVs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SSL_PREFIX_LENGTH, sslTlv } from "./tlv.ts";
 * assert.equal(sslTlv({}).value.length, SSL_PREFIX_LENGTH);
 * ```
 */
export const SSL_PREFIX_LENGTH = 5;

/**
 * §2.2.3: a CRC32C value is a 32-bit number, exactly 4 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CRC32C_VALUE_LENGTH, describeTlv, TlvType } from "./tlv.ts";
 * const value = new Uint8Array([0xe3, 0x06, 0x92, 0x83]);
 * assert.equal(value.length, CRC32C_VALUE_LENGTH);
 * assert.equal(describeTlv({ type: TlvType.CRC32C, value }).value, 0xe3069283);
 * ```
 */
export const CRC32C_VALUE_LENGTH = 4;

/**
 * §2.2: the largest value a 2-byte TLV length can announce.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeTlvs, noopTlv, TLV_VALUE_MAX } from "./tlv.ts";
 * const out = new Uint8Array(3 + TLV_VALUE_MAX + 1);
 * assert.equal(encodeTlvs([noopTlv(TLV_VALUE_MAX)], out, 0), 3 + TLV_VALUE_MAX);
 * assert.throws(() => encodeTlvs([noopTlv(TLV_VALUE_MAX + 1)], out, 0), RangeError);
 * ```
 */
export const TLV_VALUE_MAX = 65535;

/**
 * TLV type numbers: the registered ones (§2.2), the vendor ones known here, and
 * the bounds of the reserved ranges (§2.2.8).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeHeader } from "./decode.ts";
 * import { encodeHeader } from "./encode.ts";
 * import { alpnTlv, TlvType } from "./tlv.ts";
 * const bytes = encodeHeader({ version: 2, protocol: "UNSPEC", tlvs: [alpnTlv("h2")] });
 * assert.ok(bytes.ok);
 * const header = decodeHeader(bytes.value);
 * assert.ok(header.ok);
 * const alpn = header.value.tlvs.find((t) => t.type === TlvType.ALPN);
 * assert.equal(new TextDecoder().decode(alpn?.value), "h2");
 * // Vendors share the custom range: a type in it is not unknown, only unregistered.
 * const custom = (type: number) => type >= TlvType.MIN_CUSTOM && type <= TlvType.MAX_CUSTOM;
 * assert.equal(custom(TlvType.AWS), true);
 * ```
 */
export const TlvType = {
  /** §2.2.1 PP2_TYPE_ALPN. */
  ALPN: 0x01,
  /** §2.2.2 PP2_TYPE_AUTHORITY. */
  AUTHORITY: 0x02,
  /** §2.2.3 PP2_TYPE_CRC32C. */
  CRC32C: 0x03,
  /** §2.2.4 PP2_TYPE_NOOP. */
  NOOP: 0x04,
  /** §2.2.5 PP2_TYPE_UNIQUE_ID. */
  UNIQUE_ID: 0x05,
  /** §2.2.6 PP2_TYPE_SSL. */
  SSL: 0x20,
  /** §2.2.7 PP2_TYPE_NETNS. */
  NETNS: 0x30,
  /** Google Cloud Private Service Connect (custom range). */
  GCP: 0xe0,
  /** AWS PrivateLink / Network Load Balancer (custom range). */
  AWS: 0xea,
  /** Azure Private Link service (custom range). */
  AZURE: 0xee,
  /** §2.2.8 PP2_TYPE_MIN_CUSTOM. */
  MIN_CUSTOM: 0xe0,
  /** §2.2.8 PP2_TYPE_MAX_CUSTOM. */
  MAX_CUSTOM: 0xef,
  /** §2.2.8 PP2_TYPE_MIN_EXPERIMENT. */
  MIN_EXPERIMENT: 0xf0,
  /** §2.2.8 PP2_TYPE_MAX_EXPERIMENT. */
  MAX_EXPERIMENT: 0xf7,
  /** §2.2.8 PP2_TYPE_MIN_FUTURE. */
  MIN_FUTURE: 0xf8,
  /** §2.2.8 PP2_TYPE_MAX_FUTURE. */
  MAX_FUTURE: 0xff,
} as const;

/**
 * One of the {@linkcode TlvType} values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TlvType } from "./tlv.ts";
 * const wanted: readonly TlvType[] = [TlvType.ALPN, TlvType.AUTHORITY];
 * assert.equal(wanted.includes(TlvType.AUTHORITY), true);
 * ```
 */
export type TlvType = typeof TlvType[keyof typeof TlvType];

/**
 * Sub-TLV types inside a PP2_TYPE_SSL value (§2.2.6).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeTlv, SslSubtype, sslTlv } from "./tlv.ts";
 * const ssl = sslTlv({ version: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256" });
 * // The first sub-TLV follows the 5-byte client and verify prefix.
 * assert.equal(ssl.value[5], SslSubtype.VERSION);
 * assert.ok(describeTlv(ssl).hex.includes(SslSubtype.CIPHER.toString(16)));
 * ```
 */
export const SslSubtype = {
  /** PP2_SUBTYPE_SSL_VERSION: US-ASCII TLS version, e.g. "TLSv1.3". */
  VERSION: 0x21,
  /** PP2_SUBTYPE_SSL_CN: UTF-8 Common Name of the client certificate. */
  CN: 0x22,
  /** PP2_SUBTYPE_SSL_CIPHER: US-ASCII cipher name. */
  CIPHER: 0x23,
  /** PP2_SUBTYPE_SSL_SIG_ALG: US-ASCII certificate signature algorithm. */
  SIG_ALG: 0x24,
  /** PP2_SUBTYPE_SSL_KEY_ALG: US-ASCII certificate key algorithm. */
  KEY_ALG: 0x25,
  /** PP2_SUBTYPE_SSL_GROUP: US-ASCII key exchange group, e.g. "secp256r1". */
  GROUP: 0x26,
  /** PP2_SUBTYPE_SSL_SIG_SCHEME: US-ASCII signature scheme, e.g. "rsa_pss_rsae_sha256". */
  SIG_SCHEME: 0x27,
  /** PP2_SUBTYPE_SSL_CLIENT_CERT: the raw X.509 client certificate (DER). */
  CLIENT_CERT: 0x28,
} as const;

/**
 * One of the {@linkcode SslSubtype} values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SslSubtype } from "./tlv.ts";
 * const textual: readonly SslSubtype[] = [SslSubtype.VERSION, SslSubtype.CIPHER];
 * assert.equal(textual.includes(SslSubtype.CLIENT_CERT), false);
 * ```
 */
export type SslSubtype = typeof SslSubtype[keyof typeof SslSubtype];

/**
 * Bits of the SSL value's client field (§2.2.6).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SslClient, sslTlv } from "./tlv.ts";
 * // A TLS client that presented a certificate on this connection.
 * const tlv = sslTlv({ client: SslClient.SSL | SslClient.CERT_CONN, version: "TLSv1.3" });
 * const client = tlv.value[0]!;
 * assert.ok(client & SslClient.CERT_CONN);
 * assert.equal(client & SslClient.CERT_SESS, 0);
 * ```
 */
export const SslClient = {
  /** PP2_CLIENT_SSL: the client connected over SSL/TLS. */
  SSL: 0x01,
  /** PP2_CLIENT_CERT_CONN: the client presented a certificate on this connection. */
  CERT_CONN: 0x02,
  /** PP2_CLIENT_CERT_SESS: the client presented a certificate at least once in this TLS session. */
  CERT_SESS: 0x04,
} as const;

/**
 * One of the {@linkcode SslClient} bits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SslClient } from "./tlv.ts";
 * const has = (client: number, bit: SslClient) => (client & bit) !== 0;
 * assert.equal(has(0x05, SslClient.CERT_SESS), true);
 * ```
 */
export type SslClient = typeof SslClient[keyof typeof SslClient];

/**
 * First byte of an AWS (0xEA) value: PP2_SUBTYPE_AWS_VPCE_ID, the VPC endpoint ID follows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AWS_SUBTYPE_VPCE_ID, awsVpceTlv } from "./tlv.ts";
 * assert.equal(awsVpceTlv("vpce-1").value[0], AWS_SUBTYPE_VPCE_ID);
 * ```
 */
export const AWS_SUBTYPE_VPCE_ID = 0x01;

/**
 * First byte of an Azure (0xEE) value: PP2_SUBTYPE_AZURE_PRIVATEENDPOINT_LINKID,
 * a little-endian uint32 follows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AZURE_SUBTYPE_LINK_ID, azureLinkIdTlv } from "./tlv.ts";
 * assert.equal(azureLinkIdTlv(7).value[0], AZURE_SUBTYPE_LINK_ID);
 * ```
 */
export const AZURE_SUBTYPE_LINK_ID = 0x01;

/** Azure value: subtype byte + uint32. */
const AZURE_VALUE_LENGTH = 5;
/** GCP value: uint64. */
const GCP_VALUE_LENGTH = 8;

function bytes(n: number): string {
  return n === 1 ? "1 byte" : `${n} bytes`;
}

function hex2(n: number): string {
  return "0x" + (n < 16 ? "0" : "") + n.toString(16);
}

/** Where length errors point: the TLV's type byte, 3 bytes before its value. */
function typeByteOffset(valueStart: number): number {
  return valueStart >= TLV_HEADER_LENGTH ? valueStart - TLV_HEADER_LENGTH : 0;
}

/**
 * Walks the sub-TLVs of an SSL value in buf[start, end) (start is just past the
 * 5-byte prefix). Returns -1 when they tile the range exactly, else the offset of
 * the first sub-TLV that overruns or of the first stray byte.
 */
function sslSubTlvFault(buf: Uint8Array, start: number, end: number): number {
  let at = start;
  while (at < end) {
    const left = end - at;
    if (left < TLV_HEADER_LENGTH) return at;
    const length = (buf[at + 1]! << 8) | buf[at + 2]!;
    if (length > left - TLV_HEADER_LENGTH) return at;
    at += TLV_HEADER_LENGTH + length;
  }
  return -1;
}

/**
 * Applies the per-type value rules to a top-level TLV whose value is
 * `buf[start, end)`, the TLV's 3-byte header sitting just before it in `buf`.
 * Offsets are absolute in `buf`, so the error's offset is too:
 * - length errors point at the TLV's type byte, `start - 3`:
 *   CRC_BAD_LENGTH (§2.2.3: the value is not exactly 4 bytes),
 *   UNIQUE_ID_TOO_LONG (§2.2.5: more than 128 bytes),
 *   SSL_TOO_SHORT (§2.2.6: less than the 5-byte client and verify prefix);
 * - SSL_SUBTLV_OVERRUN (§2.2.6: the sub-TLVs must tile the rest of the value)
 *   points at the type byte of the sub-TLV whose length runs past the end of the
 *   SSL value, or at the first of the 1 or 2 stray bytes too short for a sub-TLV.
 *
 * Everything else, vendor TLVs included, well-formed or not, returns null.
 * Never throws; allocates nothing unless it returns an error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkTlv, TlvType } from "./tlv.ts";
 * // Two bytes of something, then a CRC32C TLV with a 3-byte value.
 * const buf = new Uint8Array([0xaa, 0xbb, 0x03, 0x00, 0x03, 1, 2, 3]);
 * assert.deepEqual(checkTlv(buf, TlvType.CRC32C, 5, 8), {
 *   code: "CRC_BAD_LENGTH",
 *   message: "the CRC32C value is 3 bytes, it must be exactly 4",
 *   offset: 2,
 * });
 * assert.equal(checkTlv(buf, TlvType.NOOP, 5, 8), null);
 * ```
 */
export function checkTlv(
  buf: Uint8Array,
  type: number,
  start: number,
  end: number,
): ProxyError | null {
  const length = end - start;
  switch (type) {
    case TlvType.CRC32C:
      // §2.2.3: a 32-bit number.
      if (length === CRC32C_VALUE_LENGTH) return null;
      return proxyError(
        "CRC_BAD_LENGTH",
        `the CRC32C value is ${bytes(length)}, it must be exactly ${CRC32C_VALUE_LENGTH}`,
        typeByteOffset(start),
      );
    case TlvType.UNIQUE_ID:
      // §2.2.5: up to 128 bytes.
      if (length <= UNIQUE_ID_MAX_LENGTH) return null;
      return proxyError(
        "UNIQUE_ID_TOO_LONG",
        `unique ID is ${bytes(length)}, the limit is ${UNIQUE_ID_MAX_LENGTH}`,
        typeByteOffset(start),
      );
    case TlvType.SSL: {
      // §2.2.6: packed struct { uint8_t client; uint32_t verify; struct pp2_tlv sub_tlv[0]; }
      if (length < SSL_PREFIX_LENGTH) {
        return proxyError(
          "SSL_TOO_SHORT",
          `the SSL value is ${bytes(length)}, ` +
            `shorter than its ${SSL_PREFIX_LENGTH}-byte client and verify prefix`,
          typeByteOffset(start),
        );
      }
      const fault = sslSubTlvFault(buf, start + SSL_PREFIX_LENGTH, end);
      if (fault < 0) return null;
      const left = end - fault;
      if (left < TLV_HEADER_LENGTH) {
        return proxyError(
          "SSL_SUBTLV_OVERRUN",
          `${left} stray ${left === 1 ? "byte" : "bytes"} at the end of the SSL value, ` +
            `too few for a ${TLV_HEADER_LENGTH}-byte sub-TLV header`,
          fault,
        );
      }
      const subtype = buf[fault]!;
      const declared = (buf[fault + 1]! << 8) | buf[fault + 2]!;
      return proxyError(
        "SSL_SUBTLV_OVERRUN",
        `sub-TLV ${hex2(subtype)} (${sslSubtypeName(subtype)}) declares ${bytes(declared)} ` +
          `but only ${left - TLV_HEADER_LENGTH} remain in the SSL value`,
        fault,
      );
    }
    default:
      return null;
  }
}

/**
 * The name of a TLV type: "ALPN", "AUTHORITY", "CRC32C", "NOOP", "UNIQUE_ID",
 * "SSL", "NETNS", "GCP", "AWS", "AZURE"; otherwise the reserved range (§2.2.8):
 * "CUSTOM" (0xE0-0xEF), "EXPERIMENT" (0xF0-0xF7), "FUTURE" (0xF8-0xFF); anything
 * else (including numbers that are not a byte) "UNASSIGNED".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tlvName } from "./tlv.ts";
 * assert.equal(tlvName(0x20), "SSL");
 * assert.equal(tlvName(0xe1), "CUSTOM");
 * assert.equal(tlvName(0xf7), "EXPERIMENT");
 * assert.equal(tlvName(0xf8), "FUTURE");
 * assert.equal(tlvName(0x06), "UNASSIGNED");
 * ```
 */
export function tlvName(type: number): string {
  switch (type) {
    case TlvType.ALPN:
      return "ALPN";
    case TlvType.AUTHORITY:
      return "AUTHORITY";
    case TlvType.CRC32C:
      return "CRC32C";
    case TlvType.NOOP:
      return "NOOP";
    case TlvType.UNIQUE_ID:
      return "UNIQUE_ID";
    case TlvType.SSL:
      return "SSL";
    case TlvType.NETNS:
      return "NETNS";
    case TlvType.GCP:
      return "GCP";
    case TlvType.AWS:
      return "AWS";
    case TlvType.AZURE:
      return "AZURE";
  }
  if (!Number.isInteger(type)) return "UNASSIGNED";
  if (type >= TlvType.MIN_CUSTOM && type <= TlvType.MAX_CUSTOM) return "CUSTOM";
  if (type >= TlvType.MIN_EXPERIMENT && type <= TlvType.MAX_EXPERIMENT) return "EXPERIMENT";
  if (type >= TlvType.MIN_FUTURE && type <= TlvType.MAX_FUTURE) return "FUTURE";
  return "UNASSIGNED";
}

function sslSubtypeName(subtype: number): string {
  switch (subtype) {
    case SslSubtype.VERSION:
      return "VERSION";
    case SslSubtype.CN:
      return "CN";
    case SslSubtype.CIPHER:
      return "CIPHER";
    case SslSubtype.SIG_ALG:
      return "SIG_ALG";
    case SslSubtype.KEY_ALG:
      return "KEY_ALG";
    case SslSubtype.GROUP:
      return "GROUP";
    case SslSubtype.SIG_SCHEME:
      return "SIG_SCHEME";
    case SslSubtype.CLIENT_CERT:
      return "CLIENT_CERT";
    default:
      return "UNASSIGNED";
  }
}

/**
 * A TLV as JSON: its type number and name, a decoded value (see
 * {@linkcode describeTlv}), and the raw value bytes as lowercase hex.
 * SSL sub-TLVs are described with the same shape.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeTlv, type TlvJson } from "./tlv.ts";
 * const json: TlvJson = describeTlv({ type: 0x04, value: new Uint8Array([0, 0]) });
 * assert.deepEqual(json, { type: 4, name: "NOOP", value: null, hex: "0000" });
 * ```
 */
export interface TlvJson {
  /** The type byte. */
  type: number;
  /** {@linkcode tlvName} of the type (for SSL sub-TLVs, the subtype name). */
  name: string;
  /** The decoded value, or null when the type has none or the value is malformed. */
  value: unknown;
  /** The value bytes, lowercase hex. */
  hex: string;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function toBase64(value: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < value.length; i += 3) {
    const n = (value[i]! << 16) | (value[i + 1]! << 8) | value[i + 2]!;
    out += BASE64[n >>> 18]! + BASE64[(n >>> 12) & 63]! + BASE64[(n >>> 6) & 63] + BASE64[n & 63];
  }
  if (i + 1 === value.length) {
    const n = value[i]! << 16;
    out += BASE64[n >>> 18]! + BASE64[(n >>> 12) & 63]! + "==";
  } else if (i + 2 === value.length) {
    const n = (value[i]! << 16) | (value[i + 1]! << 8);
    out += BASE64[n >>> 18]! + BASE64[(n >>> 12) & 63]! + BASE64[(n >>> 6) & 63] + "=";
  }
  return out;
}

// ignoreBOM keeps a leading U+FEFF in the text instead of silently dropping it.
const utf8Lenient = new TextDecoder("utf-8", { ignoreBOM: true });
const utf8Strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function strictText(value: Uint8Array): string | null {
  try {
    return utf8Strict.decode(value);
  } catch {
    return null;
  }
}

function uint32BE(value: Uint8Array, at: number): number {
  return ((value[at]! << 24) | (value[at + 1]! << 16) | (value[at + 2]! << 8) | value[at + 3]!) >>>
    0;
}

function describeSsl(value: Uint8Array): unknown {
  if (
    value.length < SSL_PREFIX_LENGTH ||
    sslSubTlvFault(value, SSL_PREFIX_LENGTH, value.length) >= 0
  ) {
    return null;
  }
  const client = value[0]!;
  const clientFlags: string[] = [];
  if (client & SslClient.SSL) clientFlags.push("SSL");
  if (client & SslClient.CERT_CONN) clientFlags.push("CERT_CONN");
  if (client & SslClient.CERT_SESS) clientFlags.push("CERT_SESS");
  const tlvs: TlvJson[] = [];
  let at = SSL_PREFIX_LENGTH;
  while (at < value.length) {
    const type = value[at]!;
    const length = (value[at + 1]! << 8) | value[at + 2]!;
    const sub = value.subarray(at + TLV_HEADER_LENGTH, at + TLV_HEADER_LENGTH + length);
    const name = sslSubtypeName(type);
    let decoded: unknown;
    if (type === SslSubtype.CLIENT_CERT) decoded = toBase64(sub);
    else if (name === "UNASSIGNED") decoded = null;
    else decoded = utf8Lenient.decode(sub);
    tlvs.push({ type, name, value: decoded, hex: toHex(sub) });
    at += TLV_HEADER_LENGTH + length;
  }
  return { client, clientFlags, verify: uint32BE(value, 1), tlvs };
}

function describeValue(type: number, value: Uint8Array): unknown {
  switch (type) {
    case TlvType.ALPN:
    case TlvType.AUTHORITY:
    case TlvType.NETNS:
      return utf8Lenient.decode(value);
    case TlvType.CRC32C:
      // §2.2.3, in network byte order like every number in the header.
      return value.length === CRC32C_VALUE_LENGTH ? uint32BE(value, 0) : null;
    case TlvType.UNIQUE_ID:
      return strictText(value);
    case TlvType.SSL:
      return describeSsl(value);
    case TlvType.AWS:
      if (value.length === 0) return null;
      if (value[0] === AWS_SUBTYPE_VPCE_ID) {
        return { subtype: AWS_SUBTYPE_VPCE_ID, vpceId: utf8Lenient.decode(value.subarray(1)) };
      }
      return { subtype: value[0] };
    case TlvType.AZURE:
      if (value.length !== AZURE_VALUE_LENGTH || value[0] !== AZURE_SUBTYPE_LINK_ID) return null;
      return {
        subtype: AZURE_SUBTYPE_LINK_ID,
        linkId: (value[1]! | (value[2]! << 8) | (value[3]! << 16) | (value[4]! << 24)) >>> 0,
      };
    case TlvType.GCP:
      if (value.length !== GCP_VALUE_LENGTH) return null;
      return {
        pscConnectionId: ((BigInt(uint32BE(value, 0)) << 32n) | BigInt(uint32BE(value, 4)))
          .toString(),
      };
    default:
      // NOOP, CUSTOM, EXPERIMENT, FUTURE, UNASSIGNED.
      return null;
  }
}

/**
 * Describes a TLV as JSON ({@linkcode TlvJson}). The value is:
 * - ALPN, AUTHORITY, NETNS: a string (UTF-8, invalid bytes become U+FFFD);
 * - CRC32C: the uint32 (big-endian), or null unless the value is 4 bytes;
 * - NOOP: null;
 * - UNIQUE_ID: a string when the bytes are valid UTF-8, else null;
 * - SSL: `{client, clientFlags, verify, tlvs}` where clientFlags names the set
 *   bits ("SSL", "CERT_CONN", "CERT_SESS"), verify is the uint32 and tlvs
 *   describes each sub-TLV as `{type, name, value, hex}`: strings for VERSION,
 *   CN, CIPHER, SIG_ALG, KEY_ALG, GROUP and SIG_SCHEME, base64 of the DER for
 *   CLIENT_CERT, null for unknown subtypes (named "UNASSIGNED"); null altogether
 *   when the SSL value is malformed (see {@linkcode checkTlv});
 * - AWS: `{subtype: 1, vpceId}` for a VPC endpoint ID, `{subtype}` for other
 *   subtypes, null when empty;
 * - AZURE: `{subtype: 1, linkId}` (uint32 little-endian) for exactly 5 bytes of
 *   subtype 1, else null;
 * - GCP: `{pscConnectionId}` (uint64 big-endian as a decimal string) for exactly
 *   8 bytes, else null;
 * - CUSTOM, EXPERIMENT, FUTURE, UNASSIGNED: null.
 *
 * Never throws: anything malformed becomes null, the bytes stay in `hex`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeTlv } from "./tlv.ts";
 * const value = new Uint8Array([0x01, 0x01, 0x00, 0x00, 0x00]);
 * assert.deepEqual(describeTlv({ type: 0xee, value }), {
 *   type: 0xee,
 *   name: "AZURE",
 *   value: { subtype: 1, linkId: 1 },
 *   hex: "0101000000",
 * });
 * ```
 */
export function describeTlv(tlv: Tlv): TlvJson {
  return {
    type: tlv.type,
    name: tlvName(tlv.type),
    value: describeValue(tlv.type, tlv.value),
    hex: toHex(tlv.value),
  };
}

const encoder = new TextEncoder();

/**
 * Builds an ALPN TLV (§2.2.1), e.g. "h2".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { alpnTlv } from "./tlv.ts";
 * assert.deepEqual(alpnTlv("h2"), { type: 0x01, value: new Uint8Array([0x68, 0x32]) });
 * ```
 */
export function alpnTlv(alpn: string): Tlv {
  return { type: TlvType.ALPN, value: encoder.encode(alpn) };
}

/**
 * Builds an AUTHORITY TLV (§2.2.2): the host name, UTF-8 (typically the SNI).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { authorityTlv, describeTlv } from "./tlv.ts";
 * assert.equal(describeTlv(authorityTlv("example.com")).value, "example.com");
 * ```
 */
export function authorityTlv(host: string): Tlv {
  return { type: TlvType.AUTHORITY, value: encoder.encode(host) };
}

/**
 * Builds a UNIQUE_ID TLV (§2.2.5) from a string (UTF-8) or bytes (copied).
 * Values longer than {@linkcode UNIQUE_ID_MAX_LENGTH} are built anyway, so a
 * fuzzer can send them; the decoder rejects them with UNIQUE_ID_TOO_LONG.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkTlv, encodeTlvs, uniqueIdTlv } from "./tlv.ts";
 * const tlv = uniqueIdTlv(new Uint8Array(129));
 * assert.equal(tlv.value.length, 129);
 * const wire = new Uint8Array(3 + 129);
 * encodeTlvs([tlv], wire, 0);
 * assert.equal(checkTlv(wire, tlv.type, 3, wire.length)?.code, "UNIQUE_ID_TOO_LONG");
 * ```
 */
export function uniqueIdTlv(id: string | Uint8Array): Tlv {
  return {
    type: TlvType.UNIQUE_ID,
    value: typeof id === "string" ? encoder.encode(id) : id.slice(),
  };
}

/**
 * Builds a NETNS TLV (§2.2.7): the network namespace name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeTlv, netnsTlv } from "./tlv.ts";
 * assert.equal(describeTlv(netnsTlv("blue")).value, "blue");
 * ```
 */
export function netnsTlv(name: string): Tlv {
  return { type: TlvType.NETNS, value: encoder.encode(name) };
}

/**
 * Builds a NOOP TLV (§2.2.4) of `length` zero bytes, for padding. Lengths past
 * {@linkcode TLV_VALUE_MAX} are built anyway (the encoder refuses them).
 *
 * @throws {RangeError} when `length` is not a non-negative integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { noopTlv } from "./tlv.ts";
 * assert.deepEqual(noopTlv(2), { type: 0x04, value: new Uint8Array(2) });
 * ```
 */
export function noopTlv(length: number): Tlv {
  if (!(Number.isSafeInteger(length) && length >= 0)) {
    throw new RangeError(`NOOP length ${length} is not a non-negative integer`);
  }
  return { type: TlvType.NOOP, value: new Uint8Array(length) };
}

/**
 * Builds an AWS TLV (0xEA) carrying a VPC endpoint ID: subtype
 * {@linkcode AWS_SUBTYPE_VPCE_ID}, then the ID as a string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { awsVpceTlv, describeTlv } from "./tlv.ts";
 * const tlv = awsVpceTlv("vpce-0abc");
 * assert.equal(tlv.type, 0xea);
 * assert.deepEqual(describeTlv(tlv).value, { subtype: 1, vpceId: "vpce-0abc" });
 * ```
 */
export function awsVpceTlv(vpceId: string): Tlv {
  const id = encoder.encode(vpceId);
  const value = new Uint8Array(1 + id.length);
  value[0] = AWS_SUBTYPE_VPCE_ID;
  value.set(id, 1);
  return { type: TlvType.AWS, value };
}

/**
 * Builds an Azure TLV (0xEE) carrying a private endpoint LINKID: subtype
 * {@linkcode AZURE_SUBTYPE_LINK_ID}, then the uint32 little-endian.
 *
 * @throws {RangeError} when `linkId` is not an integer in [0, 2^32).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { azureLinkIdTlv } from "./tlv.ts";
 * assert.deepEqual(azureLinkIdTlv(0x21_00_45_c1).value, new Uint8Array([1, 0xc1, 0x45, 0, 0x21]));
 * ```
 */
export function azureLinkIdTlv(linkId: number): Tlv {
  if (!(Number.isInteger(linkId) && linkId >= 0 && linkId <= 0xffffffff)) {
    throw new RangeError(`Azure LINKID ${linkId} is not a uint32`);
  }
  const value = new Uint8Array(AZURE_VALUE_LENGTH);
  value[0] = AZURE_SUBTYPE_LINK_ID;
  value[1] = linkId & 0xff;
  value[2] = (linkId >>> 8) & 0xff;
  value[3] = (linkId >>> 16) & 0xff;
  value[4] = linkId >>> 24;
  return { type: TlvType.AZURE, value };
}

/**
 * Builds a GCP TLV (0xE0) carrying a Private Service Connect connection ID, a
 * uint64 big-endian.
 *
 * @throws {RangeError} when `connectionId` is outside [0, 2^64).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeTlv, gcpPscTlv } from "./tlv.ts";
 * const tlv = gcpPscTlv(18446744072646845442n);
 * assert.equal(describeTlv(tlv).hex, "ffffffffc0a86402");
 * assert.deepEqual(describeTlv(tlv).value, { pscConnectionId: "18446744072646845442" });
 * ```
 */
export function gcpPscTlv(connectionId: bigint): Tlv {
  if (!(typeof connectionId === "bigint" && connectionId >= 0n && connectionId < 1n << 64n)) {
    throw new RangeError(`PSC connection ID ${connectionId} is not a uint64`);
  }
  const value = new Uint8Array(GCP_VALUE_LENGTH);
  new DataView(value.buffer).setBigUint64(0, connectionId, false);
  return { type: TlvType.GCP, value };
}

/**
 * What {@linkcode sslTlv} builds an SSL TLV (§2.2.6) from. Every string field
 * given (even empty) becomes one sub-TLV.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type SslInit, sslTlv } from "./tlv.ts";
 * const init: SslInit = { version: "TLSv1.3", cn: "client.example" };
 * assert.equal(sslTlv(init).value[0], 0x01);
 * ```
 */
export interface SslInit {
  /** The client bit field ({@linkcode SslClient}); defaults to SSL when `version` is given, else 0. */
  client?: number;
  /** The verify result, uint32: 0 when a client certificate was verified; defaults to 0. */
  verify?: number;
  /** PP2_SUBTYPE_SSL_VERSION, e.g. "TLSv1.3". */
  version?: string;
  /** PP2_SUBTYPE_SSL_CN: the client certificate's Common Name. */
  cn?: string;
  /** PP2_SUBTYPE_SSL_CIPHER, e.g. "ECDHE-RSA-AES128-GCM-SHA256". */
  cipher?: string;
  /** PP2_SUBTYPE_SSL_SIG_ALG, e.g. "RSA-SHA256". */
  sigAlg?: string;
  /** PP2_SUBTYPE_SSL_KEY_ALG, e.g. "RSA2048". */
  keyAlg?: string;
  /** PP2_SUBTYPE_SSL_GROUP, e.g. "secp256r1". */
  group?: string;
  /** PP2_SUBTYPE_SSL_SIG_SCHEME, e.g. "rsa_pss_rsae_sha256". */
  sigScheme?: string;
  /** PP2_SUBTYPE_SSL_CLIENT_CERT: the DER certificate (copied). */
  clientCert?: Uint8Array;
}

/**
 * Builds an SSL TLV (§2.2.6): client byte, verify as a big-endian uint32, then
 * one sub-TLV per field given, in subtype order VERSION, CN, CIPHER, SIG_ALG,
 * KEY_ALG, GROUP, SIG_SCHEME, CLIENT_CERT. `client` defaults to
 * {@linkcode SslClient}.SSL when `version` is given, else 0; `verify` to 0.
 *
 * @throws {RangeError} when `client` is not a byte, `verify` not a uint32, or a
 *   sub-TLV value is longer than {@linkcode TLV_VALUE_MAX} bytes (its length
 *   field could not say so).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sslTlv } from "./tlv.ts";
 * const tlv = sslTlv({ version: "TLSv1.3" });
 * assert.equal(tlv.type, 0x20);
 * assert.deepEqual(
 *   tlv.value,
 *   new Uint8Array([1, 0, 0, 0, 0, 0x21, 0, 7, ...new TextEncoder().encode("TLSv1.3")]),
 * );
 * ```
 */
export function sslTlv(init: SslInit): Tlv {
  const client = init.client ?? (init.version !== undefined ? SslClient.SSL : 0);
  const verify = init.verify ?? 0;
  if (!(Number.isInteger(client) && client >= 0 && client <= 0xff)) {
    throw new RangeError(`SSL client ${client} is not a byte`);
  }
  if (!(Number.isInteger(verify) && verify >= 0 && verify <= 0xffffffff)) {
    throw new RangeError(`SSL verify ${verify} is not a uint32`);
  }
  const subs: [number, Uint8Array][] = [];
  const text: [number, string | undefined][] = [
    [SslSubtype.VERSION, init.version],
    [SslSubtype.CN, init.cn],
    [SslSubtype.CIPHER, init.cipher],
    [SslSubtype.SIG_ALG, init.sigAlg],
    [SslSubtype.KEY_ALG, init.keyAlg],
    [SslSubtype.GROUP, init.group],
    [SslSubtype.SIG_SCHEME, init.sigScheme],
  ];
  for (const [subtype, field] of text) {
    if (field !== undefined) subs.push([subtype, encoder.encode(field)]);
  }
  if (init.clientCert !== undefined) subs.push([SslSubtype.CLIENT_CERT, init.clientCert]);
  let length = SSL_PREFIX_LENGTH;
  for (const [subtype, data] of subs) {
    if (data.length > TLV_VALUE_MAX) {
      throw new RangeError(
        `SSL sub-TLV ${hex2(subtype)} is ${data.length} bytes, more than ${TLV_VALUE_MAX}`,
      );
    }
    length += TLV_HEADER_LENGTH + data.length;
  }
  const value = new Uint8Array(length);
  value[0] = client;
  value[1] = verify >>> 24;
  value[2] = (verify >>> 16) & 0xff;
  value[3] = (verify >>> 8) & 0xff;
  value[4] = verify & 0xff;
  let at = SSL_PREFIX_LENGTH;
  for (const [subtype, data] of subs) {
    value[at] = subtype;
    value[at + 1] = data.length >>> 8;
    value[at + 2] = data.length & 0xff;
    value.set(data, at + TLV_HEADER_LENGTH);
    at += TLV_HEADER_LENGTH + data.length;
  }
  return { type: TlvType.SSL, value };
}

/**
 * Builds a TLV of any type from raw value bytes (copied): unknown, reserved or
 * deliberately malformed TLVs. Values past {@linkcode TLV_VALUE_MAX} are built
 * anyway (the encoder refuses them).
 *
 * @throws {RangeError} when `type` is not a byte.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeTlv, rawTlv } from "./tlv.ts";
 * const tlv = rawTlv(0xf0, new Uint8Array([0xde, 0xad]));
 * assert.deepEqual(describeTlv(tlv), { type: 0xf0, name: "EXPERIMENT", value: null, hex: "dead" });
 * ```
 */
export function rawTlv(type: number, value: Uint8Array): Tlv {
  if (!(Number.isInteger(type) && type >= 0 && type <= 0xff)) {
    throw new RangeError(`TLV type ${type} is not a byte`);
  }
  return { type, value: value.slice() };
}

/**
 * Bytes the TLVs take on the wire: the sum of 3 + value length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { alpnTlv, noopTlv, tlvsLength } from "./tlv.ts";
 * assert.equal(tlvsLength([alpnTlv("h2"), noopTlv(0)]), 3 + 2 + 3);
 * assert.equal(tlvsLength([]), 0);
 * ```
 */
export function tlvsLength(tlvs: readonly Tlv[]): number {
  let length = 0;
  for (let i = 0; i < tlvs.length; i++) length += TLV_HEADER_LENGTH + tlvs[i]!.value.length;
  return length;
}

/**
 * Writes the TLVs into `out` from offset `at` (§2.2: type byte, big-endian
 * 2-byte length, value) and returns the offset just past them. The v2 encoder
 * checks sizes first and reports ENCODE_TOO_LARGE; this function only guards
 * against caller bugs.
 *
 * @throws {RangeError} (writing nothing) when a type is not a byte, a value is
 *   longer than {@linkcode TLV_VALUE_MAX}, or `out` has no room for
 *   {@linkcode tlvsLength} bytes from `at`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { alpnTlv, encodeTlvs, noopTlv } from "./tlv.ts";
 * const out = new Uint8Array(10);
 * assert.equal(encodeTlvs([alpnTlv("h2"), noopTlv(1)], out, 1), 10);
 * assert.deepEqual(out, new Uint8Array([0, 0x01, 0, 2, 0x68, 0x32, 0x04, 0, 1, 0]));
 * ```
 */
export function encodeTlvs(tlvs: readonly Tlv[], out: Uint8Array, at: number): number {
  let end = at;
  for (const { type, value } of tlvs) {
    if (!(type >>> 0 === type && type <= 0xff)) {
      throw new RangeError(`TLV type ${type} is not a byte`);
    }
    if (value.length > TLV_VALUE_MAX) {
      throw new RangeError(`TLV value is ${value.length} bytes, more than ${TLV_VALUE_MAX}`);
    }
    end += TLV_HEADER_LENGTH + value.length;
  }
  if (!(at >>> 0 === at && end <= out.length)) {
    throw new RangeError(`${end - at} bytes of TLVs do not fit at ${at} in ${out.length} bytes`);
  }
  return writeTlvs(tlvs, out, at);
}
