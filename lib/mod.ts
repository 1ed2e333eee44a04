/**
 * ppcat's PROXY protocol library: a strict codec for version 1 (text) and
 * version 2 (binary) headers, TLVs, CRC32C, and a push-based stream decoder.
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
export * from "./bench_result.ts";
export * from "./bench_source.ts";
export * from "./cidr.ts";
export * from "./crc32c.ts";
export * from "./decode.ts";
export * from "./encode.ts";
export * from "./errors.ts";
export * from "./fuzz_catalog.ts";
export * from "./fuzz_random.ts";
export * from "./fuzz_run.ts";
export * from "./fuzz_verdict.ts";
export * from "./hdr_histogram.ts";
export * from "./header.ts";
export * from "./json.ts";
export * from "./prng.ts";
export * from "./server.ts";
export * from "./stream.ts";
export * from "./tlv.ts";
export * from "./transport.ts";
export * from "./transport_error.ts";
export * from "./v1.ts";
export * from "./v2.ts";
