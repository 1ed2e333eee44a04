/**
 * Distinct PROXY header sources for a load test: connection number `index` gets its own source
 * address and port, counting up from a base endpoint. Ports stay valid (1..65535): after port
 * 65535 the sequence rolls into the next address at port 1, so a million connections get a
 * million distinct (address, port) pairs.
 *
 * @module
 */

import { canonicalAddress, formatIPv4, formatIPv6 } from "../address.ts";
import type { InetEndpoint } from "../header.ts";

/** Ports a source address provides before the sequence moves to the next address (1..65535). */
export const SOURCE_PORTS_PER_ADDRESS = 65535;

/**
 * The source endpoint of connection `index` (0, 1, 2, …) counting from `base`: connection 0 is
 * `base` itself (port 0 counts as 1), each next one the next port, and after 65535 port 1 of the
 * next address (IPv4 and IPv6; past the last address of the family it wraps to the first).
 * Returns null when `base.address` is not an IP address literal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sourceEndpoint } from "./source.ts";
 * const base = { address: "127.0.0.1", port: 1 };
 * assert.deepEqual(sourceEndpoint(base, 0), { address: "127.0.0.1", port: 1 });
 * assert.deepEqual(sourceEndpoint(base, 65534), { address: "127.0.0.1", port: 65535 });
 * assert.deepEqual(sourceEndpoint(base, 65535), { address: "127.0.0.2", port: 1 });
 * assert.deepEqual(sourceEndpoint({ address: "2001:db8::ffff", port: 65535 }, 1), {
 *   address: "2001:db8::1:0",
 *   port: 1,
 * });
 * ```
 */
export function sourceEndpoint(base: InetEndpoint, index: number): InetEndpoint | null {
  const parsed = canonicalAddress(base.address);
  if (parsed === null) return null;
  const start = Math.max(1, Math.min(base.port, SOURCE_PORTS_PER_ADDRESS)) - 1;
  const n = start + index;
  const port = 1 + (n % SOURCE_PORTS_PER_ADDRESS);
  let carry = Math.floor(n / SOURCE_PORTS_PER_ADDRESS);
  if (carry === 0) return { address: parsed.address, port };
  const bytes = parsed.bytes;
  for (let i = bytes.length - 1; i >= 0 && carry > 0; i--) {
    const sum = (bytes[i] ?? 0) + (carry % 256);
    bytes[i] = sum & 0xff;
    carry = Math.floor(carry / 256) + (sum >> 8);
  }
  return {
    address: parsed.family === 4 ? formatIPv4(bytes, 0) : formatIPv6(bytes, 0),
    port,
  };
}
