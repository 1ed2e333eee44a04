/**
 * A header template: the header flags parsed once, with the endpoints as values, and the one
 * function that completes it into a {@linkcode HeaderInit} from the addresses of a socket
 * (`send`), of a target (`bench`), or from nothing at all (`encode`).
 *
 * @module
 */

import { canonicalAddress, formatIPv6 } from "../lib/address.ts";
import type { Command, Endpoint, HeaderInit, Protocol, Tlv } from "../lib/header.ts";
import { bad, ok, type Parsed } from "./parsed.ts";

/** The address family of an endpoint: IPv4, IPv6 or a UNIX path. */
export type Family = 4 | 6 | "unix";

/** An endpoint with its family. */
export interface FamilyEndpoint {
  /** 4, 6 or "unix". */
  readonly family: Family;
  /** The endpoint, as the codec takes it. */
  readonly endpoint: Endpoint;
}

/** The header flags, checked: everything but the endpoints the flags left out. */
export interface HeaderTemplate {
  /** 1 or 2. */
  readonly version: 1 | 2;
  /** PROXY, or LOCAL (`--local`, version 2). */
  readonly command: Command;
  /** `--protocol` (or UNKNOWN/UNSPEC from `--unknown`), or null to follow the addresses. */
  readonly protocol: Protocol | null;
  /**
   * Whether the header carries addresses, so missing ones are filled in: false for LOCAL
   * without `--src`, and for UNKNOWN and UNSPEC.
   */
  readonly addresses: boolean;
  /** `--src`, or null to fill in. */
  readonly source: FamilyEndpoint | null;
  /** `--dst`, or null to fill in. */
  readonly destination: FamilyEndpoint | null;
  /** The TLVs in order (the encoder appends CRC32C). */
  readonly tlvs: readonly Tlv[];
  /** `--crc32c`. */
  readonly crc32c: boolean;
}

/** The endpoints that stand in for missing `--src` and `--dst`, e.g. a socket's two ends. */
export interface HeaderFill {
  /** For a missing `--src`. */
  readonly source?: FamilyEndpoint | null;
  /** For a missing `--dst`. */
  readonly destination?: FamilyEndpoint | null;
  /** The protocol follows a datagram transport: UDP4/UDP6 instead of TCP4/TCP6. */
  readonly udp?: boolean;
}

/**
 * The family a protocol carries, or null for UNKNOWN and UNSPEC.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { protocolFamily } from "./header_template.ts";
 * assert.equal(protocolFamily("UDP6"), 6);
 * assert.equal(protocolFamily("UNIX_DGRAM"), "unix");
 * assert.equal(protocolFamily("UNSPEC"), null);
 * ```
 */
export function protocolFamily(protocol: Protocol): Family | null {
  switch (protocol) {
    case "TCP4":
    case "UDP4":
      return 4;
    case "TCP6":
    case "UDP6":
      return 6;
    case "UNIX_STREAM":
    case "UNIX_DGRAM":
      return "unix";
    default:
      return null;
  }
}

/**
 * A family in words, for messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeFamily } from "./header_template.ts";
 * assert.equal(describeFamily(6), "IPv6");
 * assert.equal(describeFamily("unix"), "a UNIX path");
 * ```
 */
export function describeFamily(family: Family): string {
  return family === "unix" ? "a UNIX path" : `IPv${family}`;
}

/**
 * A socket address as a header endpoint: the address canonical, an IPv6 zone dropped (the
 * header has no room for it); null when the host is not an address literal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { socketEndpoint } from "./header_template.ts";
 * assert.deepEqual(socketEndpoint({ hostname: "fe80::1%eth0", port: 80 }), {
 *   family: 6,
 *   endpoint: { address: "fe80::1", port: 80 },
 * });
 * assert.deepEqual(socketEndpoint({ path: "" }), { family: "unix", endpoint: { path: "" } });
 * assert.equal(socketEndpoint({ hostname: "localhost", port: 80 }), null);
 * ```
 */
export function socketEndpoint(
  addr: { readonly hostname: string; readonly port: number } | { readonly path: string },
): FamilyEndpoint | null {
  if ("path" in addr) return { family: "unix", endpoint: { path: addr.path } };
  const zone = addr.hostname.indexOf("%");
  const parsed = canonicalAddress(zone < 0 ? addr.hostname : addr.hostname.slice(0, zone));
  return parsed === null
    ? null
    : { family: parsed.family, endpoint: { address: parsed.address, port: addr.port } };
}

/** An IPv4 endpoint as its IPv4-mapped IPv6 form (::ffff:a.b.c.d), mapped on the bytes. */
function ipv4Mapped(e: FamilyEndpoint): FamilyEndpoint {
  if (e.family !== 4 || !("address" in e.endpoint)) return e;
  const v4 = canonicalAddress(e.endpoint.address);
  if (v4 === null) return e;
  const v6 = new Uint8Array(16);
  v6[10] = 0xff;
  v6[11] = 0xff;
  v6.set(v4.bytes, 12);
  return { family: 6, endpoint: { address: formatIPv6(v6, 0), port: e.endpoint.port } };
}

function streamProtocol(family: Family, udp: boolean): Protocol {
  if (family === "unix") return udp ? "UNIX_DGRAM" : "UNIX_STREAM";
  if (family === 4) return udp ? "UDP4" : "TCP4";
  return udp ? "UDP6" : "TCP6";
}

/**
 * Completes `template` into a header: `--src`/`--dst` left out are taken from `fill` (when its
 * family suits `--protocol`); when one end came from `fill` and the two families differ, the
 * IPv4 end is written IPv4-mapped, as HAProxy does. Without `--protocol` the protocol follows
 * the addresses (UDP with `fill.udp`). On a UNIX socket, version 1 without `--src`/`--dst`
 * sends UNKNOWN: §2.1 has no UNIX family. Errors are one line naming the flag at fault.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHeaderFlags } from "./header_flags.ts";
 * import { completeHeader, socketEndpoint } from "./header_template.ts";
 * const t = parseHeaderFlags({ src: "[2001:db8::1]:5" });
 * assert.ok(t.ok);
 * const h = completeHeader(t.value, {
 *   source: socketEndpoint({ hostname: "127.0.0.1", port: 40000 }),
 *   destination: socketEndpoint({ hostname: "127.0.0.1", port: 8080 }),
 * });
 * assert.ok(h.ok);
 * assert.equal(h.value.protocol, "TCP6");
 * assert.deepEqual(h.value.destination, { address: "::ffff:127.0.0.1", port: 8080 });
 * assert.deepEqual(completeHeader(t.value), { ok: false, message: "--src needs --dst" });
 * ```
 */
export function completeHeader(template: HeaderTemplate, fill: HeaderFill = {}): Parsed<
  HeaderInit
> {
  const { version, command, tlvs, crc32c } = template;
  const done = (
    protocol: Protocol,
    source: Endpoint | null,
    destination: Endpoint | null,
  ): Parsed<HeaderInit> => ok({ version, command, protocol, source, destination, tlvs, crc32c });

  let protocol = template.protocol;
  if (!template.addresses) return done(protocol ?? "UNSPEC", null, null);

  const wanted = protocol === null ? null : protocolFamily(protocol);
  const suits = (e: FamilyEndpoint | null | undefined): FamilyEndpoint | null =>
    e === null || e === undefined || (wanted !== null && e.family !== wanted) ? null : e;
  let src = template.source;
  let dst = template.destination;
  if (
    version === 1 && src === null && dst === null && protocol === null &&
    (fill.source?.family === "unix" || fill.destination?.family === "unix")
  ) {
    return done("UNKNOWN", null, null); // §2.1 has no UNIX family
  }
  const filled = src === null || dst === null;
  src ??= suits(fill.source);
  dst ??= suits(fill.destination);

  if (src === null || dst === null) {
    if (template.source !== null) return bad("--src needs --dst");
    if (template.destination !== null) return bad("--dst needs --src");
    if (protocol !== null) return bad(`--protocol ${protocol} needs --src and --dst`);
    return bad("a PROXY header needs --src and --dst (or --local / --unknown for none)");
  }
  if (src.family !== dst.family) {
    if (!filled || src.family === "unix" || dst.family === "unix") {
      const which = template.destination !== null ? "--dst" : "the destination";
      const other = template.source !== null ? "--src" : "the source";
      return bad(
        `${which}: ${describeFamily(dst.family)} does not match ${other}, ${
          describeFamily(src.family)
        }`,
      );
    }
    src = ipv4Mapped(src);
    dst = ipv4Mapped(dst);
  }
  if (version === 1 && src.family === "unix") {
    return bad("--src: version 1 carries only TCP4, TCP6 and UNKNOWN (§2.1), not UNIX; use --v2");
  }
  if (protocol !== null && wanted !== null && wanted !== src.family) {
    return bad(`--src: ${protocol} needs ${describeFamily(wanted)}`);
  }
  protocol ??= streamProtocol(src.family, fill.udp ?? false);
  return done(protocol, src.endpoint, dst.endpoint);
}
