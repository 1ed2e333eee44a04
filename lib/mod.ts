/**
 * ppcat's PROXY protocol library: a strict codec for version 1 (text) and
 * version 2 (binary) headers, TLVs, CRC32C and a push-based stream decoder,
 * plus the server API ({@linkcode acceptProxy} with its policy and CIDR
 * lists) and the transports that hide Deno from Bun.
 *
 * The fuzz catalog and runner (lib/fuzz/mod.ts) and the load engine
 * (lib/bench/mod.ts) are packages of their own, built on this one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeHeader, encodeHeader, headerToJson } from "./mod.ts";
 * const bytes = encodeHeader({
 *   version: 2,
 *   protocol: "TCP4",
 *   source: { address: "203.0.113.7", port: 51000 },
 *   destination: { address: "10.0.0.1", port: 443 },
 * });
 * assert.ok(bytes.ok);
 * const header = decodeHeader(bytes.value);
 * assert.ok(header.ok);
 * assert.deepEqual(headerToJson(header.value).source, { address: "203.0.113.7", port: 51000 });
 * ```
 *
 * @module
 */

export * from "./address.ts";
export * from "./cidr.ts";
export * from "./crc32c.ts";
export * from "./decode.ts";
export * from "./encode.ts";
export * from "./errors.ts";
export * from "./header.ts";
export * from "./json.ts";
export * from "./server.ts";
export * from "./stream.ts";
export * from "./tlv.ts";
export * from "./transport.ts";
export * from "./transport_error.ts";
export * from "./v1.ts";
export * from "./v2.ts";
