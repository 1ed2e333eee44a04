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
import { MIN_HEADER_TIMEOUT_MS } from "../transport_types.ts";
import { reproduceCommand, type ReproduceOptions } from "./reproduce.ts";
import type { FuzzCase, Requirement } from "./case.ts";

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
 * import { catalogCase } from "./catalog.ts";
 * import { judge, Outcome } from "./verdict.ts";
 * // An HTTP 400 to a bad header is a refusal: the case passes.
 * const bad = catalogCase("v2-command-f")!;
 * assert.equal(judge(bad, { outcome: Outcome.ERROR_REPLY, afterMs: 3 }).verdict, "pass");
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
 * import { catalogCase } from "./catalog.ts";
 * import { judge, Verdict } from "./verdict.ts";
 * const noNewline = catalogCase("cve-2021-23351-no-newline")!; // a SHOULD of §2.1
 * assert.equal(judge(noNewline, { outcome: "accepted", afterMs: 1 }).verdict, Verdict.LENIENT);
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

/**
 * Evidence that the receiver crashed on a case: a crash line in its log
 * (`--watch-log`), its process gone (`--watch-pid`), or the service gone
 * after the case (no monitor: a valid header no longer gets service).
 */
export interface CrashEvidence {
  /** Which monitor saw it. */
  readonly by: "log" | "pid" | "service";
  /** What it saw, e.g. the log line. */
  readonly detail: string;
}

/** One observation of a target running one case. */
export interface Observation {
  /** What happened. */
  readonly outcome: Outcome;
  /** Milliseconds from connecting to the outcome (for `timeout`: to the end of the window). */
  readonly afterMs: number;
  /**
   * The target sent application data (a banner) before the last header byte
   * was written; for cases whose header never completes, before it closed.
   * An error reply sent while closing is outcome `error-reply`, not this.
   */
  readonly spokeFirst?: boolean;
  /**
   * For `accepted`, when the runner can see it (echo, http): whether the bytes
   * after the header (`afterHeader`, then the probe) came back unchanged.
   */
  readonly payloadIntact?: boolean;
  /** How long the runner was prepared to wait, ms from connecting (the case's window). */
  readonly windowMs?: number;
  /** The first line the target sent, printable ASCII (others as `\xHH`), at most 120 characters. */
  readonly reply?: string;
  /** The case ran a second time, alone, because the first observation was inconclusive. */
  readonly retried?: boolean;
  /** The receiver crashed on this case. */
  readonly crash?: CrashEvidence;
}

/**
 * What a size ladder found (lib/fuzz/cases_size.ts): the largest plain valid
 * header the receiver accepted and the smallest it refused, in bytes (null:
 * none). See {@linkcode sizeLimitOf}.
 */
export interface SizeLimit {
  /** Largest ladder header accepted. */
  readonly largestAccepted: number | null;
  /** Smallest ladder header refused (closed, reset or error reply). */
  readonly smallestRefused: number | null;
}

/** Options for {@linkcode judge}. */
export interface JudgeOptions {
  /** The shortest header timeout §2 allows; default {@linkcode MIN_HEADER_TIMEOUT_MS}. */
  readonly headerTimeoutMinMs?: number;
  /**
   * The receiver's header size limit, as the size ladder found it: a valid
   * header at least `smallestRefused` bytes long that is refused is judged
   * by the ladder (a note), not as a refusal of its content.
   */
  readonly sizeLimit?: SizeLimit;
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

const TIMEOUT_RULE = "§2: a receiver may abort a connection whose header is not seen within a " +
  "few seconds, at least 3 seconds to cover a TCP retransmit";

/**
 * The one rule: a case that fails is judged by how strongly the spec words
 * the rule it fails. MUST gives `violation`, SHOULD `lenient`, MAY `note`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { weigh } from "./verdict.ts";
 * assert.equal(weigh("MUST"), "violation");
 * assert.equal(weigh("SHOULD"), "lenient");
 * assert.equal(weigh("MAY"), "note");
 * ```
 */
export function weigh(requirement: Requirement): Verdict {
  return requirement === "MUST" ? "violation" : requirement === "SHOULD" ? "lenient" : "note";
}

function verdict(v: Verdict, reason: string): Judgement {
  return { verdict: v, reason };
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
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
 * Judges one observation of one case. One rule decides every failing
 * verdict ({@linkcode weigh}): the level of the spec sentence the target
 * failed. Before the table: a crash and speaking before the header (§2
 * MUST NOT) are violations; an acceptance that altered the payload is a
 * violation (the header is exactly one line, or exactly 16 + len bytes).
 *
 * | expect    | accepted             | closed, reset, error-reply              | still open at the window's end |
 * | --------- | -------------------- | --------------------------------------- | ------------------------------ |
 * | accept    | pass                 | weighed by the case (1)                 | note: inconclusive             |
 * | either    | pass                 | note (MAY)                              | note: inconclusive             |
 * | tolerance | pass                 | weighed by the case (SHOULD)            | note: inconclusive             |
 * | reject    | weighed by the case  | pass; note if only at ≥ 3 s             | lenient (2)                    |
 * | timeout   | weighed by the case  | pass at ≥ 3 s, with the time; else lenient (2) | lenient (2)             |
 *
 * (1) A valid header at least as large as the smallest header the size
 * ladder saw refused is a note that names the size limit; one between the
 * largest accepted and the smallest refused rung is a note too
 * (inconclusive: the limit may be the reason).
 * (2) Time is judged against §2's header-timeout sentence, a
 * recommendation (SHOULD): a receiver closing before 3 s, or not within the
 * window, is lenient, never a violation; the finding states the bound. A
 * window under `headerTimeoutMinMs` cannot see a timeout: note.
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
 * const open = judge(silent, { outcome: "timeout", afterMs: 12000 });
 * assert.equal(open.verdict, "lenient");
 * assert.match(open.reason, /still open after 12 s/);
 * assert.equal(judge(silent, { outcome: "closed", afterMs: 1000 }).verdict, "lenient");
 * ```
 */
export function judge(c: FuzzCase, o: Observation, options: JudgeOptions = {}): Judgement {
  const minMs = options.headerTimeoutMinMs ?? MIN_HEADER_TIMEOUT_MS;
  checkObservation(o, minMs);
  const level = `${c.requirement} (§${c.section})`;
  if (o.crash !== undefined) {
    return verdict(
      "violation",
      `crashed the receiver (${o.crash.by}: ${o.crash.detail}): whatever it is sent, a ` +
        "receiver must refuse or serve the connection, never die of it",
    );
  }
  if (o.spokeFirst === true) {
    return verdict("violation", `spoke before the header was complete: ${NOT_BEFORE}`);
  }
  const accepted = o.outcome === "accepted";
  const stillOpen = o.outcome === "timeout";
  const again = o.retried === true ? " (twice, the second time alone)" : "";

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
      if (stillOpen) {
        return verdict(
          "note",
          `inconclusive: no reply to a valid header within ${seconds(o.afterMs)}${again}; ` +
            "a slow reply is not a refusal (raise --deadline, or check --expect)",
        );
      }
      const how = `refused (${what(o)})`;
      const size = sizeExplains(c, options.sizeLimit);
      if (size !== null) {
        return verdict("note", `${how} a valid ${c.bytes.length}-byte header; ${size}`);
      }
      if (c.expect === "either") {
        return verdict("note", `${how} a valid header the spec lets a receiver refuse: ${level}`);
      }
      if (c.expect === "tolerance") {
        return verdict(
          weigh(c.requirement),
          `${how} a valid header delivered in fragments: §2 lets a receiver drop partial ` +
            `headers, but recommends tolerance: ${level}`,
        );
      }
      return verdict(
        weigh(c.requirement),
        `${how} a valid header the spec says to accept: ${level}`,
      );
    }
    case "reject": {
      if (accepted) {
        return verdict(
          weigh(c.requirement),
          `accepted invalid input${c.code ? ` (${c.code})` : ""}: ${level} says to reject it`,
        );
      }
      if (!stillOpen) {
        return o.afterMs < minMs ? verdict("pass", `rejected: ${what(o)}`) : verdict(
          "note",
          `rejected only after ${o.afterMs} ms, like a header timeout rather than a parse ` +
            "error: the spec says to abort the connection",
        );
      }
      return stillOpenVerdict(c, o, minMs, "invalid input must make the receiver abort", again);
    }
    case "timeout": {
      if (accepted) {
        return verdict(
          weigh(c.requirement),
          `accepted a header that was not complete within a header timeout: ${level}; ` +
            NOT_BEFORE,
        );
      }
      if (!stillOpen) {
        if (o.afterMs >= minMs) {
          return verdict("pass", `gave up on the incomplete header after ${o.afterMs} ms (≥ 3 s)`);
        }
        // A partial header may be dropped (§2), but tolerance is recommended and so is a
        // header timeout of at least 3 s: an early drop follows neither recommendation.
        const partial = c.bytes.length > 0
          ? "§2 lets a receiver drop a partial header but recommends tolerance, and "
          : "";
        return verdict(
          "lenient",
          `gave up on the incomplete header after ${o.afterMs} ms: ${partial}${TIMEOUT_RULE}`,
        );
      }
      return stillOpenVerdict(c, o, minMs, "a partial header must be rejected (§2)", again);
    }
  }
}

// Whether the size ladder explains refusing a valid header of this size: the receiver refuses
// plain headers this large, or this size lies between the largest it accepted and the smallest
// it refused (the ladder cannot tell). Null when the ladder says size is not the reason.
function sizeExplains(c: FuzzCase, limit: SizeLimit | undefined): string | null {
  if (limit === undefined || c.name.startsWith("size-")) return null;
  const { largestAccepted, smallestRefused } = limit;
  if (largestAccepted === null || smallestRefused === null) return null;
  const n = c.bytes.length;
  if (n >= smallestRefused) {
    return `the receiver refuses plain valid headers of ${smallestRefused} bytes (size ladder), ` +
      "so this is its size limit, not this case";
  }
  if (n > largestAccepted) {
    return `the size ladder saw plain valid headers of ${largestAccepted} bytes accepted and ` +
      `${smallestRefused} refused, so its size limit may be the reason: inconclusive`;
  }
  return null;
}

function stillOpenVerdict(
  c: FuzzCase,
  o: Observation,
  minMs: number,
  rule: string,
  again: string,
): Judgement {
  if (o.afterMs < minMs) {
    return verdict(
      "note",
      `inconclusive: still open at a window of ${o.afterMs} ms, shorter than the ${minMs} ms a ` +
        "receiver may wait",
    );
  }
  const cve = c.cve === "CVE-2021-23409"
    ? "; a receiver with no header timeout at all is the CVE-2021-23409 class (a longer --hold " +
      "tells a long timeout from none)"
    : "";
  return verdict(
    "lenient",
    `still open after ${seconds(o.afterMs)}${again}, neither accepted nor closed: ${rule}, ` +
      `and §2 expects a header timeout of a few seconds; none was seen within the window${cve}`,
  );
}

/**
 * What the size ladder of a run found: the largest `size-*` case accepted
 * and the smallest refused. Null fields when the ladder did not run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sizeCases } from "./cases_size.ts";
 * import { sizeLimitOf } from "./verdict.ts";
 * const results = sizeCases().map((c) => ({
 *   case: c,
 *   observation: { outcome: c.bytes.length <= 232 ? "accepted" : "closed", afterMs: 1 } as const,
 * }));
 * assert.deepEqual(sizeLimitOf(results), { largestAccepted: 232, smallestRefused: 256 });
 * ```
 */
export function sizeLimitOf(
  results: readonly { readonly case: FuzzCase; readonly observation?: Observation }[],
): SizeLimit {
  let largestAccepted: number | null = null;
  let smallestRefused: number | null = null;
  for (const r of results) {
    if (!r.case.name.startsWith("size-") || r.observation === undefined) continue;
    const size = r.case.bytes.length;
    const o = r.observation;
    if (o.outcome === "accepted" && o.spokeFirst !== true) {
      largestAccepted = Math.max(largestAccepted ?? 0, size);
    } else if (o.outcome !== "timeout") {
      smallestRefused = Math.min(smallestRefused ?? Infinity, size);
    }
  }
  return { largestAccepted, smallestRefused };
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
  /** What the runner saw: the whole {@linkcode Observation}. */
  observed: Observation;
  /** The verdict. */
  verdict: Verdict;
  /** Why. */
  reason: string;
  /** The `ppcat send` command that replays the case. */
  reproduce: string;
  /** The CVE the case is a regression seed for, if any. */
  cve?: string;
}

/** Options for {@linkcode fuzzResultJson}: how to judge, and how to replay. */
export interface ResultJsonOptions extends JudgeOptions, ReproduceOptions {}

/**
 * Judges an observation and renders the per-case JSON; `observed` is the
 * whole observation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase } from "./catalog.ts";
 * import { fuzzResultJson } from "./verdict.ts";
 * const c = catalogCase("v2-command-f")!;
 * const o = { outcome: "reset", afterMs: 1, windowMs: 5000 } as const;
 * const json = fuzzResultJson(c, o, "127.0.0.1:9000");
 * assert.equal(json.verdict, "pass");
 * assert.deepEqual(json.observed, o);
 * assert.equal(json.hex.slice(24, 26), "2f");
 * assert.ok(json.reproduce.startsWith("ppcat send 127.0.0.1:9000 --header-hex 0d0a"));
 * ```
 */
export function fuzzResultJson(
  c: FuzzCase,
  o: Observation,
  target: string,
  options: ResultJsonOptions = {},
): FuzzResultJson {
  const j = judge(c, o, options);
  return {
    name: c.name,
    section: c.section,
    requirement: c.requirement,
    hex: toHex(c.bytes),
    observed: o,
    verdict: j.verdict,
    reason: j.reason,
    reproduce: reproduceCommand(c, target, options),
    ...(c.cve !== undefined ? { cve: c.cve } : {}),
  };
}
