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
  version: 1 | 2;
  command: Command;
  protocol: Protocol;
  source: { address: string; port: number } | { path: string } | null;
  destination: { address: string; port: number } | { path: string } | null;
  tlvs: TlvJson[];
  crc32c: "valid" | "invalid" | null;
  headerLength: number;
  trailingBytes: number;
}

/** An error as JSON. */
export interface ErrorJson {
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
