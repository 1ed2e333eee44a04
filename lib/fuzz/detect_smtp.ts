/**
 * `smtp` mode: after the header the server greets with 220, answers EHLO
 * with 250: that is acceptance. A 4xx/5xx greeting or reply (SMTP's own
 * refusals, e.g. `421` or `554`) is a refusal, and so is anything that is
 * not SMTP. When the case writes bytes after the header (a second PROXY
 * header, say), they are SMTP input: the first reply after the greeting
 * answers them (typically 500 or 502) when they reached the server, and is
 * the EHLO's 250 when the receiver swallowed them (payload altered).
 *
 * @module
 */

import { ascii, type Detector, type DetectorContext, lines } from "./detector.ts";

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
 * // with bytes after the header, the first reply after the greeting must answer them
 * const withPayload = smtpDetector({ afterHeader: ascii("PROXY TCP4 x\r\n") });
 * assert.equal(withPayload.afterHeader(ascii("220 mx\r\n"), "data").kind, "send");
 * assert.deepEqual(withPayload.afterHeader(ascii("220 mx\r\n502 5.5.2 no\r\n"), "data"), {
 *   kind: "accepted",
 *   payloadIntact: true,
 * });
 * assert.equal(d.afterHeader(ascii("220 mx ESMTP\r\n"), "data").kind, "send");
 * assert.equal(d.afterHeader(ascii("220 mx ESMTP\r\n250-mx\r\n"), "data").kind, "accepted");
 * assert.equal(smtpDetector().afterHeader(ascii("554 5.7.1 no\r\n"), "data").kind, "refused");
 * assert.equal(smtpDetector().beforeHeader(ascii("421 4.3.2 bye\r\n"), "data"), "refused");
 * ```
 */
export function smtpDetector(ctx: Pick<DetectorContext, "afterHeader"> = {
  afterHeader: new Uint8Array(0),
}): Detector {
  const payload = ctx.afterHeader.length > 0;
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
      if (reply === undefined) {
        if (end === "data") return { kind: "wait" };
        // Closed after the greeting without a reply: only the payload can have ended it (QUIT).
        return payload ? { kind: "accepted", payloadIntact: true } : { kind: "refused" };
      }
      if (payload) {
        // The greeting accepted the header; the first reply says whether the payload arrived.
        return { kind: "accepted", payloadIntact: !/^250[ -]?/.test(reply) };
      }
      return /^250[ -]?/.test(reply) ? { kind: "accepted" } : { kind: "refused" };
    },
    beforeHeader(bytes, end) {
      const first = lines(bytes, end)[0];
      if (first === undefined) return "wait";
      return /^[45]\d\d( |-|$)/.test(first) ? "refused" : "unknown";
    },
  };
}
