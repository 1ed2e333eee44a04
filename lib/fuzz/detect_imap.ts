/**
 * `imap` mode: after the header the server greets with `* OK` (or
 * `* PREAUTH`) and answers `a1 CAPABILITY` with `a1 OK`: that is
 * acceptance. `* BYE`, `* NO`, `* BAD`, `a1 NO` and `a1 BAD` (IMAP's own
 * refusals), or anything that is not IMAP, are refusals. When the case
 * writes bytes after the header, they are IMAP input: once the greeting
 * accepted the header, any answer to them (a tagged or untagged BAD, a BYE)
 * shows they arrived; `a1 OK` with no such answer shows they were swallowed.
 *
 * @module
 */

import { ascii, type Detector, type DetectorContext, lines } from "./detector.ts";

/**
 * What `imap` mode says after the greeting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ascii } from "./detector.ts";
 * import { IMAP_PROBE, imapDetector } from "./detect_imap.ts";
 * const next = imapDetector().afterHeader(ascii("* OK ready\r\n"), "data");
 * assert.deepEqual(next, { kind: "send", bytes: ascii(IMAP_PROBE) });
 * ```
 */
export const IMAP_PROBE = "a1 CAPABILITY\r\n";

const REFUSAL = /^(\* (BYE|NO|BAD)|a1 (NO|BAD))\b/i;

/**
 * The IMAP detector for one connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ascii } from "./detector.ts";
 * import { imapDetector } from "./detect_imap.ts";
 * const d = imapDetector();
 * assert.equal(d.afterHeader(ascii("* OK IMAP4rev1 ready\r\n"), "data").kind, "send");
 * assert.equal(
 *   d.afterHeader(ascii("* OK ready\r\n* CAPABILITY IMAP4rev1\r\na1 OK done\r\n"), "data").kind,
 *   "accepted",
 * );
 * assert.equal(imapDetector().afterHeader(ascii("* BYE go away\r\n"), "data").kind, "refused");
 * ```
 */
export function imapDetector(ctx: Pick<DetectorContext, "afterHeader"> = {
  afterHeader: new Uint8Array(0),
}): Detector {
  const payload = ctx.afterHeader.length > 0;
  let greeted = false;
  return {
    probe: new Uint8Array(0),
    afterHeader(bytes, end) {
      const replies = lines(bytes, end);
      for (const [i, line] of replies.entries()) {
        if (payload && greeted && i > 0 && !/^(\* CAPABILITY|a1 )/i.test(line)) {
          return { kind: "accepted", payloadIntact: true };
        }
        if (REFUSAL.test(line)) return { kind: "refused" };
        if (i === 0) {
          if (!/^\* (OK|PREAUTH)\b/i.test(line)) return { kind: "refused" };
          if (!greeted) {
            greeted = true;
            return { kind: "send", bytes: ascii(IMAP_PROBE) };
          }
          continue;
        }
        if (/^a1 OK\b/i.test(line)) {
          return payload ? { kind: "accepted", payloadIntact: false } : { kind: "accepted" };
        }
      }
      return end === "data" ? { kind: "wait" } : { kind: "refused" };
    },
    beforeHeader(bytes, end) {
      const first = lines(bytes, end)[0];
      if (first === undefined) return "wait";
      return REFUSAL.test(first) ? "refused" : "unknown";
    },
  };
}
