/**
 * The two result shapes of CLI parsing: {@linkcode Parsed} for one value (a target, a time, a
 * list), and {@linkcode CommandParse} for a whole subcommand's command line.
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

/**
 * What every subcommand's parser returns: run with a checked configuration, show the help, or a
 * usage error (one line, no "ppcat" prefix: the caller names the subcommand).
 */
export type CommandParse<C> =
  | { readonly kind: "run"; readonly config: C }
  | { readonly kind: "help" }
  | { readonly kind: "usage"; readonly message: string };

/**
 * A {@linkcode CommandParse} usage error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { usage } from "./parsed.ts";
 * assert.deepEqual(usage("missing TARGET"), { kind: "usage", message: "missing TARGET" });
 * ```
 */
export function usage(message: string): { readonly kind: "usage"; readonly message: string } {
  return { kind: "usage", message };
}
