// Byte and case builders shared by the catalog's tables (internal to lib/fuzz/).

import { concatBytes } from "../_bytes.ts";
import { encodeHeader } from "../encode.ts";
import type { ErrorCode } from "../errors.ts";
import type { HeaderInit } from "../header.ts";
import { V2_SIGNATURE } from "../v2.ts";
import type { Delivery, Expectation, FuzzCase, MarkerMode, Requirement } from "./case.ts";
import { FUZZ_RULES } from "./rules.ts";

/** One byte per char code, so "\x00" stays one byte. */
export function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

export function cat(...parts: (Uint8Array | readonly number[])[]): Uint8Array {
  return concatBytes(parts);
}

/** A copy of `src` with bytes from `at` replaced by `values`. */
export function patch(src: Uint8Array, at: number, ...values: number[]): Uint8Array {
  const out = src.slice();
  out.set(values, at);
  return out;
}

/**
 * Encodes with ppcat's encoder; the catalog's inits encode, so failure is a bug. Some carry TLVs
 * a receiver must reject (that is what they test), so those are written too.
 */
export function build(init: HeaderInit): Uint8Array {
  const r = encodeHeader(init, { allowInvalidTlvs: true });
  if (!r.ok) {
    throw new Error(`fuzz catalog: cannot encode ${JSON.stringify(init)}: ${r.error.code}`);
  }
  return r.value;
}

/** A v2 header by hand: signature, ver/cmd, fam, `len` (default: the body's length), body. */
export function v2Raw(
  verCmd: number,
  fam: number,
  body: Uint8Array,
  len = body.length,
): Uint8Array {
  return cat(V2_SIGNATURE, [verCmd, fam, len >> 8, len & 0xff], body);
}

/** A raw TLV by hand: type, big-endian length (default: the value's), value. */
export function tlvRaw(type: number, value: Uint8Array, length = value.length): Uint8Array {
  return cat([type, length >> 8, length & 0xff], value);
}

export const SRC4 = { address: "192.0.2.1", port: 56324 };
export const DST4 = { address: "198.51.100.7", port: 443 };
export const SRC6 = { address: "2001:db8::1", port: 56324 };
export const DST6 = { address: "2001:db8::2", port: 443 };
export const SPOOF4 = { address: "203.0.113.66", port: 1234 };
export const FFFF6 = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";

export const tcp4 = (version: 1 | 2, extra: Partial<HeaderInit> = {}): Uint8Array =>
  build({ version, protocol: "TCP4", source: SRC4, destination: DST4, ...extra });
export const tcp6 = (version: 1 | 2, extra: Partial<HeaderInit> = {}): Uint8Array =>
  build({ version, protocol: "TCP6", source: SRC6, destination: DST6, ...extra });

// ---------------------------------------------------------------------------
// Case builders.

export interface Draft {
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

export function make(version: 1 | 2 | null, d: Draft): FuzzCase {
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

export const R = FUZZ_RULES;

/** A version 1 line that must be rejected (§2.1, MUST unless told). */
export function v1Bad(
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

export function v1Good(
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
export function v2Bad(
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

export function v2Good(
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
export function v2Either(
  name: string,
  bytes: Uint8Array,
  description: string,
  rule: string,
  section = "2.2",
): FuzzCase {
  return v2Good(name, bytes, description, rule, section, "MAY", "either");
}

export const pad2 = (n: number): string => n.toString().padStart(2, "0");
