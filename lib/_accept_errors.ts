// How a listener treats an accept that failed. Internal: not exported by mod.ts.

/** Back-off after a listener-wide accept failure: the first wait, doubled up to the last. */
export const ACCEPT_BACKOFF_FIRST_MS = 5;
/** The longest back-off after repeated listener-wide accept failures. */
export const ACCEPT_BACKOFF_MAX_MS = 1000;

// A connection that went away between the kernel's handshake and our accept: its own failure,
// not the listener's (Deno reports ENOTCONN for a peer that reset; Linux ECONNABORTED).
const PER_CONNECTION = new Set([
  "ECONNRESET",
  "ENOTCONN",
  "ECONNABORTED",
  "EPROTO",
  "ConnectionReset",
  "NotConnected",
  "ConnectionAborted",
]);

/**
 * True when an accept failed because of that one connection (reset or aborted before it was
 * accepted): skip it and accept the next at once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPerConnectionAcceptError } from "./_accept_errors.ts";
 * const reset = Object.assign(new Error("not connected"), { code: "ENOTCONN" });
 * assert.equal(isPerConnectionAcceptError(reset), true);
 * const emfile = Object.assign(new Error("Too many open files"), { code: "EMFILE" });
 * assert.equal(isPerConnectionAcceptError(emfile), false);
 * ```
 */
export function isPerConnectionAcceptError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, name } = error as { code?: unknown; name?: unknown };
  return (typeof code === "string" && PER_CONNECTION.has(code)) ||
    (typeof name === "string" && PER_CONNECTION.has(name));
}

/**
 * The next back-off after `previousMs` (0: none yet): doubles from
 * {@linkcode ACCEPT_BACKOFF_FIRST_MS} up to {@linkcode ACCEPT_BACKOFF_MAX_MS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nextAcceptBackoff } from "./_accept_errors.ts";
 * let wait = 0;
 * const waits = [];
 * for (let i = 0; i < 10; i++) waits.push(wait = nextAcceptBackoff(wait));
 * assert.deepEqual(waits, [5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
 * ```
 */
export function nextAcceptBackoff(previousMs: number): number {
  if (previousMs <= 0) return ACCEPT_BACKOFF_FIRST_MS;
  return Math.min(previousMs * 2, ACCEPT_BACKOFF_MAX_MS);
}
