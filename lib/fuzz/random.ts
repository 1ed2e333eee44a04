/**
 * Random mode of `ppcat fuzz`: deterministic mutations of valid headers
 * (bit flips, byte values, length fields, truncation, TLV surgery), each
 * case named `random-<seed>-<index>` and rebuilt from that name alone. What
 * a conforming receiver must do is what ppcat's decoder says of the mutated
 * bytes ({@linkcode classifyHeader}).
 *
 * @module
 */

import { crc32c } from "../crc32c.ts";
import { decodeHeader } from "../decode.ts";
import { encodeHeader } from "../encode.ts";
import type { ErrorCode } from "../errors.ts";
import type { HeaderInit } from "../header.ts";
import type { FuzzCase } from "./case.ts";
import { classifyHeader } from "./classify.ts";
import { FUZZ_RULES } from "./rules.ts";
import { createPrng, type Prng } from "../_prng.ts";
import { alpnTlv, authorityTlv, noopTlv, sslTlv, TlvType, uniqueIdTlv } from "../tlv.ts";

/**
 * The mutation kinds, one per random case.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RANDOM_MUTATIONS } from "./random.ts";
 * assert.ok(RANDOM_MUTATIONS.includes("tlv-surgery"));
 * ```
 */
export const RANDOM_MUTATIONS = [
  "bit-flip",
  "byte-set",
  "length",
  "truncate",
  "tlv-surgery",
] as const;
/** One of the {@linkcode RANDOM_MUTATIONS}. */
export type RandomMutation = typeof RANDOM_MUTATIONS[number];

/** The most cases one call of {@linkcode randomCases} builds. */
export const RANDOM_MAX_COUNT = 1_000_000;

const ID_PATTERN = /^random-(0|[1-9][0-9]{0,9})-(0|[1-9][0-9]{0,15})$/;

interface Seed {
  readonly name: string;
  readonly init: HeaderInit;
}

const SRC4 = { address: "192.0.2.1", port: 56324 };
const DST4 = { address: "198.51.100.7", port: 443 };
const SRC6 = { address: "2001:db8::1", port: 56324 };
const DST6 = { address: "2001:db8::2", port: 443 };

// The valid headers mutations start from (their order is part of the id's meaning: append only).
const SEEDS: readonly Seed[] = [
  { name: "v1-tcp4", init: { version: 1, protocol: "TCP4", source: SRC4, destination: DST4 } },
  { name: "v1-tcp6", init: { version: 1, protocol: "TCP6", source: SRC6, destination: DST6 } },
  {
    name: "v1-unknown-with-fields",
    init: { version: 1, protocol: "UNKNOWN", source: SRC4, destination: DST4 },
  },
  { name: "v2-tcp4", init: { version: 2, protocol: "TCP4", source: SRC4, destination: DST4 } },
  {
    name: "v2-tcp4-crc32c",
    init: { version: 2, protocol: "TCP4", source: SRC4, destination: DST4, crc32c: true },
  },
  {
    name: "v2-tcp6-tlvs-crc32c",
    init: {
      version: 2,
      protocol: "TCP6",
      source: SRC6,
      destination: DST6,
      tlvs: [
        alpnTlv("h2"),
        authorityTlv("example.com"),
        uniqueIdTlv("req-0123456789"),
        sslTlv({ version: "TLSv1.3", cn: "client.example", cipher: "TLS_AES_128_GCM_SHA256" }),
      ],
      crc32c: true,
    },
  },
  {
    name: "v2-tcp4-tlvs",
    init: {
      version: 2,
      protocol: "TCP4",
      source: SRC4,
      destination: DST4,
      tlvs: [noopTlv(3), uniqueIdTlv("abc"), sslTlv({ client: 0x05, verify: 0, cn: "x" })],
    },
  },
  { name: "v2-local", init: { version: 2, command: "LOCAL", protocol: "UNSPEC" } },
  {
    name: "v2-local-tcp4",
    init: { version: 2, command: "LOCAL", protocol: "TCP4", source: SRC4, destination: DST4 },
  },
];

let seedBytes: Uint8Array[] | null = null;

function seedHeaders(): Uint8Array[] {
  if (seedBytes === null) {
    seedBytes = SEEDS.map((s) => {
      const r = encodeHeader(s.init);
      if (!r.ok) throw new Error(`fuzz random: cannot encode seed ${s.name}: ${r.error.code}`);
      return r.value.slice();
    });
  }
  return seedBytes;
}

// A 32-bit seed per case, so one case is rebuilt without the ones before it.
function caseSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul((index % 0x100000000) + 1, 0x9e3779b1)) >>> 0;
  h ^= Math.floor(index / 0x100000000);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

function splice(src: Uint8Array, start: number, removed: number, inserted: Uint8Array): Uint8Array {
  const out = new Uint8Array(src.length - removed + inserted.length);
  out.set(src.subarray(0, start), 0);
  out.set(inserted, start);
  out.set(src.subarray(start + removed), start + inserted.length);
  return out;
}

// A byte of b, or 0 past its end: what the bitwise operators made of `undefined` before.
function byteAt(b: Uint8Array, i: number): number {
  return b[i] ?? 0;
}

function setLen(b: Uint8Array, len: number): void {
  b[14] = (len >> 8) & 0xff;
  b[15] = len & 0xff;
}

const V1_VALUES = [0x00, 0x09, 0x0a, 0x0d, 0x20, 0x2e, 0x30, 0x31, 0x39, 0x3a, 0x41, 0x66, 0xff];
const V2_VALUES = [0x00, 0x01, 0x02, 0x03, 0x05, 0x0f, 0x10, 0x20, 0x21, 0x7f, 0x80, 0xff];

interface Mutated {
  readonly bytes: Uint8Array;
  readonly kind: RandomMutation;
  readonly detail: string;
}

// A byte position, three times in four past the fixed prefix ("PROXY " or the v2 signature)
// so mutations reach the fields more often than the magic bytes.
function position(p: Prng, b: Uint8Array): number {
  const prefix = b[0] === 0x50 ? 6 : 12;
  if (b.length <= prefix || p.int(4) === 0) return p.int(b.length);
  return prefix + p.int(b.length - prefix);
}

function bitFlip(p: Prng, b: Uint8Array): Mutated {
  const out = b.slice();
  const flips: string[] = [];
  for (let n = 1 + p.int(3); n > 0; n--) {
    const at = position(p, out);
    const bit = p.int(8);
    out[at] = byteAt(out, at) ^ (1 << bit);
    flips.push(`${at}.${bit}`);
  }
  return { bytes: out, kind: "bit-flip", detail: `bits flipped (byte.bit): ${flips.join(", ")}` };
}

function byteSet(p: Prng, b: Uint8Array): Mutated {
  const out = b.slice();
  const values = b[0] === 0x50 ? V1_VALUES : V2_VALUES;
  const sets: string[] = [];
  for (let n = 1 + p.int(2); n > 0; n--) {
    const at = position(p, out);
    let value = p.pick(values);
    if (value === out[at]) value ^= 0xff; // never a no-op
    out[at] = value;
    sets.push(`[${at}]=0x${value.toString(16).padStart(2, "0")}`);
  }
  return { bytes: out, kind: "byte-set", detail: `bytes set: ${sets.join(", ")}` };
}

function lengthEdit(p: Prng, b: Uint8Array): Mutated {
  if (b[0] === 0x50) {
    // Version 1 has no length field: the line's length changes instead.
    const at = p.int(b.length);
    if (p.int(2) === 0) {
      return {
        bytes: splice(b, at, 1, new Uint8Array(0)),
        kind: "length",
        detail: `byte ${at} deleted`,
      };
    }
    return {
      bytes: splice(b, at, 0, b.subarray(at, at + 1)),
      kind: "length",
      detail: `byte ${at} doubled`,
    };
  }
  const len = (byteAt(b, 14) << 8) | byteAt(b, 15);
  const choices = [0, 11, 12, 35, 36, 215, 216, 0xffff, len - 1, len + 1, len - 3, p.int(0x10000)];
  const next = Math.min(0xffff, Math.max(0, p.pick(choices)));
  const out = b.slice();
  setLen(out, next);
  return { bytes: out, kind: "length", detail: `len ${len} -> ${next}` };
}

function truncate(p: Prng, b: Uint8Array): Mutated {
  const at = p.int(b.length);
  return { bytes: b.slice(0, at), kind: "truncate", detail: `cut to ${at} of ${b.length} bytes` };
}

// Rewrites a CRC32C TLV so it matches again (when the header still parses).
function refreshCrc(b: Uint8Array): boolean {
  const r = decodeHeader(b, { allowCrcMismatch: true });
  if (!r.ok || r.value.command !== "PROXY") return false;
  const crc = r.value.tlvs.find((t) => t.type === TlvType.CRC32C);
  if (crc === undefined) return false;
  const at = crc.value.byteOffset - b.byteOffset;
  b.fill(0, at, at + 4);
  const sum = crc32c(b.subarray(0, r.value.headerLength));
  b[at] = sum >>> 24;
  b[at + 1] = (sum >>> 16) & 0xff;
  b[at + 2] = (sum >>> 8) & 0xff;
  b[at + 3] = sum & 0xff;
  return true;
}

function tlvSurgery(p: Prng, b: Uint8Array): Mutated {
  const decoded = decodeHeader(b);
  if (!decoded.ok || decoded.value.version !== 2 || decoded.value.tlvs.length === 0) {
    const m = byteSet(p, b);
    return { ...m, detail: `${m.detail} (no TLVs to operate on)` };
  }
  const tlvs = decoded.value.tlvs;
  const i = p.int(tlvs.length);
  const tlv = tlvs[i];
  if (tlv === undefined) throw new RangeError(`fuzz random: TLV #${i} of ${tlvs.length}`);
  const vs = tlv.value.byteOffset - b.byteOffset;
  const t = vs - 3;
  const L = tlv.value.length;
  const name = `TLV #${i} (type 0x${byteAt(b, t).toString(16).padStart(2, "0")} at ${t})`;
  let out: Uint8Array;
  let detail: string;
  const op = tlv.type === TlvType.SSL && L > 5 ? p.int(7) : p.int(6);
  switch (op) {
    case 0: {
      const next = Math.max(0, p.pick([0, L - 1, L + 1, L + 2, 0xffff, p.int(0x10000)]));
      out = b.slice();
      out[t + 1] = next >> 8;
      out[t + 2] = next & 0xff;
      detail = `${name} length ${L} -> ${next}`;
      break;
    }
    case 1: {
      const type = p.pick([0x00, 0x03, 0x04, 0x05, 0x20, 0xe0, 0xff]);
      out = b.slice();
      out[t] = type;
      detail = `${name} type -> 0x${type.toString(16).padStart(2, "0")}`;
      break;
    }
    case 2:
      out = splice(b, vs + L, 0, b.slice(t, vs + L));
      setLen(out, out.length - 16);
      detail = `${name} duplicated`;
      break;
    case 3:
      out = splice(b, t, 3 + L, new Uint8Array(0));
      setLen(out, out.length - 16);
      detail = `${name} removed`;
      break;
    case 4: {
      const stray = p.bytes(1 + p.int(2));
      out = splice(b, b.length, 0, stray);
      setLen(out, out.length - 16);
      detail = `${stray.length} stray byte(s) appended`;
      break;
    }
    case 5: {
      const grow = 1 + p.pick([1, 3, 120, 130, 300, 1100]);
      out = splice(b, vs + L, 0, p.bytes(grow));
      out[t + 1] = (L + grow) >> 8;
      out[t + 2] = (L + grow) & 0xff;
      setLen(out, out.length - 16);
      detail = `${name} value grown by ${grow} bytes`;
      break;
    }
    default: {
      // An SSL sub-TLV's length.
      const sub = vs + 5;
      const subLen = (byteAt(b, sub + 1) << 8) | byteAt(b, sub + 2);
      const next = Math.max(0, p.pick([0, subLen - 1, subLen + 1, 0xffff]));
      out = b.slice();
      out[sub + 1] = next >> 8;
      out[sub + 2] = next & 0xff;
      detail = `${name} first sub-TLV length ${subLen} -> ${next}`;
    }
  }
  if (p.int(2) === 0 && refreshCrc(out)) detail += ", CRC32C recomputed";
  return { bytes: out, kind: "tlv-surgery", detail };
}

const MUTATORS: Readonly<Record<RandomMutation, (p: Prng, b: Uint8Array) => Mutated>> = {
  "bit-flip": bitFlip,
  "byte-set": byteSet,
  "length": lengthEdit,
  "truncate": truncate,
  "tlv-surgery": tlvSurgery,
};

const R = FUZZ_RULES;
const RULE_OF: Partial<Record<ErrorCode, string>> = {
  NOT_PROXY: R.v2Signature,
  TRUNCATED: R.partial,
  V1_TOO_LONG: R.v1TooLong,
  V1_BAD_CRLF: R.v1Crlf,
  V1_BAD_SPACE: R.v1Space,
  V1_BAD_PROTOCOL: R.v1Protocol,
  V1_LEADING_ZERO: R.v1LeadingZero,
  V1_BAD_PORT: R.v1Port,
  V2_BAD_VERSION: R.v2Version,
  V2_BAD_COMMAND: R.v2Command,
  V2_BAD_FAMILY: R.v2FamilyInvalid,
  V2_BAD_TRANSPORT: R.v2FamilyInvalid,
  V2_LENGTH_TOO_SHORT: R.v2AddressBlock,
  TLV_OVERRUN: R.tlvFormat,
  TLV_STRAY_BYTES: R.tlvFormat,
  CRC_MISMATCH: R.crc,
  CRC_BAD_LENGTH: R.crcValue,
  CRC_DUPLICATE: R.crcValue,
  UNIQUE_ID_TOO_LONG: R.uniqueId,
  SSL_TOO_SHORT: R.ssl,
  SSL_SUBTLV_OVERRUN: R.ssl,
};
const EITHER_RULE: Readonly<Record<string, string>> = {
  "2": R.mss,
  "2.1": R.v1Ipv6,
  "2.2": R.v2Fallback,
  "2.2.2": R.authority,
  "2.2.3": R.v2Local,
};

function build(seed: number, index: number): FuzzCase {
  const p = createPrng(caseSeed(seed, index));
  const from = p.int(SEEDS.length);
  const origin = SEEDS[from];
  const originBytes = seedHeaders()[from];
  if (origin === undefined || originBytes === undefined) {
    throw new RangeError(`fuzz random: seed header #${from} of ${SEEDS.length}`);
  }
  const kind = p.pick(RANDOM_MUTATIONS);
  const m = MUTATORS[kind](p, originBytes);
  const name = `random-${seed}-${index}`;
  const what = `Random ${m.kind} of ${origin.name}: ${m.detail}`;
  const bytes = m.bytes;
  const version = bytes[0] === 0x50 ? 1 : bytes[0] === 0x0d ? 2 : origin.init.version;
  const c = classifyHeader(bytes);
  if (c.expect === "accept" || c.expect === "either") {
    const headerLength = c.headerLength ?? bytes.length;
    const header = decodeHeader(bytes);
    const rule = c.expect === "either"
      ? EITHER_RULE[c.section] ?? R.tlvSkip
      : header.ok && header.value.command === "LOCAL"
      ? R.v2Local
      : version === 1
      ? header.ok && header.value.protocol === "UNKNOWN" ? R.v1Unknown : R.v1Implement
      : R.v2Implement;
    return {
      name,
      section: c.section,
      requirement: c.requirement,
      rule,
      description: `${what}; still a valid header (${headerLength} bytes` +
        `${
          bytes.length > headerLength ? `, ${bytes.length - headerLength} bytes of payload` : ""
        }).`,
      bytes: bytes.slice(0, headerLength),
      afterHeader: bytes.slice(headerLength),
      delivery: { kind: "whole" },
      marker: "separate",
      expect: c.expect,
      version,
    };
  }
  const code = c.code ?? "TRUNCATED";
  if (c.expect === "timeout") {
    // Random mode half-closes incomplete headers rather than wait out a timeout per case.
    return {
      name,
      section: "2",
      requirement: "MUST",
      rule: R.partial,
      description: `${what}; an incomplete header, then a FIN.`,
      bytes,
      afterHeader: new Uint8Array(0),
      delivery: { kind: "truncated", then: "close" },
      marker: "none",
      expect: "reject",
      code,
      version,
    };
  }
  return {
    name,
    section: c.section,
    requirement: c.requirement,
    rule: RULE_OF[code] ?? R.v1Grammar,
    description: `${what}; invalid: ${code}.`,
    bytes,
    afterHeader: new Uint8Array(0),
    delivery: { kind: "whole" },
    marker: "separate",
    expect: "reject",
    code,
    version,
  };
}

function checkSeed(seed: number): void {
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
    throw new RangeError(`random seed ${seed} is not an integer in [0, 2^32)`);
  }
}

/**
 * `count` random cases from `seed` (an integer in [0, 2^32)): the same
 * arguments give the same cases on every runtime. Case `i` is named
 * `random-<seed>-<i>`. Incomplete results are sent then half-closed
 * (expectation `reject`, code TRUNCATED) so a random run never waits out a
 * header timeout per case; valid results that end before the mutated bytes
 * do carry the rest as `afterHeader` (payload that must pass through).
 *
 * @throws {RangeError} when `count` or `seed` is out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { randomCases } from "./random.ts";
 * import { decodeHeader } from "../decode.ts";
 * const cases = randomCases(20, 42);
 * assert.equal(cases.length, 20);
 * const fourth = cases[3];
 * assert.ok(fourth);
 * assert.equal(fourth.name, "random-42-3");
 * assert.deepEqual(randomCases(20, 42), cases);
 * for (const c of cases) {
 *   const r = decodeHeader(c.bytes);
 *   assert.equal(r.ok, c.expect === "accept" || c.expect === "either");
 * }
 * ```
 */
export function randomCases(count: number, seed: number): FuzzCase[] {
  if (!(Number.isInteger(count) && count >= 0 && count <= RANDOM_MAX_COUNT)) {
    throw new RangeError(
      `random case count ${count} is not an integer in [0, ${RANDOM_MAX_COUNT}]`,
    );
  }
  checkSeed(seed);
  const out: FuzzCase[] = [];
  for (let i = 0; i < count; i++) out.push(build(seed, i));
  return out;
}

/**
 * Parses a random case id: `random-<seed>-<index>`, decimal without leading
 * zeros, seed in [0, 2^32), index a safe integer; null otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRandomId } from "./random.ts";
 * assert.deepEqual(parseRandomId("random-7-12"), { seed: 7, index: 12 });
 * assert.equal(parseRandomId("random-07-12"), null);
 * assert.equal(parseRandomId("random-4294967296-0"), null);
 * assert.equal(parseRandomId("v2-tcp4"), null);
 * ```
 */
export function parseRandomId(id: string): { seed: number; index: number } | null {
  const m = ID_PATTERN.exec(id);
  if (m === null) return null;
  const seed = Number(m[1]);
  const index = Number(m[2]);
  if (seed > 0xffffffff || !Number.isSafeInteger(index)) return null;
  return { seed, index };
}

/**
 * Rebuilds one random case from its id alone; null for an id that is not
 * `random-<seed>-<index>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { randomCase, randomCases } from "./random.ts";
 * assert.deepEqual(randomCase("random-9-4"), randomCases(5, 9)[4]);
 * assert.equal(randomCase("random-x-1"), null);
 * ```
 */
export function randomCase(id: string): FuzzCase | null {
  const parsed = parseRandomId(id);
  return parsed === null ? null : build(parsed.seed, parsed.index);
}
