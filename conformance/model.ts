/**
 * The conformance matrix as data: groups of rows (checks or spec rules), one
 * cell per column (ppcat, haproxy, nginx stream, nginx http), each with a
 * status and the observed reaction; and the rule that turns compared fields
 * into a cell.
 *
 * @module
 */

import { isDeepStrictEqual } from "node:util";
import type { Requirement } from "../lib/fuzz/case.ts";
import { Verdict } from "../lib/fuzz/verdict.ts";

/**
 * What a cell says:
 * - `pass`: as the spec says (and, for ppcat, as expected);
 * - `violation`: a real server breaks a MUST (a finding, not a suite failure);
 * - `lenient`: a real server departs from a SHOULD, or accepts what a SHOULD says to refuse;
 * - `note`: a choice the spec leaves open, or an inconclusive observation;
 * - `fail`: ppcat disagrees with itself, or a sender→receiver / send→receiver
 *   check does not match and is not a known deviation: the suite fails;
 * - `skip`: not run (the peer or tool is missing, or the check does not apply here).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Status } from "./model.ts";
 * assert.equal(Status.LENIENT, "lenient");
 * ```
 */
export const Status = { ...Verdict, FAIL: "fail", SKIP: "skip" } as const;
/** One of the {@linkcode Status} values. */
export type Status = typeof Status[keyof typeof Status];

/**
 * The id of ppcat's own column, the one column every run has. The peers name
 * theirs (conformance/peers/): the peer's name ("apache2"), or one id per
 * part ("nginx-stream", "nginx-http").
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PPCAT_COLUMN } from "./model.ts";
 * assert.equal(PPCAT_COLUMN, "ppcat");
 * ```
 */
export const PPCAT_COLUMN = "ppcat";
/** A column id: ppcat, or one of a peer's columns (e.g. "apache2", "nginx-http"). */
export type Column = string;

/**
 * The suite's parts, in report order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Group } from "./model.ts";
 * assert.equal(Group.WIRESHARK, "wireshark");
 * ```
 */
export const Group = {
  SENDERS: "senders",
  RECEIVERS: "receivers",
  FUZZ: "fuzz",
  WIRESHARK: "wireshark",
} as const;
/** One of the {@linkcode Group} values. */
export type Group = typeof Group[keyof typeof Group];

/** One cell: a status and what was observed, in one line. */
export interface Cell {
  /** The verdict. */
  readonly status: Status;
  /** The observed reaction, one line. */
  readonly observed: string;
}

/** One row of the matrix. */
export interface Row {
  /** Stable id, e.g. "senders.haproxy.send-proxy-v2.ipv4". */
  readonly id: string;
  /** Which part of the suite. */
  readonly group: Group;
  /** What is checked, for humans. */
  readonly title: string;
  /** The spec section that decides, e.g. "2.2.6". */
  readonly section: string;
  /** The cells that apply; a missing column is "not applicable". */
  readonly cells: Readonly<Record<Column, Cell>>;
  /** What was expected, field by field (JSON output). */
  readonly expected?: unknown;
  /** What was observed, field by field, raw bytes in hex (JSON output). */
  readonly observed?: unknown;
  /** Per column, a shell command that replays the check by hand. */
  readonly reproduce?: Readonly<Record<Column, string>>;
}

/** A part of the suite and its rows, or why it did not run. */
export interface GroupResult {
  /** Which part. */
  readonly group: Group;
  /** Its rows (empty when skipped). */
  readonly rows: Row[];
  /** Why the part, or some of its rows, did not run. */
  readonly skipped: string[];
  /** Observations about the tools or peers that belong to no cell. */
  readonly notes?: string[];
}

/** How strongly the spec words what a compared field must be: the fuzz cases' levels. */
export type Level = Requirement;

/** One compared field. */
export interface FieldCheck {
  /** The field's name in messages, e.g. "source port". */
  readonly field: string;
  /** What the spec (and the setup) makes it. */
  readonly expected: unknown;
  /** What was seen. */
  readonly observed: unknown;
  /** MUST mismatches fail the suite (unless known); SHOULD ones are lenient; MAY ones notes. */
  readonly level: Level;
}

/** A documented deviation of a real server: its mismatch is a finding, not a failure. */
export interface KnownDeviation {
  /** The row's id. */
  readonly row: string;
  /** The column. */
  readonly column: Column;
  /** The field that differs. */
  readonly field: string;
  /** Why, citing the spec. */
  readonly reason: string;
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/**
 * Turns compared fields into a cell of `column` for row `row`: `pass` with
 * `passText` when all match; else the worst mismatch decides: MUST → `fail`
 * (or `violation` when `known` lists it), SHOULD → `lenient`, MAY → `note`.
 * The observed text names each mismatching field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { judgeFields } from "./model.ts";
 * const ok = judgeFields("r", "haproxy", [
 *   { field: "port", expected: 1, observed: 1, level: "MUST" },
 * ], "reported as sent");
 * assert.deepEqual(ok, { status: "pass", observed: "reported as sent" });
 * const bad = judgeFields("r", "haproxy", [
 *   { field: "port", expected: 1, observed: 2, level: "MUST" },
 *   { field: "cn", expected: "a", observed: undefined, level: "SHOULD" },
 * ], "x");
 * assert.equal(bad.status, "fail");
 * assert.equal(bad.observed, 'port: expected 1, got 2; cn: expected "a", got nothing');
 * const known = judgeFields("r", "haproxy", [
 *   { field: "port", expected: 1, observed: 2, level: "MUST" },
 * ], "x", [{ row: "r", column: "haproxy", field: "port", reason: "documented" }]);
 * assert.equal(known.status, "violation");
 * ```
 */
export function judgeFields(
  row: string,
  column: Column,
  checks: readonly FieldCheck[],
  passText: string,
  known: readonly KnownDeviation[] = [],
): Cell {
  const rank: Record<Status, number> = {
    pass: 0,
    skip: 0,
    note: 1,
    lenient: 2,
    violation: 3,
    fail: 4,
  };
  let status: Status = Status.PASS;
  const why: string[] = [];
  for (const c of checks) {
    if (isDeepStrictEqual(c.expected, c.observed)) continue;
    let s: Status = c.level === "MUST" ? "fail" : c.level === "SHOULD" ? "lenient" : "note";
    const k = known.find((d) => d.row === row && d.column === column && d.field === c.field);
    if (s === "fail" && k !== undefined) s = "violation";
    if (rank[s] > rank[status]) status = s;
    why.push(
      `${c.field}: expected ${show(c.expected)}, got ${show(c.observed)}` +
        (k !== undefined ? ` (known: ${k.reason})` : ""),
    );
  }
  return status === "pass" ? { status, observed: passText } : { status, observed: why.join("; ") };
}

/**
 * A cell for something that did not happen at all (refused, timed out,
 * missing): `fail` unless `known` lists `field` for this row and column.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { missingCell } from "./model.ts";
 * assert.deepEqual(missingCell("r", "ppcat", "header", "timed out"), {
 *   status: "fail",
 *   observed: "timed out",
 * });
 * ```
 */
export function missingCell(
  row: string,
  column: Column,
  field: string,
  observed: string,
  known: readonly KnownDeviation[] = [],
): Cell {
  const k = known.find((d) => d.row === row && d.column === column && d.field === field);
  return k === undefined
    ? { status: Status.FAIL, observed }
    : { status: Status.VIOLATION, observed: `${observed} (known: ${k.reason})` };
}

/** A row's cell in `column`, if it has one. */
export function cellOf(row: Row, column: Column): Cell | undefined {
  return row.cells[column];
}

/** The whole run. */
export interface SuiteResult {
  /** ppcat's version. */
  readonly ppcat: string;
  /** "deno 2.x" or "bun 1.x". */
  readonly runtime: string;
  /** When the run started (ISO 8601). */
  readonly startedAt: string;
  /** How long it took. */
  readonly durationMs: number;
  /** The peers used: path and version, or why missing. */
  readonly peers: Readonly<
    Record<string, { path: string; version: string } | { missing: string }>
  >;
  /** Column labels, e.g. {"haproxy": "haproxy 2.6"}. */
  readonly columns: Readonly<Record<Column, string>>;
  /** The columns in matrix order: ppcat first, then each peer's. */
  readonly columnOrder: readonly Column[];
  /** The parts, in order. */
  readonly groups: readonly GroupResult[];
  /** Problems that stopped part of the run (a peer that would not start, …). */
  readonly errors: readonly string[];
}

/** One ppcat failure or one finding about a real server, for summaries. */
export interface Flagged {
  /** The row's id. */
  readonly row: string;
  /** The row's title. */
  readonly title: string;
  /** The column. */
  readonly column: Column;
  /** The cell. */
  readonly cell: Cell;
}

/**
 * The failing cells (status `fail`) of a run: any makes the suite fail.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { failures } from "./model.ts";
 * const groups = [{
 *   group: "senders" as const,
 *   skipped: [],
 *   rows: [{
 *     id: "a", group: "senders" as const, title: "A", section: "2.1",
 *     cells: { ppcat: { status: "fail" as const, observed: "x" } },
 *   }],
 * }];
 * assert.equal(failures(groups).length, 1);
 * ```
 */
export function failures(groups: readonly GroupResult[]): Flagged[] {
  return flagged(groups, (s) => s === Status.FAIL);
}

/** The findings of a run: real servers' cells that are `violation`, `lenient` or `note`. */
export function findings(groups: readonly GroupResult[]): Flagged[] {
  return flagged(
    groups,
    (s, c) => c !== PPCAT_COLUMN && (s === "violation" || s === "lenient" || s === "note"),
  );
}

function flagged(
  groups: readonly GroupResult[],
  keep: (s: Status, c: Column) => boolean,
): Flagged[] {
  const out: Flagged[] = [];
  for (const g of groups) {
    for (const r of g.rows) {
      for (const [column, cell] of Object.entries(r.cells)) {
        if (cell !== undefined && keep(cell.status, column)) {
          out.push({ row: r.id, title: r.title, column, cell });
        }
      }
    }
  }
  return out;
}

/** Whether the run passed: no failing cell and no error. */
export function suitePassed(result: SuiteResult): boolean {
  return result.errors.length === 0 && failures(result.groups).length === 0;
}
