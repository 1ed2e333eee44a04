/**
 * Judging what a PROXY receiver did with a fuzz case: pure functions from a
 * {@linkcode FuzzCase} and an {@linkcode Observation} to a verdict, plus the
 * summary, the per-case JSON and the `ppcat send` command that reproduces a
 * case by hand.
 *
 * Verdicts: `pass`; `violation` (a MUST broken: accepted invalid input,
 * rejected valid input, spoke before the header, never closed a partial
 * header); `lenient` (accepted what a SHOULD says to reject); `note` (a
 * tolerance choice the spec allows, or an inconclusive observation).
 *
 * @module
 */

import { toHex } from "../_bytes.ts";
import type { FuzzCase, Requirement } from "./case.ts";

/**
 * §2: "The receiver may apply a short timeout and decide to abort the
 * connection if the protocol header is not seen within a few seconds (at
 * least 3 seconds to cover a TCP retransmit)."
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HEADER_TIMEOUT_MIN_MS } from "./verdict.ts";
 * assert.equal(HEADER_TIMEOUT_MIN_MS, 3000);
 * ```
 */
export const HEADER_TIMEOUT_MIN_MS = 3000;

/**
 * What the runner saw:
 * - `accepted`: the marker sent after the header came back (echo), or the
 *   protocol behind answered it (http, banner after the header);
 * - `closed`: the target sent a FIN without accepting;
 * - `reset`: the target sent a RST;
 * - `timeout`: the connection was still open, not accepted, at the runner's
 *   deadline;
 * - `error-reply`: the target answered with an error (e.g. HTTP 400) and
 *   did not pass the marker through.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Outcome } from "./verdict.ts";
 * assert.equal(Outcome.ERROR_REPLY, "error-reply");
 * ```
 */
export const Outcome = {
  ACCEPTED: "accepted",
  CLOSED: "closed",
  RESET: "reset",
  TIMEOUT: "timeout",
  ERROR_REPLY: "error-reply",
} as const;
/** One of the {@linkcode Outcome} values. */
export type Outcome = typeof Outcome[keyof typeof Outcome];

/**
 * The verdicts, from best to worst: pass, note, lenient, violation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Verdict } from "./verdict.ts";
 * assert.equal(Verdict.LENIENT, "lenient");
 * ```
 */
export const Verdict = {
  PASS: "pass",
  VIOLATION: "violation",
  LENIENT: "lenient",
  NOTE: "note",
} as const;
/** One of the {@linkcode Verdict} values. */
export type Verdict = typeof Verdict[keyof typeof Verdict];

/** One observation of a target running one case. */
export interface Observation {
  /** What happened. */
  readonly outcome: Outcome;
  /** Milliseconds from connecting to the outcome (for `timeout`: to the runner's deadline). */
  readonly afterMs: number;
  /**
   * The target sent application data (a banner) before the last header byte
   * was written; for cases whose header never completes, before it closed.
   * An error reply sent while closing is outcome `error-reply`, not this.
   */
  readonly spokeFirst?: boolean;
  /**
   * For `accepted`, when the runner can see it (echo): whether the bytes
   * after the header (`afterHeader`, then the marker) came back unchanged.
   */
  readonly payloadIntact?: boolean;
}

/** Options for {@linkcode judge}. */
export interface JudgeOptions {
  /** The shortest header timeout §2 allows; default {@linkcode HEADER_TIMEOUT_MIN_MS}. */
  readonly headerTimeoutMinMs?: number;
}

/** A verdict and the one sentence that explains it. */
export interface Judgement {
  /** The verdict. */
  readonly verdict: Verdict;
  /** Why, citing the spec where it decides. */
  readonly reason: string;
}

const NOT_BEFORE = "§2: the receiver MUST NOT start processing the connection before it " +
  "receives a complete and valid PROXY protocol header";

// Accepting what should be refused, weighed by how strongly the spec words the refusal.
function weigh(requirement: Requirement): Verdict {
  return requirement === "MUST" ? "violation" : requirement === "SHOULD" ? "lenient" : "note";
}

function verdict(v: Verdict, reason: string): Judgement {
  return { verdict: v, reason };
}

function what(o: Observation): string {
  return o.outcome === "timeout"
    ? `still open after ${o.afterMs} ms`
    : `${o.outcome} after ${o.afterMs} ms`;
}

function checkObservation(o: Observation, minMs: number): void {
  if (!Object.values(Outcome).includes(o.outcome)) {
    throw new TypeError(`unknown outcome ${JSON.stringify(o.outcome)}`);
  }
  if (!(Number.isFinite(o.afterMs) && o.afterMs >= 0)) {
    throw new RangeError(`afterMs ${o.afterMs} is not a non-negative number`);
  }
  if (!(Number.isFinite(minMs) && minMs >= 0)) {
    throw new RangeError(`headerTimeoutMinMs ${minMs} is not a non-negative number`);
  }
}

/**
 * Judges one observation of one case.
 *
 * | expect    | accepted            | closed, reset, error-reply   | timeout (open at deadline) |
 * | --------- | ------------------- | ---------------------------- | -------------------------- |
 * | accept    | pass                | MUST: violation, else note   | MUST: violation, else note |
 * | either    | pass                | note                         | note                       |
 * | tolerance | pass                | note                         | note                       |
 * | reject    | weighed (see below) | pass; note if at ≥ 3 s       | violation (1)              |
 * | timeout   | weighed (see below) | pass if at ≥ 3 s; else note  | violation (1)              |
 *
 * Weighed: MUST: violation, SHOULD: lenient, MAY: note. (1) note instead
 * when the runner's deadline was under `headerTimeoutMinMs` (inconclusive).
 *
 * Before the table: `spokeFirst` is always a violation (§2 MUST NOT), and
 * an acceptance that altered the payload (`payloadIntact: false`) is a
 * violation (the header is exactly one line, or exactly 16 + len bytes).
 *
 * @throws {TypeError} for an unknown outcome.
 * @throws {RangeError} for a negative or non-finite `afterMs` or option.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase } from "./catalog.ts";
 * import { judge } from "./verdict.ts";
 * const leadingZero = catalogCase("v1-ipv4-leading-zero-source")!;
 * assert.equal(judge(leadingZero, { outcome: "closed", afterMs: 2 }).verdict, "pass");
 * assert.equal(judge(leadingZero, { outcome: "accepted", afterMs: 3 }).verdict, "violation");
 * const silent = catalogCase("cve-2021-23409-silent-connection")!;
 * assert.equal(judge(silent, { outcome: "closed", afterMs: 5000 }).verdict, "pass");
 * assert.equal(judge(silent, { outcome: "timeout", afterMs: 15000 }).verdict, "violation");
 * assert.equal(judge(silent, { outcome: "closed", afterMs: 1000 }).verdict, "note");
 * ```
 */
export function judge(c: FuzzCase, o: Observation, options: JudgeOptions = {}): Judgement {
  const minMs = options.headerTimeoutMinMs ?? HEADER_TIMEOUT_MIN_MS;
  checkObservation(o, minMs);
  const level = `${c.requirement} (§${c.section})`;
  if (o.spokeFirst === true) {
    return verdict("violation", `spoke before the header was complete: ${NOT_BEFORE}`);
  }
  const accepted = o.outcome === "accepted";
  const refused = !accepted && o.outcome !== "timeout";
  const stillOpen = o.outcome === "timeout";

  switch (c.expect) {
    case "accept":
    case "either":
    case "tolerance": {
      if (accepted) {
        if (o.payloadIntact === false) {
          return verdict(
            "violation",
            "accepted, but the bytes after the header did not come back unchanged: the header " +
              "ends at its CRLF (§2.1) or after exactly 16 + len bytes (§2.2); what follows is " +
              "payload",
          );
        }
        return verdict("pass", `accepted a valid header after ${o.afterMs} ms`);
      }
      const how = stillOpen ? `neither accepted nor closed (${what(o)})` : `refused (${what(o)})`;
      if (c.expect === "tolerance") {
        return verdict(
          "note",
          `${how} a valid header delivered in fragments: §2 lets a receiver drop partial ` +
            "headers, though tolerance is recommended",
        );
      }
      if (c.expect === "either") {
        return verdict("note", `${how} a valid header the spec lets a receiver refuse: ${level}`);
      }
      return c.requirement === "MUST"
        ? verdict("violation", `${how} a valid header that must be accepted: ${level}`)
        : verdict("note", `${how} a valid header the spec says to accept: ${level}`);
    }
    case "reject": {
      if (accepted) {
        return verdict(
          weigh(c.requirement),
          `accepted invalid input${c.code ? ` (${c.code})` : ""}: ${level} says to reject it`,
        );
      }
      if (refused) {
        return o.afterMs < minMs ? verdict("pass", `rejected: ${what(o)}`) : verdict(
          "note",
          `rejected only after ${o.afterMs} ms, like a header timeout rather than a parse ` +
            "error: §2.1 recommends aborting as soon as possible",
        );
      }
      return stillOpenVerdict(o, minMs, "invalid input must make the receiver abort");
    }
    case "timeout": {
      if (accepted) {
        return verdict(
          weigh(c.requirement),
          `accepted a header that was not complete within a header timeout: ${level}; ` +
            NOT_BEFORE,
        );
      }
      if (refused) {
        return o.afterMs >= minMs
          ? verdict("pass", `gave up on the incomplete header: ${what(o)}`)
          : verdict(
            "note",
            `gave up on the incomplete header ${o.afterMs} ms after connecting: §2 allows ` +
              "dropping partial headers, but a header timeout should be at least 3 seconds to " +
              "cover a TCP retransmit",
          );
      }
      return stillOpenVerdict(o, minMs, "a partial header must be rejected (§2.2)");
    }
  }
}

function stillOpenVerdict(o: Observation, minMs: number, rule: string): Judgement {
  if (o.afterMs < minMs) {
    return verdict(
      "note",
      `inconclusive: still open at a deadline of ${o.afterMs} ms, shorter than the ${minMs} ms a ` +
        "receiver may wait",
    );
  }
  return verdict(
    "violation",
    `never closed the connection (${what(o)}): ${rule} (no header timeout, CVE-2021-23409 class)`,
  );
}

/** Counts of each verdict. */
export interface VerdictCounts {
  /** Cases judged pass. */
  pass: number;
  /** Cases judged violation. */
  violation: number;
  /** Cases judged lenient. */
  lenient: number;
  /** Cases judged note. */
  note: number;
}

/**
 * Counts the verdicts of a run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summarize } from "./verdict.ts";
 * assert.deepEqual(
 *   summarize([{ verdict: "pass" }, { verdict: "note" }, { verdict: "pass" }]),
 *   { pass: 2, violation: 0, lenient: 0, note: 1 },
 * );
 * ```
 */
export function summarize(results: readonly { readonly verdict: Verdict }[]): VerdictCounts {
  const counts: VerdictCounts = { pass: 0, violation: 0, lenient: 0, note: 0 };
  for (const r of results) {
    if (!Object.hasOwn(counts, r.verdict)) throw new TypeError(`unknown verdict ${r.verdict}`);
    counts[r.verdict]++;
  }
  return counts;
}

const SHELL_SAFE = /^[A-Za-z0-9_.:/@%+=,-]+$/;

function shellQuote(text: string): string {
  return SHELL_SAFE.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * The `ppcat send` command line that replays a case by hand:
 * `--header-hex` with the header bytes and `afterHeader`;
 * `--fragment` (offsets, comma-separated) and `--fragment-delay` (ms) for
 * fragmented and slow delivery; `< /dev/null` when the case half-closes
 * after a truncated header (`ppcat send` sends a FIN at the end of stdin).
 * Otherwise stdin stays open: type the payload, or wait for the target.
 * The target is shell-quoted when needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase } from "./catalog.ts";
 * import { reproduceCommand } from "./verdict.ts";
 * assert.equal(
 *   reproduceCommand(catalogCase("delivery-v2-truncated-at-12-close")!, "[::1]:8443"),
 *   "ppcat send '[::1]:8443' --header-hex 0d0a0d0a000d0a515549540a < /dev/null",
 * );
 * assert.equal(
 *   reproduceCommand(catalogCase("delivery-v1-fragmented-after-proxy")!, "localhost:8080"),
 *   "ppcat send localhost:8080 --header-hex " +
 *     "50524f58592054435034203139322e302e322e3120" +
 *     "3139382e35312e3130302e37203536333234203434330d0a --fragment 6 --fragment-delay 200",
 * );
 * ```
 */
export function reproduceCommand(c: FuzzCase, target: string): string {
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
  } else if (d.kind === "truncated" && d.then === "close") {
    parts.push("< /dev/null");
  }
  return parts.join(" ");
}

/** The JSON `ppcat fuzz` prints for one case. */
export interface FuzzResultJson {
  /** The case's name. */
  name: string;
  /** The spec section probed. */
  section: string;
  /** MUST, SHOULD or MAY. */
  requirement: Requirement;
  /** The header bytes sent, lower-case hex. */
  hex: string;
  /** What the runner saw. */
  observed: { outcome: Outcome; afterMs: number };
  /** The verdict. */
  verdict: Verdict;
  /** Why. */
  reason: string;
  /** The `ppcat send` command that replays the case. */
  reproduce: string;
  /** The CVE the case is a regression seed for, if any. */
  cve?: string;
}

/**
 * Judges an observation and renders the per-case JSON.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase } from "./catalog.ts";
 * import { fuzzResultJson } from "./verdict.ts";
 * const c = catalogCase("v2-command-f")!;
 * const json = fuzzResultJson(c, { outcome: "reset", afterMs: 1 }, "127.0.0.1:9000");
 * assert.equal(json.verdict, "pass");
 * assert.deepEqual(json.observed, { outcome: "reset", afterMs: 1 });
 * assert.equal(json.hex.slice(24, 26), "2f");
 * assert.ok(json.reproduce.startsWith("ppcat send 127.0.0.1:9000 --header-hex 0d0a"));
 * ```
 */
export function fuzzResultJson(
  c: FuzzCase,
  o: Observation,
  target: string,
  options?: JudgeOptions,
): FuzzResultJson {
  const j = judge(c, o, options);
  const out: FuzzResultJson = {
    name: c.name,
    section: c.section,
    requirement: c.requirement,
    hex: toHex(c.bytes),
    observed: { outcome: o.outcome, afterMs: o.afterMs },
    verdict: j.verdict,
    reason: j.reason,
    reproduce: reproduceCommand(c, target),
  };
  if (c.cve !== undefined) out.cve = c.cve;
  return out;
}
