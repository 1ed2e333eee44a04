/**
 * The ppcat version, printed by `ppcat --version` and recorded in conformance
 * reports; below cli/ and conformance/ so both take it from here. Kept in code (not read from
 * package.json at run time) so compiled binaries carry it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VERSION } from "./version.ts";
 * assert.match(VERSION, /^\d+\.\d+\.\d+$/);
 * ```
 *
 * @module
 */

/** Semantic version of this ppcat build. */
export const VERSION = "0.1.0";
