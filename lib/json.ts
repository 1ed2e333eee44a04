/**
 * The JSON form of a decoded header: the contract every ppcat subcommand
 * prints with `--json`.
 *
 * @module
 */

import type { ProxyError } from "./errors.ts";
import type { Command, Endpoint, Protocol, ProxyHeader } from "./header.ts";
import { describeTlv, type TlvJson } from "./tlv.ts";

/** A decoded header as JSON. */
export interface HeaderJson {
  /** 1 or 2. */
  version: 1 | 2;
  /** "PROXY" or "LOCAL". */
  command: Command;
  /** See {@linkcode Protocol}. */
  protocol: Protocol;
  /** `{address, port}`, `{path}`, or null for LOCAL, UNSPEC and UNKNOWN. */
  source: { address: string; port: number } | { path: string } | null;
  /** Same shape as `source`. */
  destination: { address: string; port: number } | { path: string } | null;
  /** Every TLV in wire order, decoded by type, with its raw value in hex. */
  tlvs: TlvJson[];
  /** CRC32C status; null when the header has no CRC32C TLV. */
  crc32c: "valid" | "invalid" | null;
  /** Bytes of the header on the wire. */
  headerLength: number;
  /** Bytes after the header in the input. */
  trailingBytes: number;
}

/** An error as JSON. */
export interface ErrorJson {
  /** The error value: stable code, message, byte offset. */
  error: { code: string; message: string; offset: number };
}

/**
 * Converts a decoded header to its JSON form. `trailingBytes` counts the
 * bytes after the header in the input (payload), 0 by default.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeHeader } from "./decode.ts";
 * import { headerToJson } from "./json.ts";
 * const input = new TextEncoder().encode("PROXY TCP4 10.0.0.1 10.0.0.2 1000 80\r\nhi");
 * const r = decodeHeader(input);
 * assert.ok(r.ok);
 * assert.deepEqual(headerToJson(r.value, input.length - r.value.headerLength), {
 *   version: 1,
 *   command: "PROXY",
 *   protocol: "TCP4",
 *   source: { address: "10.0.0.1", port: 1000 },
 *   destination: { address: "10.0.0.2", port: 80 },
 *   tlvs: [],
 *   crc32c: null,
 *   headerLength: 38,
 *   trailingBytes: 2,
 * });
 * ```
 */
export function headerToJson(header: ProxyHeader, trailingBytes = 0): HeaderJson {
  return {
    version: header.version,
    command: header.command,
    protocol: header.protocol,
    source: endpointJson(header.source),
    destination: endpointJson(header.destination),
    tlvs: header.tlvs.map(describeTlv),
    crc32c: header.crc32c,
    headerLength: header.headerLength,
    trailingBytes,
  };
}

function endpointJson(endpoint: Endpoint | null): HeaderJson["source"] {
  if (endpoint === null) return null;
  return "path" in endpoint
    ? { path: endpoint.path }
    : { address: endpoint.address, port: endpoint.port };
}

/**
 * Converts an error value to its JSON form.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorToJson } from "./json.ts";
 * assert.deepEqual(errorToJson({ code: "TRUNCATED", message: "no bytes", offset: 0 }), {
 *   error: { code: "TRUNCATED", message: "no bytes", offset: 0 },
 * });
 * ```
 */
export function errorToJson(error: ProxyError): ErrorJson {
  return { error: { code: error.code, message: error.message, offset: error.offset } };
}
