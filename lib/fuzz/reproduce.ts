/**
 * The `ppcat send` command line that replays a fuzz case by hand, probe
 * included, so the target's answer decides as it did in the run.
 *
 * @module
 */

import { toHex } from "../_bytes.ts";
import type { FuzzCase } from "./case.ts";
import type { ObserveMode } from "./detector.ts";
import { replayProbe } from "./detectors.ts";

const SHELL_SAFE = /^[A-Za-z0-9_.:/@%+=,-]+$/;

/**
 * A shell word for `text`: as is when it needs no quoting, else in single quotes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shellQuote } from "./reproduce.ts";
 * assert.equal(shellQuote("127.0.0.1:80"), "127.0.0.1:80");
 * assert.equal(shellQuote("it's"), "'it'\\''s'");
 * ```
 */
export function shellQuote(text: string): string {
  return SHELL_SAFE.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Bytes as a `ppcat send --data` value: printable ASCII as is, `\r`, `\n`,
 * `\t`, `\\`, and `\xHH` for any other byte.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dataEscape } from "./reproduce.ts";
 * assert.equal(dataEscape(new TextEncoder().encode("a\\b\r\n\x00")), "a\\\\b\\r\\n\\x00");
 * ```
 */
export function dataEscape(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) {
    if (b === 0x0d) s += "\\r";
    else if (b === 0x0a) s += "\\n";
    else if (b === 0x09) s += "\\t";
    else if (b === 0x5c) s += "\\\\";
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return s;
}

/** Options for {@linkcode reproduceCommand}. */
export interface ReproduceOptions {
  /** The run's mode: decides the probe written after the header; default `echo`. */
  readonly mode?: ObserveMode;
  /** `http` mode: the Host header of the request; default the target's host. */
  readonly httpHost?: string;
}

/**
 * The `ppcat send` command line that replays a case by hand: `--header-hex`
 * with the header bytes and `afterHeader` (`--no-header` when there are
 * none); `--fragment` (offsets) and `--fragment-delay` (ms) for fragmented
 * and slow delivery; the mode's probe as `--data` (the echo payload, the
 * HTTP request, SMTP's EHLO, IMAP's CAPABILITY), with `--same-write` when
 * the case sends it in the header's write; `< /dev/null` when the case
 * half-closes after a truncated header (`ppcat send` sends a FIN at the end
 * of stdin). A held case keeps stdin open: wait for the target. Every word
 * is shell-quoted when needed, and `ppcat send` accepts the line as printed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase } from "./catalog.ts";
 * import { reproduceCommand } from "./reproduce.ts";
 * assert.equal(
 *   reproduceCommand(catalogCase("delivery-v2-truncated-at-12-close")!, "[::1]:8443"),
 *   "ppcat send '[::1]:8443' --header-hex 0d0a0d0a000d0a515549540a < /dev/null",
 * );
 * assert.equal(
 *   reproduceCommand(catalogCase("v2-command-f")!, "mx:25", { mode: "smtp" }),
 *   "ppcat send mx:25 --header-hex 0d0a0d0a000d0a515549540a2f11000cc0000201c6336407dc0401bb " +
 *     "--data 'EHLO ppcat.fuzz\\r\\n'",
 * );
 * ```
 */
export function reproduceCommand(
  c: FuzzCase,
  target: string,
  options: ReproduceOptions = {},
): string {
  const parts = ["ppcat", "send", shellQuote(target)];
  const all = new Uint8Array(c.bytes.length + c.afterHeader.length);
  all.set(c.bytes, 0);
  all.set(c.afterHeader, c.bytes.length);
  // A case with no bytes at all (the silent connection) sends no header either.
  parts.push(...(all.length > 0 ? ["--header-hex", toHex(all)] : ["--no-header"]));
  const d = c.delivery;
  if (d.kind === "fragments" && d.offsets.length > 0) {
    parts.push("--fragment", d.offsets.join(","), "--fragment-delay", String(d.delayMs));
  } else if (d.kind === "slow" && c.bytes.length > 1) {
    const offsets = Array.from({ length: c.bytes.length - 1 }, (_, i) => i + 1);
    parts.push("--fragment", offsets.join(","), "--fragment-delay", String(d.byteDelayMs));
  }
  const host = options.httpHost ?? hostOf(target);
  const probe = c.marker === "none" ? new Uint8Array(0) : replayProbe(options.mode ?? "echo", host);
  if (probe.length > 0) {
    parts.push("--data", shellQuote(dataEscape(probe)));
    if (c.marker === "same-write") parts.push("--same-write");
  }
  if (d.kind === "truncated" && d.then === "close") parts.push("< /dev/null");
  return parts.join(" ");
}

function hostOf(target: string): string {
  if (target.includes("/")) return "localhost";
  const m = /^(\[[^\]]+\]|[^:]+):\d+$/.exec(target);
  return m?.[1] ?? target;
}
