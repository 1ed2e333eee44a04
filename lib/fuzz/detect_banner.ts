/**
 * `banner` mode: the server speaks first (SMTP, FTP, SSH), so its banner
 * after the header is acceptance and a line starting with a 4xx/5xx code a
 * refusal. Nothing is sent after the header. For SMTP, IMAP and POP3, the
 * protocol-aware modes (detect_smtp.ts, detect_imap.ts, detect_pop3.ts)
 * know each protocol's own refusals.
 *
 * @module
 */

import { type Detector, latin1 } from "./detector.ts";

/**
 * Whether a banner or reply line starts with an SMTP/FTP error code (4xx or
 * 5xx followed by a space or a dash).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isErrorCodeLine } from "./detect_banner.ts";
 * const bytes = (s: string) => new TextEncoder().encode(s);
 * assert.equal(isErrorCodeLine(bytes("421 4.3.2 Service not available\r\n")), true);
 * assert.equal(isErrorCodeLine(bytes("220 mail.example ESMTP\r\n")), false);
 * assert.equal(isErrorCodeLine(bytes("SSH-2.0-OpenSSH_9.6\r\n")), false);
 * ```
 */
export function isErrorCodeLine(bytes: Uint8Array): boolean {
  return /^[45]\d\d[ -]/.test(latin1(bytes.subarray(0, 4)));
}

/**
 * The banner detector for one connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ascii } from "./detector.ts";
 * import { bannerDetector } from "./detect_banner.ts";
 * const d = bannerDetector();
 * assert.equal(d.afterHeader(ascii("SSH-2.0-x\r\n"), "data").kind, "accepted");
 * assert.equal(d.afterHeader(ascii("554 no\r\n"), "data").kind, "refused");
 * ```
 */
export function bannerDetector(): Detector {
  return {
    probe: new Uint8Array(0),
    afterHeader(bytes, end) {
      if (bytes.length < 4 && !bytes.includes(0x0a) && end === "data") return { kind: "wait" };
      return isErrorCodeLine(bytes) ? { kind: "refused" } : { kind: "accepted" };
    },
    beforeHeader(bytes, end) {
      if (bytes.length < 4 && end === "data") return "wait";
      return isErrorCodeLine(bytes) ? "refused" : "unknown";
    },
  };
}
