/**
 * One place that picks the detector of an {@linkcode ObserveMode}, and the
 * probe a `ppcat send` replay writes for it: one table row per mode.
 *
 * @module
 */

import { bannerDetector } from "./detect_banner.ts";
import { echoDetector } from "./detect_echo.ts";
import { httpDetector, httpRequest } from "./detect_http.ts";
import { IMAP_PROBE, imapDetector } from "./detect_imap.ts";
import { noneDetector } from "./detect_none.ts";
import { pop3Detector } from "./detect_pop3.ts";
import { SMTP_PROBE, smtpDetector } from "./detect_smtp.ts";
import { ascii, type Detector, type DetectorContext, type ObserveMode } from "./detector.ts";

/** The payload an echo replay sends (any bytes do; these are easy to spot). */
export const REPLAY_ECHO_PROBE = "ppcat-fuzz-probe\n";

const NOTHING = new Uint8Array(0);

// Per mode: its detector, and what a replay writes after the header.
const MODES: Readonly<
  Record<ObserveMode, {
    detector(ctx: DetectorContext): Detector;
    replay(httpHost: string): Uint8Array;
  }>
> = {
  echo: { detector: echoDetector, replay: () => ascii(REPLAY_ECHO_PROBE) },
  http: { detector: httpDetector, replay: httpRequest },
  banner: { detector: bannerDetector, replay: () => NOTHING },
  smtp: { detector: smtpDetector, replay: () => ascii(SMTP_PROBE) },
  imap: { detector: imapDetector, replay: () => ascii(IMAP_PROBE) },
  pop3: { detector: pop3Detector, replay: () => NOTHING },
  none: { detector: noneDetector, replay: () => NOTHING },
};

/**
 * A fresh detector of `mode` for one connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { detectorFor } from "./detectors.ts";
 * const ctx = {
 *   afterHeader: new Uint8Array(0), sendsProbe: true, httpHost: "h", sent: () => new Uint8Array(0),
 * };
 * assert.equal(detectorFor("banner", ctx).probe.length, 0);
 * assert.ok(detectorFor("http", ctx).probe.length > 0);
 * ```
 */
export function detectorFor(mode: ObserveMode, ctx: DetectorContext): Detector {
  return MODES[mode].detector(ctx);
}

/**
 * The bytes a `ppcat send` replay writes after the header so that the
 * target's answer decides as in the run: the echo payload, the HTTP
 * request, SMTP's EHLO, IMAP's CAPABILITY; nothing for banner, pop3 and
 * none (their greeting, or the open connection, decides).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replayProbe } from "./detectors.ts";
 * assert.equal(new TextDecoder().decode(replayProbe("smtp", "h")), "EHLO ppcat.fuzz\r\n");
 * assert.equal(replayProbe("pop3", "h").length, 0);
 * ```
 */
export function replayProbe(mode: ObserveMode, httpHost: string): Uint8Array {
  return MODES[mode].replay(httpHost);
}
