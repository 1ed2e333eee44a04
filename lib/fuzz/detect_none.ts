/**
 * `none` mode: nothing is sent after the header; a complete header whose
 * connection is still open {@linkcode NONE_SETTLE_MS} later counts as
 * accepted (the runner cannot see more), and so do any bytes after it.
 *
 * @module
 */

import type { Detector } from "./detector.ts";

/**
 * `none` mode: a complete header whose connection is still open this long
 * after the last write counts as accepted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NONE_SETTLE_MS } from "./detect_none.ts";
 * import { noneDetector } from "./detect_none.ts";
 * assert.equal(noneDetector().settleMs, NONE_SETTLE_MS);
 * ```
 */
export const NONE_SETTLE_MS = 1000;

/**
 * The `none` detector for one connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { noneDetector } from "./detect_none.ts";
 * assert.equal(noneDetector().afterHeader(new Uint8Array([1]), "data").kind, "accepted");
 * ```
 */
export function noneDetector(): Detector {
  return {
    probe: new Uint8Array(0),
    settleMs: NONE_SETTLE_MS,
    afterHeader: () => ({ kind: "accepted" }),
    beforeHeader: () => "unknown",
  };
}
