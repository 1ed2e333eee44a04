/**
 * `echo` mode: a marker written after the header comes back (the target is
 * an echo service behind the receiver, e.g. `ppcat listen`); the bytes
 * before it must be exactly what was written after the header.
 *
 * @module
 */

import { concatBytes } from "../_bytes.ts";
import { type Detector, type DetectorContext, indexOf } from "./detector.ts";

/** Length of the echo marker (long enough to survive a receiver eating up to 48 of its bytes). */
export const MARKER_LENGTH = 64;

/** The marker's last bytes, whose return counts as the marker coming back. */
export const MARKER_TAIL_LENGTH = 16;

const encoder = new TextEncoder();

/**
 * A fresh marker: {@linkcode MARKER_LENGTH} ASCII bytes, "ppcat-fuzz-marker-"
 * then random lowercase letters and digits (no CR, LF, NUL or space).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createMarker, MARKER_LENGTH } from "./detect_echo.ts";
 * const m = createMarker();
 * assert.equal(m.length, MARKER_LENGTH);
 * assert.match(new TextDecoder().decode(m), /^ppcat-fuzz-marker-[a-z0-9]+$/);
 * assert.notDeepEqual(createMarker(), m);
 * ```
 */
export function createMarker(): Uint8Array {
  const prefix = "ppcat-fuzz-marker-";
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const random = crypto.getRandomValues(new Uint8Array(MARKER_LENGTH - prefix.length));
  let text = prefix;
  for (const r of random) text += alphabet[r % alphabet.length];
  return encoder.encode(text);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The echo detector for one connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { echoDetector } from "./detect_echo.ts";
 * const d = echoDetector({
 *   afterHeader: new Uint8Array(0), sendsProbe: true, httpHost: "x", sent: () => new Uint8Array(0),
 * });
 * assert.deepEqual(d.afterHeader(d.probe, "data"), { kind: "accepted", payloadIntact: true });
 * assert.deepEqual(d.afterHeader(new Uint8Array(0), "closed"), { kind: "refused" });
 * ```
 */
export function echoDetector(ctx: DetectorContext): Detector {
  const probe = createMarker();
  const tail = probe.subarray(probe.length - MARKER_TAIL_LENGTH);
  const expected = concatBytes([ctx.afterHeader, ctx.sendsProbe ? probe : new Uint8Array(0)]);
  let searchedTo = 0;
  const isEcho = (bytes: Uint8Array) => bytes.length > 0 && indexOf(ctx.sent(), bytes) >= 0;
  return {
    probe,
    afterHeader(bytes, end) {
      const i = indexOf(bytes, tail, Math.max(0, searchedTo - tail.length + 1));
      searchedTo = bytes.length;
      if (i >= 0) {
        const through = bytes.subarray(0, i + tail.length);
        return { kind: "accepted", payloadIntact: equalBytes(through, expected) };
      }
      if (end === "data") return { kind: "wait" };
      return isEcho(bytes) ? { kind: "accepted", payloadIntact: false } : { kind: "refused" };
    },
    beforeHeader(bytes) {
      return isEcho(bytes) ? "spoke" : "unknown";
    },
  };
}
