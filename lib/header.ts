/**
 * The decoded form of a PROXY protocol header, shared by v1 and v2, by the
 * encoder and the decoder, and by every ppcat subcommand.
 *
 * @module
 */

/**
 * Commands (§2.2). Version 1 headers are always PROXY.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeHeader } from "./decode.ts";
 * import { encodeHeader } from "./encode.ts";
 * import { Command } from "./header.ts";
 * // A load balancer's own health check: LOCAL, no client addresses to take.
 * const check = encodeHeader({ version: 2, command: Command.LOCAL, protocol: "UNSPEC" });
 * assert.ok(check.ok);
 * const header = decodeHeader(check.value);
 * assert.ok(header.ok && header.value.command === Command.LOCAL);
 * ```
 */
export const Command = {
  /** §2.2 \x0: health checks and other connections made by the proxy itself. */
  LOCAL: "LOCAL",
  /** §2.2 \x1: relayed on behalf of a client; the addresses are the client's. */
  PROXY: "PROXY",
} as const;
/** One of the {@linkcode Command} values. */
export type Command = typeof Command[keyof typeof Command];

/**
 * Transport protocol and address family, one name for both versions.
 * "UNKNOWN" only occurs in version 1 (§2.1), "UNSPEC" only in version 2 (§2.2).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeHeader } from "./decode.ts";
 * import { Protocol } from "./header.ts";
 * const r = decodeHeader(new TextEncoder().encode("PROXY TCP6 ::1 ::1 5000 80\r\n"));
 * assert.ok(r.ok);
 * const overIPv6 = r.value.protocol === Protocol.TCP6 || r.value.protocol === Protocol.UDP6;
 * assert.equal(overIPv6, true);
 * ```
 */
export const Protocol = {
  TCP4: "TCP4",
  TCP6: "TCP6",
  UDP4: "UDP4",
  UDP6: "UDP6",
  UNIX_STREAM: "UNIX_STREAM",
  UNIX_DGRAM: "UNIX_DGRAM",
  UNSPEC: "UNSPEC",
  UNKNOWN: "UNKNOWN",
} as const;
/** One of the {@linkcode Protocol} values. */
export type Protocol = typeof Protocol[keyof typeof Protocol];

/** An IPv4 or IPv6 endpoint. IPv6 is in RFC 5952 canonical form. */
export interface InetEndpoint {
  /** Dotted quad, or IPv6 in RFC 5952 form. */
  readonly address: string;
  /** 0 to 65535. */
  readonly port: number;
}

/** A UNIX socket endpoint (§2.2: 108 bytes, NUL padded). Abstract names start with "@". */
export interface UnixEndpoint {
  /** The path up to its first NUL, or "@name" for an abstract socket. */
  readonly path: string;
}

/** Either kind of endpoint. */
export type Endpoint = InetEndpoint | UnixEndpoint;

/** A raw TLV (§2.2): type byte and value bytes. Decoded values come from lib/tlv.ts. */
export interface Tlv {
  /** The type byte, 0 to 255. */
  readonly type: number;
  /** The value, at most 65535 bytes; from the decoder, a view into its input. */
  readonly value: Uint8Array;
}

/** CRC32C status of a decoded header (§2.2.3); null when no CRC32C TLV was present. */
export type CrcStatus = "valid" | "invalid";

/** A decoded PROXY protocol header. */
export interface ProxyHeader {
  /** 1 for the text line (§2.1), 2 for the binary header (§2.2). */
  readonly version: 1 | 2;
  /** Always PROXY for version 1. */
  readonly command: Command;
  /** Transport and family; UNKNOWN for v1 only, UNSPEC for v2 only. */
  readonly protocol: Protocol;
  /** null for LOCAL, UNSPEC and UNKNOWN. */
  readonly source: Endpoint | null;
  /** null for LOCAL, UNSPEC and UNKNOWN. */
  readonly destination: Endpoint | null;
  /** In wire order; empty for version 1. */
  readonly tlvs: readonly Tlv[];
  /** Whether a CRC32C TLV matched the header (§2.2.3); null without one. */
  readonly crc32c: CrcStatus | null;
  /** Bytes the header occupies on the wire, CRLF or TLVs included. */
  readonly headerLength: number;
}

/** What the encoder takes: a header without its computed fields. */
export interface HeaderInit {
  /** 1 for the text line, 2 for the binary header. */
  readonly version: 1 | 2;
  /** Default PROXY. LOCAL is version 2 only. */
  readonly command?: Command;
  /** What the addresses are; UNKNOWN/UNSPEC carry none unless given. */
  readonly protocol: Protocol;
  /** The client's endpoint: required for PROXY with an IP or UNIX protocol. */
  readonly source?: Endpoint | null;
  /** The endpoint the client connected to. */
  readonly destination?: Endpoint | null;
  /** Version 2 only, written in this order. */
  readonly tlvs?: readonly Tlv[];
  /** v2 only: append a CRC32C TLV and fill it in (§2.2.3). */
  readonly crc32c?: boolean;
}

/** Options of `encodeHeader`, `encodeV1` and `encodeV2`. */
export interface EncodeOptions {
  /**
   * Write into the start of this array instead of a new one: nothing is allocated, and the
   * result is a view of `into` holding the header (`ENCODE_BUFFER_TOO_SMALL` if it does not
   * fit). Without it, every header gets an array with an ArrayBuffer of its own.
   */
  readonly into?: Uint8Array;
  /**
   * Write TLVs of the types the spec defines even when a receiver must reject them (an SSL
   * value under 5 bytes, a unique ID over 128 bytes, a CRC32C TLV given by hand): for test
   * generators. Default: such TLVs fail with `ENCODE_BAD_TLV`.
   */
  readonly allowInvalidTlvs?: boolean;
}
