/**
 * The result of the CLI's small value parsers (targets, durations, counts,
 * escapes): a value, or the one line a user reads on stderr.
 *
 * @module
 */

/** A parsed value, or a one-line reason it could not be parsed. */
export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string };

/**
 * A successful {@linkcode Parsed}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "./parsed.ts";
 * assert.deepEqual(ok(3), { ok: true, value: 3 });
 * ```
 */
export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

/**
 * A failed {@linkcode Parsed}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bad } from "./parsed.ts";
 * assert.deepEqual(bad("--count: not a number"), { ok: false, message: "--count: not a number" });
 * ```
 */
export function bad<T>(message: string): Parsed<T> {
  return { ok: false, message };
}
