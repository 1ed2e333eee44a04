/**
 * Version 2 of the PROXY protocol: the binary header (§2.2) and its TLVs.
 *
 * The decoder reads the bytes in place. TLV values in a decoded header are
 * views into the input: copy them if the input buffer is reused.
 *
 * @module
 */

import {
  AddressParse,
  formatIPv4,
  formatIPv6,
  parseIPv4Text,
  parseIPv6,
  UNIX_PATH_LENGTH,
  unixPathBytes,
  unixPathText,
} from "./address.ts";
import { TEXT_SCRATCH, toTextScratch } from "./_alloc.ts";
import { outputOf, tooSmall } from "./_output.ts";
import { CRC32C_INIT, crc32cFinish, crc32cUpdate, crc32cZeros } from "./crc32c.ts";
import { fail, type ProxyError, type Result } from "./errors.ts";
import type {
  Command,
  CrcStatus,
  EncodeOptions,
  Endpoint,
  HeaderInit,
  Protocol,
  ProxyHeader,
  Tlv,
} from "./header.ts";
import { checkTlv, CRC32C_VALUE_LENGTH, TLV_HEADER_LENGTH, TLV_VALUE_MAX, TlvType } from "./tlv.ts";
import { writeTlvs } from "./_tlv_write.ts";

/** §2.2: the 12-byte signature every version 2 header starts with. */
export const V2_SIGNATURE: Uint8Array = new Uint8Array([
  0x0d,
  0x0a,
  0x0d,
  0x0a,
  0x00,
  0x0d,
  0x0a,
  0x51,
  0x55,
  0x49,
  0x54,
  0x0a,
]);
/** §2.2: signature, version/command, family/transport and length. */
export const V2_FIXED_LENGTH = 16;
/** §2.2: the only version a receiver accepts. */
export const V2_VERSION = 2;
/** §2.2: the size of the address block for each family. */
export const V2_ADDRESS_LENGTH = { INET: 12, INET6: 36, UNIX: 216 } as const;

/** §2.2: the fam byte of each protocol (family in the high nibble, transport in the low one). */
export const V2_FAMILY_BYTE: Readonly<Record<Protocol, number>> = {
  UNSPEC: 0x00,
  UNKNOWN: 0x00,
  TCP4: 0x11,
  UDP4: 0x12,
  TCP6: 0x21,
  UDP6: 0x22,
  UNIX_STREAM: 0x31,
  UNIX_DGRAM: 0x32,
};

/** Options for the decoders. */
export interface DecodeOptions {
  /**
   * Report a CRC32C mismatch as `crc32c: "invalid"` instead of failing with
   * `CRC_MISMATCH` (§2.2.3 says the receiver MUST treat it as invalid).
   */
  readonly allowCrcMismatch?: boolean;
}

const COMMAND_LOCAL = 0x0;
const COMMAND_PROXY = 0x1;
// §2.2: the version/command byte of the two valid commands.
const VER_CMD_LOCAL = (V2_VERSION << 4) | COMMAND_LOCAL;
const VER_CMD_PROXY = (V2_VERSION << 4) | COMMAND_PROXY;
const MAX_FAMILY = 0x3;
const MAX_TRANSPORT = 0x2;
const NO_TLVS: readonly Tlv[] = Object.freeze([]);

// §2.2 "In practice, the following protocol bytes are expected": the listed combinations.
function protocolOf(fam: number): Protocol {
  switch (fam) {
    case 0x11:
      return "TCP4";
    case 0x12:
      return "UDP4";
    case 0x21:
      return "TCP6";
    case 0x22:
      return "UDP6";
    case 0x31:
      return "UNIX_STREAM";
    case 0x32:
      return "UNIX_DGRAM";
    default:
      return "UNSPEC";
  }
}

function addressLengthOf(fam: number): number {
  switch (fam >> 4) {
    case 0x1:
      return V2_ADDRESS_LENGTH.INET;
    case 0x2:
      return V2_ADDRESS_LENGTH.INET6;
    case 0x3:
      return V2_ADDRESS_LENGTH.UNIX;
    default:
      return 0;
  }
}

/**
 * Checks the signature and the 16-byte preamble of a version 2 header as far
 * as `buf` reaches. Returns the total header length once the preamble is
 * complete and valid, `TRUNCATED` before that, or the first violation.
 * The stream decoder uses it to reject bad input as early as possible.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkV2Preamble, V2_SIGNATURE } from "./v2.ts";
 * const head = new Uint8Array([...V2_SIGNATURE, 0x21, 0x11, 0x00, 0x0c]);
 * assert.deepEqual(checkV2Preamble(head), { ok: true, value: 28 });
 * head[12] = 0x31;
 * const r = checkV2Preamble(head);
 * assert.equal(!r.ok && r.error.code, "V2_BAD_VERSION");
 * ```
 */
export function checkV2Preamble(buf: Uint8Array): Result<number> {
  const total = preambleTotal(buf);
  return total >= 0 ? { ok: true, value: total } : preambleFault(buf);
}

/**
 * The total header length (16 + `len`) when `buf` holds a complete and valid
 * preamble, else -1: the same rules as {@linkcode preambleFault}, without
 * building a Result on the way (the success path of every v2 decode).
 */
function preambleTotal(buf: Uint8Array): number {
  if (buf.length < V2_FIXED_LENGTH) return -1;
  // §2.2 signature, compared with constants (a loop over V2_SIGNATURE is slower).
  if (
    buf[0] !== 0x0d || buf[1] !== 0x0a || buf[2] !== 0x0d || buf[3] !== 0x0a ||
    buf[4] !== 0x00 || buf[5] !== 0x0d || buf[6] !== 0x0a || buf[7] !== 0x51 ||
    buf[8] !== 0x55 || buf[9] !== 0x49 || buf[10] !== 0x54 || buf[11] !== 0x0a
  ) {
    return -1;
  }
  const verCmd = buf[12]!;
  const len = (buf[14]! << 8) | buf[15]!;
  // §2.2: version 2; LOCAL ignores the family, PROXY needs a listed family and
  // transport and a `len` that holds their address block.
  if (verCmd === VER_CMD_LOCAL) return V2_FIXED_LENGTH + len;
  if (verCmd !== VER_CMD_PROXY) return -1;
  const fam = buf[13]!;
  if (fam >> 4 > MAX_FAMILY || (fam & 0xf) > MAX_TRANSPORT) return -1;
  if (protocolOf(fam) !== "UNSPEC" && len < addressLengthOf(fam)) return -1;
  return V2_FIXED_LENGTH + len;
}

// The first fault of the preamble in `buf` (TRUNCATED if none is visible yet).
function preambleFault(buf: Uint8Array): Result<number> {
  const length = buf.length;
  const sigEnd = length < V2_SIGNATURE.length ? length : V2_SIGNATURE.length;
  for (let i = 0; i < sigEnd; i++) {
    if (buf[i] !== V2_SIGNATURE[i]) {
      return fail("NOT_PROXY", "input does not start with the version 2 signature (§2.2)", i);
    }
  }
  if (length <= 12) return truncated(length);
  const verCmd = buf[12]!;
  // §2.2: the receiver must only accept version \x2.
  if (verCmd >> 4 !== V2_VERSION) {
    return fail("V2_BAD_VERSION", `version must be 2, got ${verCmd >> 4}`, 12);
  }
  // §2.2: receivers must drop connections presenting unexpected commands.
  const command = verCmd & 0xf;
  if (command !== COMMAND_LOCAL && command !== COMMAND_PROXY) {
    return fail("V2_BAD_COMMAND", `command must be LOCAL (0) or PROXY (1), got ${command}`, 12);
  }
  if (length <= 13) return truncated(length);
  const fam = buf[13]!;
  // §2.2: LOCAL discards the protocol block "including the family which is ignored".
  if (command === COMMAND_PROXY) {
    if (fam >> 4 > MAX_FAMILY) {
      return fail("V2_BAD_FAMILY", `address family must be 0 to 3, got ${fam >> 4}`, 13);
    }
    if ((fam & 0xf) > MAX_TRANSPORT) {
      return fail("V2_BAD_TRANSPORT", `transport protocol must be 0 to 2, got ${fam & 0xf}`, 13);
    }
  }
  if (length < V2_FIXED_LENGTH) return truncated(length);
  const len = (buf[14]! << 8) | buf[15]!;
  if (command === COMMAND_PROXY) {
    const needed = addressLengthOf(fam);
    if (protocolOf(fam) !== "UNSPEC" && len < needed) {
      return fail(
        "V2_LENGTH_TOO_SHORT",
        `len is ${len} but ${protocolOf(fam)} needs an address block of ${needed} bytes`,
        14,
      );
    }
  }
  return { ok: true, value: V2_FIXED_LENGTH + len };
}

/**
 * Decodes a version 2 header from the start of `buf`. Bytes after the
 * header are payload and left alone.
 *
 * - AF_UNSPEC (0x00): no address block; TLVs follow the preamble.
 * - An unlisted family/transport pair (e.g. 0x10): treated as UNSPEC (§2.2),
 *   the address block's size is unknown so `len` is skipped whole.
 * - LOCAL: no addresses are reported (§2.2: the family is ignored), but TLVs
 *   after the announced family's address block are parsed and a CRC32C is
 *   verified (§2.2.3); a block shorter than that family's addresses is skipped.
 * - Otherwise TLVs must tile the rest of the header exactly, and a CRC32C TLV
 *   is verified (§2.2.3).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeV2, V2_SIGNATURE } from "./v2.ts";
 * const bytes = new Uint8Array([
 *   ...V2_SIGNATURE, 0x21, 0x11, 0x00, 0x0c,
 *   192, 168, 0, 1, 192, 168, 0, 11, 0xdc, 0x04, 0x01, 0xbb,
 * ]);
 * const r = decodeV2(bytes);
 * assert.ok(r.ok);
 * assert.equal(r.value.protocol, "TCP4");
 * assert.deepEqual(r.value.source, { address: "192.168.0.1", port: 56324 });
 * assert.deepEqual(r.value.destination, { address: "192.168.0.11", port: 443 });
 * ```
 */
export function decodeV2(buf: Uint8Array, options?: DecodeOptions): Result<ProxyHeader> {
  let total = preambleTotal(buf);
  if (total < 0) {
    const preamble = preambleFault(buf);
    if (!preamble.ok) return preamble;
    total = preamble.value; // not reached: both functions apply the same rules
  }
  // §2.2: the receiver must not parse addresses before the whole block is in.
  if (buf.length < total) return truncated(buf.length);

  const command: Command = (buf[12]! & 0xf) === COMMAND_PROXY ? "PROXY" : "LOCAL";
  const fam = buf[13]!;
  const protocol = protocolOf(fam);
  const at = V2_FIXED_LENGTH;
  // §2.2: AF_UNSPEC (0x00) has no address block, so TLVs follow the preamble; an unlisted
  // family/transport pair has a block of unknown size, so it is skipped whole ("fall back to
  // the UNSPEC mode"). LOCAL ignores the family and reports no addresses, but its TLVs are
  // read and checked all the same (§2.2.3: a bad checksum "MUST" make the connection invalid,
  // with no exception for LOCAL): they follow the announced family's address block when len
  // covers it, else the whole block is skipped.
  const tlvStart = at + addressLengthOf(fam);
  const local = command === "LOCAL";
  if ((protocol === "UNSPEC" && fam !== 0x00) || (local && tlvStart > total)) {
    return {
      ok: true,
      value: {
        version: 2,
        command,
        protocol,
        source: null,
        destination: null,
        tlvs: NO_TLVS,
        crc32c: null,
        headerLength: total,
      },
    };
  }

  let source: Endpoint | null = null;
  let destination: Endpoint | null = null;
  switch (local ? 0 : fam >> 4) {
    case 0x1:
      source = { address: formatIPv4(buf, at), port: (buf[at + 8]! << 8) | buf[at + 9]! };
      destination = {
        address: formatIPv4(buf, at + 4),
        port: (buf[at + 10]! << 8) | buf[at + 11]!,
      };
      break;
    case 0x2:
      source = { address: formatIPv6(buf, at), port: (buf[at + 32]! << 8) | buf[at + 33]! };
      destination = {
        address: formatIPv6(buf, at + 16),
        port: (buf[at + 34]! << 8) | buf[at + 35]!,
      };
      break;
    case 0x3:
      source = { path: unixPathText(buf, at) };
      destination = { path: unixPathText(buf, at + UNIX_PATH_LENGTH) };
  }

  let tlvs = NO_TLVS;
  let crc32c: CrcStatus | null = null;
  if (tlvStart < total) {
    const parsed = parseTlvs(buf, tlvStart, total, options);
    if ("code" in parsed) return { ok: false, error: parsed };
    tlvs = parsed.tlvs;
    crc32c = parsed.crc32c;
  }
  return {
    ok: true,
    value: {
      version: 2,
      command,
      protocol,
      source,
      destination,
      tlvs,
      crc32c,
      headerLength: total,
    },
  };
}

// §2.2: TLVs fill [start, end) exactly; §2.2.3: a CRC32C TLV is verified.
function parseTlvs(
  buf: Uint8Array,
  start: number,
  end: number,
  options?: DecodeOptions,
): { tlvs: Tlv[]; crc32c: CrcStatus | null } | ProxyError {
  const tlvs: Tlv[] = [];
  let crcAt = -1;
  let p = start;
  while (p < end) {
    if (end - p < TLV_HEADER_LENGTH) {
      return {
        code: "TLV_STRAY_BYTES",
        message: `${end - p} bytes after the last TLV, too few for a TLV`,
        offset: p,
      };
    }
    const type = buf[p]!;
    const valueStart = p + TLV_HEADER_LENGTH;
    const valueEnd = valueStart + ((buf[p + 1]! << 8) | buf[p + 2]!);
    if (valueEnd > end) {
      return {
        code: "TLV_OVERRUN",
        message: `TLV 0x${hex2(type)} needs ${valueEnd - valueStart} bytes, ${
          end - valueStart
        } remain in the header`,
        offset: p,
      };
    }
    const invalid = checkTlv(buf, type, valueStart, valueEnd);
    if (invalid !== null) return invalid;
    if (type === TlvType.CRC32C) {
      if (crcAt >= 0) {
        return { code: "CRC_DUPLICATE", message: "more than one CRC32C TLV", offset: p };
      }
      crcAt = valueStart;
    }
    tlvs.push({ type, value: buf.subarray(valueStart, valueEnd) });
    p = valueEnd;
  }
  if (crcAt < 0) return { tlvs, crc32c: null };
  // §2.2.3: checksum the whole header with the checksum field read as zeros.
  let state = crc32cUpdate(CRC32C_INIT, buf, 0, crcAt);
  state = crc32cZeros(state, CRC32C_VALUE_LENGTH);
  state = crc32cUpdate(state, buf, crcAt + CRC32C_VALUE_LENGTH, end);
  const computed = crc32cFinish(state);
  const received =
    ((buf[crcAt]! << 24) | (buf[crcAt + 1]! << 16) | (buf[crcAt + 2]! << 8) | buf[crcAt + 3]!) >>>
    0;
  if (computed === received) return { tlvs, crc32c: "valid" };
  if (options?.allowCrcMismatch) return { tlvs, crc32c: "invalid" };
  return {
    code: "CRC_MISMATCH",
    message: `CRC32C is 0x${hex8(received)}, the header checksums to 0x${hex8(computed)}`,
    offset: crcAt - TLV_HEADER_LENGTH,
  };
}

function truncated(length: number) {
  return fail("TRUNCATED", `header ends after ${length} bytes`, length);
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, "0");
}

/**
 * Encodes a version 2 header. Command defaults to PROXY. UNSPEC (and
 * UNKNOWN) carry no addresses; LOCAL carries them only if given. With
 * `crc32c: true` a CRC32C TLV is appended and filled in (§2.2.3). TLVs of the
 * types the spec defines are checked as a receiver checks them
 * (`ENCODE_BAD_TLV`) unless `options.allowInvalidTlvs`. The header goes into a
 * new array, or with `options.into` at the start of it (see
 * {@linkcode EncodeOptions}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeV2, encodeV2 } from "./v2.ts";
 * const r = encodeV2({
 *   version: 2,
 *   protocol: "TCP6",
 *   source: { address: "2001:db8::1", port: 56324 },
 *   destination: { address: "2001:db8::2", port: 443 },
 *   crc32c: true,
 * });
 * assert.ok(r.ok);
 * assert.equal(r.value.length, 16 + 36 + 7);
 * const back = decodeV2(r.value);
 * assert.ok(back.ok);
 * assert.equal(back.value.crc32c, "valid");
 * assert.deepEqual(back.value.destination, { address: "2001:db8::2", port: 443 });
 * ```
 */
export function encodeV2(init: HeaderInit, options?: EncodeOptions): Result<Uint8Array> {
  const into = options?.into;
  const command = init.command ?? "PROXY";
  const fam = V2_FAMILY_BYTE[init.protocol];
  if (fam === undefined) {
    return fail("ENCODE_UNSUPPORTED", `unknown protocol ${init.protocol}`, 0);
  }
  // LOCAL carries addresses only when asked to; UNSPEC never does (§2.2).
  const hasAddresses = fam !== 0 &&
    (command === "PROXY" || Boolean(init.source) || Boolean(init.destination));
  const addressLength = hasAddresses ? addressLengthOf(fam) : 0;
  const tlvs = init.tlvs ?? NO_TLVS;
  let tlvLength = 0;
  for (const { type, value } of tlvs) {
    if (!Number.isInteger(type) || type < 0 || type > 0xff) {
      return fail("ENCODE_TOO_LARGE", `TLV type ${type} does not fit in one byte`, 0);
    }
    if (value.length > TLV_VALUE_MAX) {
      return fail("ENCODE_TOO_LARGE", `TLV 0x${hex2(type)} value exceeds 65535 bytes`, 0);
    }
    if (options?.allowInvalidTlvs !== true) {
      // §2.2.3: the checksum covers the whole header, so only the encoder can fill it in.
      if (type === TlvType.CRC32C) {
        return fail("ENCODE_BAD_TLV", "a CRC32C TLV is computed, not given: use crc32c: true", 0);
      }
      // A value the receiver would reject (§2.2.5, §2.2.6) is refused here already.
      const invalid = checkTlv(value, type, 0, value.length);
      if (invalid !== null) {
        return fail("ENCODE_BAD_TLV", `TLV 0x${hex2(type)}: ${invalid.message}`, 0);
      }
    }
    tlvLength += TLV_HEADER_LENGTH + value.length;
  }
  const crcLength = init.crc32c ? TLV_HEADER_LENGTH + CRC32C_VALUE_LENGTH : 0;
  const len = addressLength + tlvLength + crcLength;
  if (len > 0xffff) {
    return fail("ENCODE_TOO_LARGE", `header needs len ${len}, the limit is 65535`, 0);
  }

  const out = outputOf(V2_FIXED_LENGTH + len, into);
  if (out === null) return tooSmall(into);
  // §2.2 signature "\r\n\r\n\0\r\nQUIT\n", as constants (a loop over V2_SIGNATURE is slower).
  out[0] = 0x0d;
  out[1] = 0x0a;
  out[2] = 0x0d;
  out[3] = 0x0a;
  out[4] = 0x00;
  out[5] = 0x0d;
  out[6] = 0x0a;
  out[7] = 0x51;
  out[8] = 0x55;
  out[9] = 0x49;
  out[10] = 0x54;
  out[11] = 0x0a;
  out[12] = (V2_VERSION << 4) | (command === "PROXY" ? COMMAND_PROXY : COMMAND_LOCAL);
  out[13] = command === "LOCAL" && !hasAddresses ? 0 : fam;
  out[14] = len >> 8;
  out[15] = len & 0xff;

  if (hasAddresses) {
    const written = writeAddresses(init, fam, out);
    if (written !== null) return { ok: false, error: written };
  }
  // §2.2: type, big-endian length, value; sizes were checked above.
  let p = writeTlvs(tlvs, out, V2_FIXED_LENGTH + addressLength);
  if (init.crc32c) {
    out[p] = TlvType.CRC32C;
    out[p + 1] = 0;
    out[p + 2] = CRC32C_VALUE_LENGTH;
    p += TLV_HEADER_LENGTH;
    // §2.2.3: checksum with the field at zero, then store it, rest unchanged.
    const crc = crc32cFinish(crc32cUpdate(CRC32C_INIT, out, 0, out.length));
    out[p] = crc >>> 24;
    out[p + 1] = (crc >>> 16) & 0xff;
    out[p + 2] = (crc >>> 8) & 0xff;
    out[p + 3] = crc & 0xff;
  }
  return { ok: true, value: out };
}

function writeAddresses(init: HeaderInit, fam: number, out: Uint8Array): ProxyError | null {
  const { source, destination } = init;
  const at = V2_FIXED_LENGTH;
  const family = fam >> 4;
  if (family === 0x3) {
    if (!source || !destination || !("path" in source) || !("path" in destination)) {
      return badEncode("ENCODE_BAD_ADDRESS", "UNIX protocols need a source and destination path");
    }
    for (const [path, offset] of [[source.path, at], [destination.path, at + 108]] as const) {
      const bytes = unixPathBytes(path);
      if (typeof bytes === "string") return badEncode("ENCODE_BAD_ADDRESS", bytes);
      out.set(bytes, offset);
    }
    return null;
  }
  if (!source || !destination || !("address" in source) || !("address" in destination)) {
    return badEncode(
      "ENCODE_BAD_ADDRESS",
      `${init.protocol} needs a source and destination address`,
    );
  }
  const size = family === 0x1 ? 4 : 16;
  // Parsed straight into the output: no intermediate arrays.
  if (!parseAddress(source.address, family, out, at)) {
    return badEncode("ENCODE_BAD_ADDRESS", notAddress(source.address, family));
  }
  if (!parseAddress(destination.address, family, out, at + size)) {
    return badEncode("ENCODE_BAD_ADDRESS", notAddress(destination.address, family));
  }
  const sport = source.port;
  const dport = destination.port;
  if (!isPort(sport) || !isPort(dport)) {
    return badEncode(
      "ENCODE_BAD_PORT",
      `port ${isPort(sport) ? dport : sport} is not in [0..65535]`,
    );
  }
  const ports = at + 2 * size;
  out[ports] = sport >> 8;
  out[ports + 1] = sport & 0xff;
  out[ports + 2] = dport >> 8;
  out[ports + 3] = dport & 0xff;
  return null;
}

// Whether `text` is an address of `family` (0x1 IPv4, 0x2 IPv6); its bytes then are at out[at].
function parseAddress(text: string, family: number, out: Uint8Array, at: number): boolean {
  if (family === 0x1) return parseIPv4Text(text, out, at) === AddressParse.OK;
  const n = toTextScratch(text);
  return n >= 0 && parseIPv6(TEXT_SCRATCH, 0, n, out, at) === AddressParse.OK;
}

function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port <= 0xffff;
}

function notAddress(text: string, family: number): string {
  return `"${text}" is not an IPv${family === 0x1 ? 4 : 6} address`;
}

function badEncode(code: ProxyError["code"], message: string): ProxyError {
  return { code, message, offset: 0 };
}
