/**
 * What ppcat's decoder makes of some bytes, as a fuzz expectation
 * ({@linkcode classifyHeader}): random cases take their expectation from it,
 * and every catalog case agrees with it.
 *
 * @module
 */

import { decodeHeader } from "../decode.ts";
import { ERROR_SECTION, type ErrorCode } from "../errors.ts";
import type { ProxyHeader } from "../header.ts";
import { TlvType } from "../tlv.ts";
import {
  AUTHORITY_SOFT_LIMIT,
  MSS_HEADER_LIMIT,
  type Requirement,
  TLV_VALUE_SOFT_LIMIT,
} from "./case.ts";

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
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function isUtf8(bytes: Uint8Array): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

// Why a valid header is only `either`, or null when it must be accepted.
function eitherSection(bytes: Uint8Array, header: ProxyHeader): string | null {
  if (header.version === 1) {
    if (header.protocol !== "TCP6") return null;
    // A dotted IPv4 tail in a TCP6 line: the spec's IPv6 text has none.
    for (let i = 0; i < header.headerLength; i++) if (bytes[i] === 0x2e) return "2.1";
    return null;
  }
  if (header.command === "LOCAL") return header.headerLength > MSS_HEADER_LIMIT ? "2" : null;
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
 *   IPv4-dotted TCP6 lines;
 * - TRUNCATED: `timeout` (MUST: a partial header is never accepted);
 * - any other error: `reject`, MUST, except V1_TOO_LONG (§2.1 "should") and
 *   TLV content errors (SHOULD: §2.2 lets a receiver skip TLVs unparsed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyHeader } from "./classify.ts";
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
    const section = ERROR_SECTION[code];
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
