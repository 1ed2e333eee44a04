/**
 * Address ranges in CIDR notation, for trust lists: §2 says the receiver
 * "SHOULD ensure proper access filtering so that only trusted proxies are
 * allowed to use this protocol".
 *
 * @module
 */

import { ipv4ToBytes, ipv6ToBytes } from "./address.ts";

/** One address range: network bytes (4 or 16) and prefix length. */
export interface Cidr {
  /** The network address, masked to the prefix. */
  readonly network: Uint8Array;
  /** Leading bits that must match: 0–32 for IPv4, 0–128 for IPv6. */
  readonly prefix: number;
  /** The range as text, e.g. "10.0.0.0/8". */
  readonly text: string;
}

/**
 * Parses "a.b.c.d/n", "v6::/n", or a bare address (a /32 or /128).
 * Returns null for anything else, including a prefix out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCidr } from "./cidr.ts";
 * assert.equal(parseCidr("10.1.2.3/8")?.prefix, 8);
 * assert.deepEqual([...parseCidr("10.1.2.3/8")!.network], [10, 0, 0, 0]);
 * assert.equal(parseCidr("::1")?.prefix, 128);
 * assert.equal(parseCidr("10.0.0.0/33"), null);
 * assert.equal(parseCidr("example.com"), null);
 * ```
 */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf("/");
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const bytes = ipv4ToBytes(addressText) ?? ipv6ToBytes(addressText);
  if (bytes === null) return null;
  const bits = bytes.length * 8;
  let prefix = bits;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return null;
    prefix = Number(prefixText);
    if (prefix > bits) return null;
  }
  const network = bytes.slice();
  for (let bit = prefix; bit < bits; bit++) network[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return { network, prefix, text: slash < 0 ? text : `${addressText}/${prefix}` };
}

/**
 * Parses a comma-separated list of ranges; the first invalid entry is
 * returned as an error string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCidrList } from "./cidr.ts";
 * const ok = parseCidrList("127.0.0.0/8, ::1");
 * assert.ok(Array.isArray(ok));
 * assert.equal(ok.length, 2);
 * assert.equal(parseCidrList("127.0.0.0/8,bogus"), 'not an address range: "bogus"');
 * ```
 */
export function parseCidrList(text: string): Cidr[] | string {
  const list: Cidr[] = [];
  for (const part of text.split(",")) {
    const entry = part.trim();
    if (entry === "") continue;
    const cidr = parseCidr(entry);
    if (cidr === null) return `not an address range: "${entry}"`;
    list.push(cidr);
  }
  return list;
}

/**
 * Whether `address` (text) lies in any of the ranges. IPv4-mapped IPv6
 * addresses (::ffff:a.b.c.d, what dual-stack sockets report) match IPv4
 * ranges.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cidrContains, parseCidrList } from "./cidr.ts";
 * const trusted = parseCidrList("10.0.0.0/8,2001:db8::/32");
 * assert.ok(Array.isArray(trusted));
 * assert.equal(cidrContains(trusted, "10.200.0.1"), true);
 * assert.equal(cidrContains(trusted, "::ffff:10.0.0.1"), true);
 * assert.equal(cidrContains(trusted, "2001:db8:1::1"), true);
 * assert.equal(cidrContains(trusted, "192.0.2.1"), false);
 * ```
 */
export function cidrContains(ranges: readonly Cidr[], address: string): boolean {
  let bytes = ipv4ToBytes(address) ?? ipv6ToBytes(address);
  if (bytes === null) return false;
  if (bytes.length === 16 && isV4Mapped(bytes)) bytes = bytes.subarray(12);
  for (const range of ranges) {
    if (range.network.length === bytes.length && matches(range, bytes)) return true;
  }
  return false;
}

function isV4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

function matches(range: Cidr, bytes: Uint8Array): boolean {
  const full = range.prefix >> 3;
  for (let i = 0; i < full; i++) if (bytes[i] !== range.network[i]) return false;
  const rest = range.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (bytes[full]! & mask) === range.network[full];
}
