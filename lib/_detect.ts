// Telling the versions apart by their first byte (§2.2). Internal: not exported by mod.ts.

/** §2.1: a version 1 header starts with "P" of "PROXY". */
export const FIRST_V1 = 0x50;
/** §2.2: a version 2 header starts with the signature's first CR. */
export const FIRST_V2 = 0x0d;
/** Why bytes that start with neither are not this protocol. */
export const NOT_PROXY_MESSAGE = 'neither the version 2 signature nor "PROXY" (§2.2)';

/**
 * The version a header starting with byte `first` can only be, or 0 when it is not a PROXY
 * protocol header at all (§2.2: the receiver must then drop the connection).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { versionOf } from "./_detect.ts";
 * const bytes = new TextEncoder().encode("PROXY UNKNOWN\r\n");
 * assert.equal(versionOf(bytes[0]!), 1);
 * assert.equal(versionOf(0x0d), 2);
 * assert.equal(versionOf("G".charCodeAt(0)), 0);
 * ```
 */
export function versionOf(first: number): 0 | 1 | 2 {
  return first === FIRST_V2 ? 2 : first === FIRST_V1 ? 1 : 0;
}
