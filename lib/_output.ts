// Where an encoder writes: a new array, or the start of the caller's. Internal: not exported
// by mod.ts.

import { fail } from "./errors.ts";

/**
 * `length` bytes to write a header into: a zero-filled array with an ArrayBuffer of its own
 * (never a view of memory shared with another header, whose bytes `.buffer` would expose), or
 * without allocating the first `length` bytes of `into`; null when `into` is too short.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { outputOf } from "./_output.ts";
 * const fresh = outputOf(16, undefined);
 * assert.equal(fresh?.buffer.byteLength, 16);
 * const mine = new Uint8Array(64);
 * assert.equal(outputOf(16, mine)?.buffer, mine.buffer);
 * assert.equal(outputOf(65, mine), null);
 * ```
 */
export function outputOf(length: number, into: Uint8Array | undefined): Uint8Array | null {
  if (into === undefined) return new Uint8Array(length);
  return into.length >= length ? into.subarray(0, length) : null;
}

/** The failure for an `into` array too short for the header. */
export function tooSmall(into: Uint8Array | undefined): ReturnType<typeof fail> {
  return fail(
    "ENCODE_BUFFER_TOO_SMALL",
    `the header does not fit in the ${into?.length ?? 0} bytes given`,
    0,
  );
}
