/**
 * Encoding a header of either version.
 *
 * @module
 */

import type { Result } from "./errors.ts";
import type { EncodeOptions, HeaderInit } from "./header.ts";
import { encodeV1 } from "./v1.ts";
import { encodeV2 } from "./v2.ts";

/**
 * Encodes `init` as a version 1 line or a version 2 binary header, into a new
 * array with an ArrayBuffer of its own (its `.buffer` holds this header only).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeHeader } from "./encode.ts";
 * const v1 = encodeHeader({
 *   version: 1,
 *   protocol: "TCP4",
 *   source: { address: "192.168.0.1", port: 56324 },
 *   destination: { address: "192.168.0.11", port: 443 },
 * });
 * assert.ok(v1.ok);
 * assert.equal(new TextDecoder().decode(v1.value), "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
 * const local = encodeHeader({ version: 2, command: "LOCAL", protocol: "UNSPEC" });
 * assert.ok(local.ok);
 * assert.deepEqual([...local.value.subarray(12)], [0x20, 0x00, 0x00, 0x00]);
 * ```
 */
export function encodeHeader(init: HeaderInit, options?: EncodeOptions): Result<Uint8Array> {
  return init.version === 1 ? encodeV1(init, options) : encodeV2(init, options);
}

/**
 * Encodes `init` like {@linkcode encodeHeader}, but into the start of `into`
 * instead of a new array: for hot loops that write many headers, nothing is
 * allocated. The result is a view of `into` holding just the header;
 * `ENCODE_BUFFER_TOO_SMALL` when it does not fit (65 551 bytes always do).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeHeaderInto } from "./encode.ts";
 * const buf = new Uint8Array(256);
 * for (const port of [1000, 1001]) {
 *   const r = encodeHeaderInto({
 *     version: 1,
 *     protocol: "TCP4",
 *     source: { address: "192.0.2.1", port },
 *     destination: { address: "192.0.2.2", port: 80 },
 *   }, buf);
 *   assert.ok(r.ok);
 *   assert.equal(r.value.buffer, buf.buffer);
 *   assert.equal(new TextDecoder().decode(r.value), `PROXY TCP4 192.0.2.1 192.0.2.2 ${port} 80\r\n`);
 * }
 * const small = encodeHeaderInto({ version: 2, protocol: "UNSPEC" }, new Uint8Array(15));
 * assert.equal(!small.ok && small.error.code, "ENCODE_BUFFER_TOO_SMALL");
 * ```
 */
export function encodeHeaderInto(init: HeaderInit, into: Uint8Array): Result<Uint8Array> {
  const options = { into };
  return init.version === 1 ? encodeV1(init, options) : encodeV2(init, options);
}
