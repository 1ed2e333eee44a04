/**
 * The value layer of the CLI: one grammar, one set of parsers and one wording for every flag
 * value of every subcommand (times, counts, rates, integers, lists, choices). Each parser takes
 * the flag's long name and the text as typed, and returns a {@linkcode Parsed} value or the one
 * line a user reads on stderr.
 *
 * - TIME: a number with an optional fraction and unit `ms`, `s`, `m` or `h`; a bare number is
 *   in the flag's own unit (seconds, unless the flag says MS).
 * - N (integers and counts): decimal, or hex after `0x`; decimal takes `k` (1000) and `m`
 *   (1 000 000), as tcpkali does.
 * - RATE: a decimal number with an optional fraction, with `k` or `m`.
 *
 * @module
 */

import { bad, ok, type Parsed } from "./parsed.ts";

/**
 * Largest timer `setTimeout` accepts without firing at once (2^31 - 1 ms, about 24.8 days): the
 * upper bound of every time flag.
 */
export const MAX_TIMER_MS = 0x7fffffff;

const TIME_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Bounds and default unit of a time flag; the bounds are in milliseconds. */
export interface DurationOptions {
  /** Unit of a bare number (default `"s"`). */
  readonly unit?: "ms" | "s";
  /** Smallest value, ms (default 0). */
  readonly min?: number;
  /** Largest value, ms (default {@linkcode MAX_TIMER_MS}). */
  readonly max?: number;
}

/**
 * A duration in the shortest exact unit, as the time flags accept it back.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatDuration } from "./values.ts";
 * assert.equal(formatDuration(3_600_000), "1h");
 * assert.equal(formatDuration(1500), "1500ms");
 * assert.equal(formatDuration(86_400_000), "24h");
 * ```
 */
export function formatDuration(ms: number): string {
  for (const unit of ["h", "m", "s"] as const) {
    const size = TIME_UNITS[unit] ?? 1;
    if (ms !== 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * Parses a TIME flag value to whole milliseconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDuration } from "./values.ts";
 * assert.deepEqual(parseDuration("timeout", "1.5"), { ok: true, value: 1500 });
 * assert.deepEqual(parseDuration("duration", "500ms"), { ok: true, value: 500 });
 * assert.deepEqual(parseDuration("fragment-delay", "20", { unit: "ms" }), { ok: true, value: 20 });
 * assert.deepEqual(parseDuration("deadline", "0", { min: 1 }), {
 *   ok: false,
 *   message: "--deadline: must be more than 0",
 * });
 * assert.deepEqual(parseDuration("timeout", "1e3"), {
 *   ok: false,
 *   message: '--timeout: "1e3" is not a time (e.g. 10, 1.5, 500ms, 2m)',
 * });
 * ```
 */
export function parseDuration(
  flag: string,
  text: string,
  options: DurationOptions = {},
): Parsed<number> {
  const m = /^([0-9]{1,10}(?:\.[0-9]{1,6})?|\.[0-9]{1,6})(ms|s|m|h)?$/.exec(text);
  if (m === null) {
    return bad(`--${flag}: ${JSON.stringify(text)} is not a time (e.g. 10, 1.5, 500ms, 2m)`);
  }
  const unit = TIME_UNITS[m[2] ?? options.unit ?? "s"] ?? 1000;
  const ms = Math.round(Number(m[1]) * unit);
  const min = options.min ?? 0;
  const max = options.max ?? MAX_TIMER_MS;
  if (ms < min) {
    return bad(
      min === 1
        ? `--${flag}: must be more than 0`
        : `--${flag}: ${text} is less than ${formatDuration(min)}`,
    );
  }
  if (ms > max) return bad(`--${flag}: ${text} is more than ${formatDuration(max)}`);
  return ok(ms);
}

const MULTIPLIERS: Readonly<Record<string, number>> = { "": 1, k: 1e3, m: 1e6 };

/** Bounds of an integer flag (both inclusive). */
export interface IntegerOptions {
  /** Smallest value (default 0). */
  readonly min?: number;
  /** Largest value (default `Number.MAX_SAFE_INTEGER`). */
  readonly max?: number;
}

/**
 * Parses an N flag value: a whole number, decimal (with `k` or `m`) or hex after `0x`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseInteger } from "./values.ts";
 * assert.deepEqual(parseInteger("connections", "5k", { min: 1 }), { ok: true, value: 5000 });
 * assert.deepEqual(parseInteger("ssl-client", "0x05", { max: 255 }), { ok: true, value: 5 });
 * assert.deepEqual(parseInteger("ssl-client", "256", { max: 255 }), {
 *   ok: false,
 *   message: "--ssl-client: 256 is not in 0..255",
 * });
 * assert.deepEqual(parseInteger("concurrency", "-1"), {
 *   ok: false,
 *   message: '--concurrency: "-1" is not a whole number',
 * });
 * ```
 */
export function parseInteger(
  flag: string,
  text: string,
  options: IntegerOptions = {},
): Parsed<number> {
  let n: number;
  const hex = /^0[xX]([0-9a-fA-F]{1,13})$/.exec(text);
  const dec = /^([0-9]{1,16})(k|m)?$/.exec(text);
  if (hex !== null) n = parseInt(hex[1] ?? "", 16);
  else if (dec !== null) n = Number(dec[1]) * (MULTIPLIERS[dec[2] ?? ""] ?? 1);
  else return bad(`--${flag}: ${JSON.stringify(text)} is not a whole number`);
  const min = options.min ?? 0;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    return bad(`--${flag}: ${text} is not in ${min}..${max}`);
  }
  return ok(n);
}

const UINT64_MAX = 0xffffffffffffffffn;

/**
 * Parses an unsigned 64-bit N flag value (decimal or `0x` hex) to a bigint.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseUint64 } from "./values.ts";
 * assert.deepEqual(parseUint64("gcp-psc", "18446744073709551615"), {
 *   ok: true,
 *   value: 18446744073709551615n,
 * });
 * assert.equal(parseUint64("gcp-psc", "18446744073709551616").ok, false);
 * ```
 */
export function parseUint64(flag: string, text: string): Parsed<bigint> {
  if (!/^([0-9]{1,20}|0[xX][0-9a-fA-F]{1,16})$/.test(text)) {
    return bad(`--${flag}: ${JSON.stringify(text)} is not a whole number`);
  }
  const n = BigInt(text);
  return n > UINT64_MAX ? bad(`--${flag}: ${text} is not in 0..${UINT64_MAX}`) : ok(n);
}

/**
 * Parses a RATE flag value: a number with an optional fraction, with `k` or `m`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRate } from "./values.ts";
 * assert.deepEqual(parseRate("message-rate", "2.5k"), { ok: true, value: 2500 });
 * assert.deepEqual(parseRate("message-rate", "fast"), {
 *   ok: false,
 *   message: '--message-rate: "fast" is not a rate (e.g. 100, 0.5, 5k)',
 * });
 * ```
 */
export function parseRate(flag: string, text: string): Parsed<number> {
  const m = /^([0-9]{1,12}(?:\.[0-9]{1,6})?)(k|m)?$/.exec(text);
  if (m === null) {
    return bad(`--${flag}: ${JSON.stringify(text)} is not a rate (e.g. 100, 0.5, 5k)`);
  }
  return ok(Number(m[1]) * (MULTIPLIERS[m[2] ?? ""] ?? 1));
}

/**
 * Parses a flag whose value is one of a few words (case-insensitive).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseChoice } from "./values.ts";
 * assert.deepEqual(parseChoice("nagle", "ON", ["on", "off"] as const), { ok: true, value: "on" });
 * assert.deepEqual(parseChoice("nagle", "yes", ["on", "off"] as const), {
 *   ok: false,
 *   message: '--nagle: "yes" is not one of on, off',
 * });
 * ```
 */
export function parseChoice<const T extends string>(
  flag: string,
  text: string,
  choices: readonly T[],
): Parsed<T> {
  const lower = text.toLowerCase();
  const found = choices.find((c) => c === lower);
  return found === undefined
    ? bad(`--${flag}: ${JSON.stringify(text)} is not one of ${choices.join(", ")}`)
    : ok(found);
}

/**
 * Parses a header-versions flag (`--versions`): "1", "2" or "1,2", duplicates ignored.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseVersions } from "./values.ts";
 * assert.deepEqual(parseVersions("versions", "2, 1"), { ok: true, value: [2, 1] });
 * assert.deepEqual(parseVersions("versions", "3"), {
 *   ok: false,
 *   message: '--versions: "3" is not 1, 2 or 1,2',
 * });
 * ```
 */
export function parseVersions(flag: string, text: string): Parsed<(1 | 2)[]> {
  const versions: (1 | 2)[] = [];
  for (const part of text.split(",")) {
    const v = part.trim();
    if (v !== "1" && v !== "2") return bad(`--${flag}: ${JSON.stringify(text)} is not 1, 2 or 1,2`);
    const n = v === "1" ? 1 : 2;
    if (!versions.includes(n)) versions.push(n);
  }
  return ok(versions);
}

/**
 * A port number written in decimal, 0 (or `min`) to 65535, as ADDR:PORT and TARGET carry it;
 * null otherwise. The caller words the error, since a port is part of a larger value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { portNumber } from "./values.ts";
 * assert.equal(portNumber("443"), 443);
 * assert.equal(portNumber("0", 1), null);
 * assert.equal(portNumber("65536"), null);
 * assert.equal(portNumber("+80"), null);
 * ```
 */
export function portNumber(text: string, min = 0): number | null {
  if (!/^[0-9]{1,5}$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= 0xffff ? n : null;
}
