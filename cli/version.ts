/**
 * The ppcat version, printed by `ppcat --version`; it lives in lib/version.ts,
 * below cli/ and conformance/, which both read it.
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

export { VERSION } from "../lib/version.ts";
