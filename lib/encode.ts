/**
 * Encoding a header of either version.
 *
 * @module
 */

import type { Result } from "./errors.ts";
import type { HeaderInit } from "./header.ts";
import { encodeV1 } from "./v1.ts";
import { encodeV2 } from "./v2.ts";

/**
 * Encodes `init` as a version 1 line or a version 2 binary header.
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
export function encodeHeader(init: HeaderInit): Result<Uint8Array> {
  return init.version === 1 ? encodeV1(init) : encodeV2(init);
}
