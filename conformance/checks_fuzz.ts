/**
 * Part 3 of the suite: the whole fuzz catalog (lib/fuzz/catalog.ts) against
 * ppcat's own receiver, haproxy (`accept-proxy`, http), nginx stream and
 * nginx http, run by lib/fuzz/run.ts and judged by lib/fuzz/verdict.ts.
 * The matrix gets one row per spec rule the catalog probes; every case's
 * verdict goes to the JSON and the report's detail table.
 *
 * ppcat's column must be `pass` or `note` throughout (the catalog's
 * expectations come from ppcat's own decoder): anything else means ppcat
 * disagrees with itself. The real servers' verdicts are findings.
 *
 * @module
 */

import { type FuzzCase, fuzzCatalog } from "../lib/fuzz/catalog.ts";
import { type CaseResult, type ObserveMode, runCases } from "../lib/fuzz/run.ts";
import { judge, type Observation, type Verdict } from "../lib/fuzz/verdict.ts";
import { reproduceCommand } from "../lib/fuzz/reproduce.ts";
import {
  type Cell,
  type Column,
  Group,
  type GroupResult,
  PPCAT_COLUMN,
  type Row,
  Status,
} from "./model.ts";

/** One fuzz target: a matrix column, where it listens, and how acceptance shows. */
export interface FuzzTarget {
  readonly column: Column;
  readonly hostname: string;
  readonly port: number;
  readonly mode: ObserveMode;
}

/** Per-case deadline: above the 4 s header timeouts the templates set (and §2's 3 s minimum). */
export const FUZZ_DEADLINE_MS = 6000;
/** Cases in flight per target. */
export const FUZZ_CONCURRENCY = 48;
/** The whole part stops after this long. */
export const FUZZ_TOTAL_MS = 90_000;

/** One case's verdict for one target: the case, what was observed (when it ran), and why. */
export interface FuzzVerdict
  extends
    Pick<FuzzCase, "name" | "section" | "requirement">,
    Partial<Pick<Observation, "outcome" | "afterMs">> {
  /** pass, violation, lenient, note; or error / not-run when the case did not run. */
  readonly verdict: Verdict | "error" | "not-run";
  readonly reason: string;
}

function verdictOf(r: CaseResult): FuzzVerdict {
  const base = { name: r.case.name, section: r.case.section, requirement: r.case.requirement };
  if (r.status === "error") {
    return { ...base, verdict: "error", reason: `could not connect: ${r.error.message}` };
  }
  if (r.status === "not-run") {
    return { ...base, verdict: "not-run", reason: "the run's time limit came first" };
  }
  const j = judge(r.case, r.observation);
  return {
    ...base,
    verdict: j.verdict,
    outcome: r.observation.outcome,
    afterMs: r.observation.afterMs,
    reason: j.reason,
  };
}

const RANK: Readonly<Record<FuzzVerdict["verdict"], number>> = {
  pass: 0,
  note: 1,
  lenient: 2,
  violation: 3,
  "not-run": 4,
  error: 4,
};

function shortRule(rule: string): string {
  const text = rule.replace(/\s+/g, " ").trim();
  return text.length > 110 ? `${text.slice(0, 107)}...` : text;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 48);
}

/** The cell of one column for the cases of one rule. */
export function ruleCell(column: Column, verdicts: readonly FuzzVerdict[]): Cell {
  const counts = new Map<string, number>();
  let worst: FuzzVerdict["verdict"] = "pass";
  for (const v of verdicts) {
    counts.set(v.verdict, (counts.get(v.verdict) ?? 0) + 1);
    if (RANK[v.verdict] > RANK[worst]) worst = v.verdict;
  }
  const summary = [...counts.entries()].map(([k, n]) => `${n} ${k}`).join(", ");
  const flagged = verdicts.filter((v) => v.verdict !== "pass" && v.verdict !== "note");
  const named = flagged.slice(0, 3).map((v) => `${v.name} (${v.outcome ?? v.verdict})`);
  const more = flagged.length > 3 ? ` and ${flagged.length - 3} more` : "";
  const observed = named.length > 0 ? `${summary}: ${named.join(", ")}${more}` : summary;
  let status: Cell["status"];
  if (worst === "error" || worst === "not-run") status = Status.FAIL;
  else if (column === PPCAT_COLUMN) {
    // The catalog's expectations are ppcat's own decoder: ppcat must not be judged worse than a note.
    status = worst === "pass" ? Status.PASS : worst === "note" ? Status.NOTE : Status.FAIL;
  } else status = worst;
  return { status, observed };
}

/**
 * A `ppcat send` command that replays one case by hand (lib/fuzz's
 * replay line, with the mode's probe), against `target`; `$PORT` stays a
 * shell variable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase } from "../lib/fuzz/catalog.ts";
 * import { sendCommand } from "./checks_fuzz.ts";
 * const c = catalogCase("v1-port-65536");
 * assert.ok(c !== undefined);
 * assert.match(
 *   sendCommand(c, "127.0.0.1:$PORT", "http"),
 *   /^ppcat send 127\.0\.0\.1:\$PORT --header-hex 50524f5859[0-9a-f]* --data 'GET \/ /,
 * );
 * ```
 */
export function sendCommand(c: FuzzCase, target: string, mode: ObserveMode): string {
  const placeholder = "127.0.0.1:1";
  const line = reproduceCommand(c, target.endsWith(":$PORT") ? placeholder : target, {
    mode,
    httpHost: "conformance.ppcat.test",
  });
  return target.endsWith(":$PORT") ? line.replace(placeholder, target) : line;
}

/** The longest replay line a report shows. */
const MAX_REPLAY = 400;

/** Runs part 3 against every target at once. */
export async function fuzzChecks(
  targets: readonly FuzzTarget[],
  log: (line: string) => void,
  cases: readonly FuzzCase[] = fuzzCatalog(),
): Promise<GroupResult> {
  const started = performance.now();
  const runs = await Promise.all(targets.map(async (t) => {
    const run = await runCases(cases, {
      target: { hostname: t.hostname, port: t.port },
      mode: t.mode,
      deadlineMs: FUZZ_DEADLINE_MS,
      concurrency: FUZZ_CONCURRENCY,
      totalTimeoutMs: FUZZ_TOTAL_MS,
      httpHost: "conformance.ppcat.test",
    });
    log(`  fuzz ${t.column}: ${run.results.length} cases in ${run.wallMs} ms`);
    return { column: t.column, verdicts: run.results.map(verdictOf) };
  }));
  const byColumn = new Map(runs.map((r) => [r.column, r.verdicts]));
  // One row per spec rule, in catalog order.
  const rules: string[] = [];
  for (const c of cases) if (!rules.includes(c.rule)) rules.push(c.rule);
  const rows: Row[] = rules.map((rule) => {
    const indexes = cases.flatMap((c, i) => (c.rule === rule ? [i] : []));
    const first = cases[indexes[0] ?? 0] as FuzzCase;
    const cells: Record<Column, Cell> = {};
    const reproduce: Record<Column, string> = {};
    const details: Record<string, FuzzVerdict[]> = {};
    for (const [column, verdicts] of byColumn) {
      const mine = indexes.flatMap((i) => verdicts[i] ?? []);
      cells[column] = ruleCell(column, mine);
      details[column] = mine;
      const t = targets.find((x) => x.column === column);
      const flagged = mine.filter((v) => v.verdict !== "pass");
      const names = (flagged.length > 0 ? flagged : mine).map((v) => v.name).join(",");
      const mode = t?.mode ?? "http";
      const fuzz = column === PPCAT_COLUMN
        ? `ppcat listen 127.0.0.1:9000 & ppcat fuzz 127.0.0.1:9000 --case ${names}`
        : `ppcat fuzz 127.0.0.1:$PORT --expect ${mode} --case ${names}`;
      const first = cases.find((c) => c.name === flagged[0]?.name);
      const send = first === undefined
        ? ""
        : sendCommand(first, column === PPCAT_COLUMN ? "127.0.0.1:9000" : "127.0.0.1:$PORT", mode);
      // A replay line of kilobytes helps nobody in a report: `ppcat fuzz --json` prints it.
      reproduce[column] = send === "" || send.length > MAX_REPLAY
        ? fuzz
        : `${fuzz}\n# by hand, ${first?.name}:\n${send}`;
    }
    return {
      id: `fuzz.${first.section}.${slug(rule)}`,
      group: Group.FUZZ,
      title: `${first.requirement}: ${shortRule(rule)} (${indexes.length} case` +
        `${indexes.length === 1 ? "" : "s"})`,
      section: first.section,
      cells,
      expected: indexes.map((i) => {
        const c = cases[i] as FuzzCase;
        return { name: c.name, expect: c.expect };
      }),
      observed: details,
      reproduce,
    };
  });
  log(
    `  fuzz: ${cases.length} cases × ${targets.length} targets in ` +
      `${Math.round(performance.now() - started)} ms`,
  );
  return { group: Group.FUZZ, rows, skipped: [] };
}
