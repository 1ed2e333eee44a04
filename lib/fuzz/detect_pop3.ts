/**
 * `pop3` mode: after the header the server greets with `+OK` (acceptance)
 * or `-ERR` (POP3's own refusal); anything else is not POP3, a refusal.
 * Nothing is sent: the greeting decides.
 *
 * @module
 */

import { type Detector, lines } from "./detector.ts";

/**
 * The POP3 detector for one connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ascii } from "./detector.ts";
 * import { pop3Detector } from "./detect_pop3.ts";
 * assert.equal(pop3Detector().afterHeader(ascii("+OK POP3 ready\r\n"), "data").kind, "accepted");
 * assert.equal(pop3Detector().afterHeader(ascii("-ERR no\r\n"), "data").kind, "refused");
 * assert.equal(pop3Detector().beforeHeader(ascii("-ERR no\r\n"), "data"), "refused");
 * ```
 */
export function pop3Detector(): Detector {
  return {
    probe: new Uint8Array(0),
    afterHeader(bytes, end) {
      const first = lines(bytes, end)[0];
      if (first === undefined) return end === "data" ? { kind: "wait" } : { kind: "refused" };
      return /^\+OK\b/.test(first) ? { kind: "accepted" } : { kind: "refused" };
    },
    beforeHeader(bytes, end) {
      const first = lines(bytes, end)[0];
      if (first === undefined) return "wait";
      return /^-ERR\b/.test(first) ? "refused" : "unknown";
    },
  };
}
