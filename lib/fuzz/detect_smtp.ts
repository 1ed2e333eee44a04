/**
 * `smtp` mode: after the header the server greets with 220, answers EHLO
 * with 250: that is acceptance. A 4xx/5xx greeting or reply (SMTP's own
 * refusals, e.g. `421` or `554`) is a refusal, and so is anything that is
 * not SMTP.
 *
 * @module
 */

import { ascii, type Detector, lines } from "./detector.ts";

/**
 * What `smtp` mode says after the greeting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ascii } from "./detector.ts";
 * import { SMTP_PROBE, smtpDetector } from "./detect_smtp.ts";
 * const next = smtpDetector().afterHeader(ascii("220 mx ESMTP\r\n"), "data");
 * assert.deepEqual(next, { kind: "send", bytes: ascii(SMTP_PROBE) });
 * ```
 */
export const SMTP_PROBE = "EHLO ppcat.fuzz\r\n";

/**
 * The SMTP detector for one connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ascii } from "./detector.ts";
 * import { smtpDetector } from "./detect_smtp.ts";
 * const d = smtpDetector();
 * assert.equal(d.afterHeader(ascii("220 mx ESMTP\r\n"), "data").kind, "send");
 * assert.equal(d.afterHeader(ascii("220 mx ESMTP\r\n250-mx\r\n"), "data").kind, "accepted");
 * assert.equal(smtpDetector().afterHeader(ascii("554 5.7.1 no\r\n"), "data").kind, "refused");
 * assert.equal(smtpDetector().beforeHeader(ascii("421 4.3.2 bye\r\n"), "data"), "refused");
 * ```
 */
export function smtpDetector(): Detector {
  let greeted = false;
  return {
    probe: new Uint8Array(0),
    afterHeader(bytes, end) {
      const replies = lines(bytes, end);
      let i = 0;
      // The greeting: 220, possibly multi-line (220-...), ending with "220 ".
      for (; !greeted && i < replies.length; i++) {
        const line = replies[i] ?? "";
        if (/^220-/.test(line)) continue;
        if (/^220( |$)/.test(line)) {
          greeted = true;
          return { kind: "send", bytes: ascii(SMTP_PROBE) };
        }
        return { kind: "refused" };
      }
      if (!greeted) return end === "data" ? { kind: "wait" } : { kind: "refused" };
      const after = replies.slice(replies.findIndex((l) => /^220( |$)/.test(l)) + 1);
      const reply = after[0];
      if (reply === undefined) return end === "data" ? { kind: "wait" } : { kind: "refused" };
      return /^250[ -]?/.test(reply) ? { kind: "accepted" } : { kind: "refused" };
    },
    beforeHeader(bytes, end) {
      const first = lines(bytes, end)[0];
      if (first === undefined) return "wait";
      return /^[45]\d\d( |-|$)/.test(first) ? "refused" : "unknown";
    },
  };
}
