/**
 * Runs a list of fuzz cases against a target: each case through
 * {@linkcode observeCase} (observe.ts), with bounded concurrency, a window
 * per case, a total time limit, a second look at inconclusive cases, and
 * crash monitors (monitor.ts) whose evidence is pinned on the case that
 * caused it.
 *
 * Cases that wait for the target to give up (held partial headers, the
 * silent connection, slowloris) have their own window (`holdMs`, default
 * {@linkcode DEFAULT_HOLD_MS}, well clear of the 5 s many servers use) and
 * their own pool, so they all wait at once beside the others and a full
 * run stays short.
 *
 * @module
 */

import type { TransportError } from "../transport_error.ts";
import type { FuzzCase } from "./case.ts";
import type { CrashMonitor } from "./monitor.ts";
import { DEFAULT_DEADLINE_MS, observeCase, type ObserveOptions } from "./observe.ts";
import { deliveryDurationMs, MARKER_DELAY_MS } from "./plan.ts";
import type { CrashEvidence, Observation } from "./verdict.ts";

export { ObserveMode } from "./detector.ts";
export { type CaseRun, DEFAULT_DEADLINE_MS, observeCase, type ObserveOptions } from "./observe.ts";

/**
 * Default window of the cases that wait for the target's header timeout:
 * §2 sets a floor of 3 s and no ceiling, and servers often use 5 s, so the
 * window stays well clear of both.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase } from "./catalog.ts";
 * import { DEFAULT_HOLD_MS, estimateCaseMs } from "./run.ts";
 * // Held cases wait the hold window, whatever the deadline of the others.
 * const held = catalogCase("delivery-v2-truncated-at-16-hold")!;
 * assert.equal(estimateCaseMs(held, 5000), DEFAULT_HOLD_MS);
 * ```
 */
export const DEFAULT_HOLD_MS = 12_000;

/** Default number of cases (connections) in flight at once, held cases aside. */
export const DEFAULT_CONCURRENCY = 16;

/** Default number of held cases (waiting for the target to give up) in flight at once. */
export const DEFAULT_HOLD_CONCURRENCY = 64;

/** The most connections one pool ever opens at once, whatever it is asked. */
export const MAX_CONCURRENCY = 256;

/** Default limit on a whole run: cases not finished by then are reported as not run. */
export const DEFAULT_TOTAL_TIMEOUT_MS = 600_000;

/** Inconclusive valid cases run again alone, at most this many per run. */
export const MAX_RETRIES_ALONE = 16;

/** A crash seen within this many ms after a case ended may be that case's. */
export const CRASH_SUSPECT_MS = 1000;

/** After a suspect runs again alone, how long its crash may take to show in the log. */
export const CRASH_SETTLE_MS = 500;

/**
 * Whether a case waits for the target to give up (its window is `holdMs`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase } from "./catalog.ts";
 * import { holds } from "./run.ts";
 * assert.equal(holds(catalogCase("cve-2021-23409-silent-connection")!), true);
 * assert.equal(holds(catalogCase("v2-tcp4")!), false);
 * ```
 */
export function holds(c: FuzzCase): boolean {
  return c.expect === "timeout";
}

/**
 * How long a case is likely to hold its connection: the hold window for
 * cases that wait for the target to give up, else its delivery time plus
 * the probe delay. Each pool starts its longest cases first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase } from "./catalog.ts";
 * import { estimateCaseMs } from "./run.ts";
 * assert.equal(estimateCaseMs(catalogCase("cve-2021-23409-silent-connection")!, 5000), 12000);
 * assert.equal(estimateCaseMs(catalogCase("v2-tcp4")!, 5000), 100);
 * ```
 */
export function estimateCaseMs(
  c: FuzzCase,
  deadlineMs: number,
  markerDelayMs: number = MARKER_DELAY_MS,
  holdMs: number = DEFAULT_HOLD_MS,
): number {
  if (holds(c)) return holdMs;
  return Math.min(deadlineMs, deliveryDurationMs(c) + markerDelayMs);
}

/** Options for {@linkcode runCases}. */
export interface RunOptions extends Omit<ObserveOptions, "signal"> {
  /** Cases in flight at once; default {@linkcode DEFAULT_CONCURRENCY}, at most {@linkcode MAX_CONCURRENCY}. */
  readonly concurrency?: number;
  /** Window of the held cases ({@linkcode holds}); default {@linkcode DEFAULT_HOLD_MS}. */
  readonly holdMs?: number;
  /** Held cases in flight at once; default {@linkcode DEFAULT_HOLD_CONCURRENCY}. */
  readonly holdConcurrency?: number;
  /**
   * Run inconclusive cases a second time: valid headers without a reply
   * alone, one at a time (at most {@linkcode MAX_RETRIES_ALONE}); invalid
   * ones still open with the hold window. Default true.
   */
  readonly retry?: boolean;
  /** Crash monitors polled after every case. */
  readonly monitors?: readonly CrashMonitor[];
  /** Stop the whole run after this many ms; default {@linkcode DEFAULT_TOTAL_TIMEOUT_MS}. */
  readonly totalTimeoutMs?: number;
  /** Stops the run (cases not finished are reported `not-run`). */
  readonly signal?: AbortSignal;
  /** Called as each case finishes (for progress). */
  readonly onResult?: (result: CaseResult, finished: number, total: number) => void;
}

/** One case of a run and what became of it. */
export type CaseResult =
  /** It ran: what the target did. */
  | { readonly case: FuzzCase; readonly status: "done"; readonly observation: Observation }
  /** It could not connect. */
  | { readonly case: FuzzCase; readonly status: "error"; readonly error: TransportError }
  /** The total timeout (or the caller's signal) stopped the run first. */
  | { readonly case: FuzzCase; readonly status: "not-run" };

/** Crash evidence a monitor saw, and the cases that may have caused it. */
export interface CrashReport {
  /** What was seen. */
  readonly evidence: CrashEvidence;
  /** Names of the cases in flight or just finished when it was seen. */
  readonly suspects: readonly string[];
  /** The case it was pinned on by running the suspects again alone; null when none reproduced it. */
  readonly attributedTo: string | null;
}

/** What {@linkcode runCases} returns. */
export interface FuzzRun {
  /** One result per case, in the order the cases were given. */
  readonly results: CaseResult[];
  /** Milliseconds the whole run took. */
  readonly wallMs: number;
  /** True when the total timeout stopped the run before every case finished. */
  readonly timedOut: boolean;
  /** True when the caller's signal stopped the run. */
  readonly aborted: boolean;
  /** Crash evidence the monitors saw. */
  readonly crashes: readonly CrashReport[];
}

function checkPositive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`${name} ${value} is not a positive number`);
  }
}

function checkConcurrency(name: string, n: number): void {
  if (!(Number.isInteger(n) && n >= 1 && n <= MAX_CONCURRENCY)) {
    throw new RangeError(`${name} ${n} is not an integer in [1, ${MAX_CONCURRENCY}]`);
  }
}

/**
 * Runs `cases` against a target: the held cases ({@linkcode holds}) in
 * their own pool with the hold window, the rest at most `concurrency` at a
 * time with `deadlineMs`, each pool longest first; then the inconclusive
 * cases a second time (see {@linkcode RunOptions.retry}); then, when a
 * monitor saw a crash, the suspects again one at a time to pin it on one
 * case. Results come back in the order of `cases`. Never rejects; every
 * connection and timer is closed when the promise resolves.
 *
 * @throws {RangeError} for a concurrency outside [1, MAX_CONCURRENCY] or a non-positive limit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase } from "./catalog.ts";
 * import { runCases } from "./run.ts";
 * import { getTransport } from "../transport.ts";
 * // A target that closes every connection at once, whatever it gets.
 * const listener = await getTransport().listen({ hostname: "127.0.0.1", port: 0 });
 * const closer = (async () => {
 *   for (let i = 0; i < 2; i++) (await listener.accept())?.close();
 * })();
 * const target = { hostname: "127.0.0.1", port: (listener.addr as { port: number }).port };
 * const cases = [catalogCase("v2-command-f")!, catalogCase("v1-lone-lf")!];
 * const run = await runCases(cases, { target, concurrency: 2, deadlineMs: 2000 });
 * assert.deepEqual(run.results.map((r) => r.status), ["done", "done"]);
 * assert.deepEqual(run.results.map((r) => r.case.name), ["v2-command-f", "v1-lone-lf"]);
 * await closer;
 * listener.close();
 * ```
 */
export async function runCases(
  cases: readonly FuzzCase[],
  options: RunOptions,
): Promise<FuzzRun> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  checkConcurrency("concurrency", concurrency);
  const holdConcurrency = options.holdConcurrency ?? DEFAULT_HOLD_CONCURRENCY;
  checkConcurrency("holdConcurrency", holdConcurrency);
  const totalMs = options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS;
  checkPositive("totalTimeoutMs", totalMs);
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  checkPositive("deadlineMs", deadlineMs);
  const holdMs = options.holdMs ?? DEFAULT_HOLD_MS;
  checkPositive("holdMs", holdMs);
  const monitors = options.monitors ?? [];

  const started = performance.now();
  const now = () => performance.now() - started;
  const stop = new AbortController();
  let timedOut = false;
  const total = setTimeout(() => {
    timedOut = true;
    stop.abort();
  }, totalMs);
  const onOuterAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  if (options.signal?.aborted) stop.abort();

  const results: CaseResult[] = cases.map((c) => ({ case: c, status: "not-run" }));
  const windowOf = (c: FuzzCase) => (holds(c) ? holdMs : deadlineMs);
  const observe = (c: FuzzCase, windowMs: number) =>
    observeCase(c, { ...options, deadlineMs: windowMs, signal: stop.signal });

  // Crash bookkeeping: what is in flight, what ended lately, what the monitors saw.
  const inFlight = new Set<number>();
  const ended: { i: number; at: number }[] = [];
  const seen: { evidence: CrashEvidence; suspects: Set<number> }[] = [];
  const pollMonitors = () => {
    for (const m of monitors) {
      const evidence = m.poll();
      if (evidence === null) continue;
      const t = now();
      const suspects = new Set(inFlight);
      for (const e of ended) if (t - e.at <= CRASH_SUSPECT_MS) suspects.add(e.i);
      seen.push({ evidence, suspects });
      if (m.fatal) stop.abort();
    }
  };
  const poller = monitors.length > 0 ? setInterval(pollMonitors, 50) : undefined;

  let finished = 0;
  const pool = async (indexes: number[], width: number) => {
    const order = indexes
      .map((i) => ({ i, ms: estimateCaseMs(cases[i]!, deadlineMs, options.markerDelayMs, holdMs) }))
      .sort((a, b) => b.ms - a.ms || a.i - b.i)
      .map((e) => e.i);
    let next = 0;
    const worker = async () => {
      while (next < order.length && !stop.signal.aborted) {
        const i = order[next++]!;
        const c = cases[i]!;
        inFlight.add(i);
        const r = await observe(c, windowOf(c));
        inFlight.delete(i);
        ended.push({ i, at: now() });
        if (r.status === "aborted") continue;
        const result: CaseResult = r.status === "done"
          ? { case: c, status: "done", observation: r.observation }
          : { case: c, status: "error", error: r.error };
        results[i] = result;
        finished++;
        if (monitors.length > 0) pollMonitors();
        options.onResult?.(result, finished, cases.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(width, order.length) }, worker));
  };

  try {
    const all = cases.map((_, i) => i);
    await Promise.all([
      pool(all.filter((i) => holds(cases[i]!)), holdConcurrency),
      pool(all.filter((i) => !holds(cases[i]!)), concurrency),
    ]);
    if (options.retry ?? true) await retryInconclusive();
    const crashes = monitors.length > 0 ? await pinCrashes() : [];
    const incomplete = results.some((r) => r.status === "not-run");
    return {
      results,
      wallMs: Math.round(now()),
      timedOut: timedOut && incomplete,
      aborted: options.signal?.aborted ?? false,
      crashes,
    };
  } finally {
    clearTimeout(total);
    if (poller !== undefined) clearInterval(poller);
    options.signal?.removeEventListener("abort", onOuterAbort);
  }

  async function retryInconclusive(): Promise<void> {
    const open = results.flatMap((r, i) =>
      r.status === "done" && r.observation.outcome === "timeout" && !holds(r.case) ? [i] : []
    );
    const again = async (i: number, windowMs: number) => {
      if (stop.signal.aborted) return;
      const c = cases[i]!;
      inFlight.add(i);
      const r = await observe(c, windowMs);
      inFlight.delete(i);
      ended.push({ i, at: now() });
      if (r.status === "done") {
        results[i] = { case: c, status: "done", observation: { ...r.observation, retried: true } };
      }
      if (monitors.length > 0) pollMonitors();
    };
    // Invalid input still open: wait for the target's header timeout, all at once.
    const invalid = open.filter((i) => cases[i]!.expect === "reject");
    const valid = open.filter((i) => cases[i]!.expect !== "reject").slice(0, MAX_RETRIES_ALONE);
    let next = 0;
    const holder = async () => {
      while (next < invalid.length) await again(invalid[next++]!, Math.max(holdMs, deadlineMs));
    };
    await Promise.all(Array.from({ length: Math.min(holdConcurrency, invalid.length) }, holder));
    // A valid header without a reply: again alone, so load is not the reason.
    for (const i of valid) await again(i, deadlineMs);
  }

  async function pinCrashes(): Promise<CrashReport[]> {
    // A supervisor logs a worker's death a moment after the connection died with it.
    await new Promise((resolve) => setTimeout(resolve, CRASH_SUSPECT_MS));
    pollMonitors();
    const reports: CrashReport[] = [];
    const fatal = monitors.some((m) => m.fatal);
    for (const s of seen) {
      let suspects = [...s.suspects].sort((a, b) => a - b);
      if (fatal) {
        // The process is gone and cannot run a suspect again: a case it served whole, or one
        // that could not even connect, did not kill it.
        const hurt = suspects.filter((i) => {
          const r = results[i]!;
          return r.status === "not-run" ||
            (r.status === "done" && r.observation.outcome !== "accepted");
        });
        if (hurt.length > 0) suspects = hurt;
      }
      let attributed: number | null = suspects.length === 1 ? suspects[0]! : null;
      if (attributed === null && !fatal && !stop.signal.aborted) {
        for (const i of suspects) {
          pollMonitors();
          const before = seen.length;
          const c = cases[i]!;
          await observe(c, windowOf(c));
          await new Promise((resolve) => setTimeout(resolve, CRASH_SETTLE_MS));
          pollMonitors();
          if (seen.length > before) {
            seen.length = before; // the same crash, reproduced: not a new one
            attributed = i;
            break;
          }
        }
      }
      if (attributed !== null) {
        const r = results[attributed]!;
        if (r.status === "done") {
          results[attributed] = { ...r, observation: { ...r.observation, crash: s.evidence } };
        } else {
          // The target died under it: the case did not finish, but the crash is its.
          results[attributed] = {
            case: r.case,
            status: "done",
            observation: { outcome: "reset", afterMs: 0, crash: s.evidence },
          };
        }
      }
      reports.push({
        evidence: s.evidence,
        suspects: suspects.map((i) => cases[i]!.name),
        attributedTo: attributed === null ? null : cases[attributed]!.name,
      });
    }
    return reports;
  }
}
