/**
 * Decoding a header of either version from a buffer.
 *
 * @module
 */

import { NOT_PROXY_MESSAGE, versionOf } from "./_detect.ts";
import { fail, type Result } from "./errors.ts";
import type { ProxyHeader } from "./header.ts";
import { decodeV1 } from "./v1.ts";
import { type DecodeOptions, decodeV2 } from "./v2.ts";

export type { DecodeOptions } from "./v2.ts";

/**
 * Detects the version (§2.2: the v2 signature, else "PROXY", else not this
 * protocol) and decodes the header at the start of `buf`. Bytes after the
 * header are payload: `buf.length - header.headerLength` of them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeHeader } from "./decode.ts";
 * const r = decodeHeader(new TextEncoder().encode("PROXY UNKNOWN\r\nhello"));
 * assert.ok(r.ok);
 * assert.equal(r.value.protocol, "UNKNOWN");
 * assert.equal(r.value.headerLength, 15);
 * const http = decodeHeader(new TextEncoder().encode("GET / HTTP/1.1\r\n"));
 * assert.equal(!http.ok && http.error.code, "NOT_PROXY");
 * const empty = decodeHeader(new Uint8Array(0));
 * assert.equal(!empty.ok && empty.error.code, "TRUNCATED");
 * ```
 */
export function decodeHeader(buf: Uint8Array, options?: DecodeOptions): Result<ProxyHeader> {
  if (buf.length === 0) return fail("TRUNCATED", "no bytes to decode", 0);
  const version = versionOf(buf[0]!);
  if (version === 2) return decodeV2(buf, options);
  if (version === 1) return decodeV1(buf);
  return fail("NOT_PROXY", NOT_PROXY_MESSAGE, 0);
}
