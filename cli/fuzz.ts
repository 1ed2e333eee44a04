/**
 * `ppcat fuzz TARGET`: sends the fuzz catalog (lib/fuzz/catalog.ts, plus
 * seeded random cases) to a PROXY protocol receiver, observes each reaction
 * (lib/fuzz/run.ts), judges it against the spec (lib/fuzz/verdict.ts) and
 * prints a table grouped by spec section, or JSON.
 *
 * @module
 */

import { toHex } from "../lib/_bytes.ts";
import { type FuzzCase, fuzzCatalog } from "../lib/fuzz/catalog.ts";
import { RANDOM_MAX_COUNT, randomCase, randomCases } from "../lib/fuzz/random.ts";
import {
  type CaseResult,
  DEFAULT_CONCURRENCY,
  DEFAULT_DEADLINE_MS,
  DEFAULT_TOTAL_TIMEOUT_MS,
  MAX_CONCURRENCY,
  type ObserveMode,
  probeTarget,
  runCases,
} from "../lib/fuzz/run.ts";
import {
  type FuzzResultJson,
  fuzzResultJson,
  HEADER_TIMEOUT_MIN_MS,
  type Observation,
  summarize,
  type Verdict,
} from "../lib/fuzz/verdict.ts";
import type { Target } from "../lib/transport.ts";
import { flagHelp, type FlagValues, optionsOf, parseCommandArgs } from "./args.ts";
import { ExitCode, reportUsage, usageError } from "./exit.ts";
import { quote } from "./format.ts";
import { colorOut, isTty, writeErr, writeOut } from "./io.ts";
import { bad, ok, type Parsed } from "./parsed.ts";
import { parseTarget, transportTarget } from "./target.ts";

const COMMAND = "fuzz";

/**
 * Exit status of `ppcat fuzz`: 0 no violation, 1 violations (with --strict
 * also lenient cases; also cases that could not run), 2 usage, 3 the target
 * is unreachable (checked once before the run).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FuzzExit } from "./fuzz.ts";
 * assert.equal(FuzzExit.UNREACHABLE, 3);
 * ```
 */
export const FuzzExit = {
  OK: ExitCode.OK,
  FINDINGS: ExitCode.FAILURE,
  USAGE: ExitCode.USAGE,
  UNREACHABLE: 3,
} as const;

const MODES: readonly ObserveMode[] = ["echo", "http", "banner", "none"];

/** Spec sections the catalog probes, in order, with their titles in the spec. */
const SECTIONS: Readonly<Record<string, string>> = {
  "2": "The PROXY protocol header",
  "2.1": "Human-readable header format (version 1)",
  "2.2": "Binary header format (version 2)",
  "2.2.1": "PP2_TYPE_ALPN",
  "2.2.2": "PP2_TYPE_AUTHORITY",
  "2.2.3": "PP2_TYPE_CRC32C",
  "2.2.4": "PP2_TYPE_NOOP",
  "2.2.5": "PP2_TYPE_UNIQUE_ID",
  "2.2.6": "The PP2_TYPE_SSL type and subtypes",
  "2.2.7": "The PP2_TYPE_NETNS type",
  "2.2.8": "Reserved type ranges",
};

const FLAGS = {
  expect: {
    type: "string",
    arg: "MODE",
    help: "how acceptance is seen: echo (default), http, banner or none",
  },
  json: { type: "boolean", help: "print one JSON object instead of the table" },
  case: {
    type: "string",
    multiple: true,
    arg: "NAME",
    help: "run only these cases (comma list; random-S-I rebuilds one)",
  },
  only: {
    type: "string",
    multiple: true,
    arg: "SECTION",
    help: "only cases of these sections, exactly (e.g. 2.1,2.2.3)",
  },
  versions: {
    type: "string",
    arg: "LIST",
    help: "header versions the target speaks: 1, 2 or 1,2 (default 1,2)",
  },
  random: { type: "string", arg: "N", help: "append N seeded random cases" },
  seed: { type: "string", arg: "S", help: "seed of the random cases (default: a random one)" },
  deadline: {
    type: "string",
    arg: "SECONDS",
    help: `per-case deadline from connecting (default ${DEFAULT_DEADLINE_MS / 1000})`,
  },
  concurrency: {
    type: "string",
    arg: "N",
    help: `cases (connections) in flight at once (default ${DEFAULT_CONCURRENCY}, ` +
      `at most ${MAX_CONCURRENCY})`,
  },
  "total-timeout": {
    type: "string",
    arg: "SECONDS",
    help: `stop the whole run after this long (default ${DEFAULT_TOTAL_TIMEOUT_MS / 1000})`,
  },
  strict: { type: "boolean", help: "exit 1 on lenient cases too" },
  list: { type: "boolean", help: "print the selected cases without connecting" },
  help: { type: "boolean", short: "h", help: "show this help" },
} as const;

const OPTIONS = optionsOf(FLAGS);

/** Help text for `ppcat fuzz`. */
export const HELP =
  `ppcat fuzz - send malformed and edge-case headers to a receiver, judge its reactions

USAGE
  ppcat fuzz TARGET [--expect echo|http|banner|none] [--json] [--strict]
             [--case NAME,…] [--only SECTION,…] [--versions 1,2]
             [--random N [--seed S]] [--deadline SECONDS] [--concurrency N]
             [--total-timeout SECONDS]
  ppcat fuzz --list [--json] [--case …] [--only …] [--versions …] [--random N --seed S]

  TARGET is HOST:PORT, [IPV6]:PORT, or a UNIX socket path (unix:PATH, or anything
  with a "/"), as for send and bench. It is checked once with a plain connect
  before the run.
  Each case opens one connection, sends its bytes as its delivery says (whole,
  fragmented, one byte at a time, truncated then held or half-closed), then
  watches the target: accepted, closed (FIN), reset (RST), still open at the
  deadline (timeout), or an error reply; and after how many ms.

ACCEPTANCE (--expect)
  echo    a marker written after the header comes back (ppcat listen, or a proxy
          in front of an echo backend); the bytes before the marker must come back
          unchanged, or the receiver mis-located the end of the header
  http    an HTTP request written after the header gets a response. 400, 405, 408,
          413, 414, 431, 501 and 505 say the request did not parse: error reply
          (a violation for a valid header); any other status is acceptance
  banner  the server speaks first (SMTP, FTP, SSH): its banner after the header is
          acceptance, a 4xx/5xx code line an error reply, and anything it sends
          before the header is complete a violation (§2 MUST NOT)
  none    nothing is sent after the header; still open 1 s after a complete
          header counts as accepted

  With every mode, bytes received before the header's last byte was sent mean
  the receiver started processing too early (a violation), unless the target
  closes within 250 ms (an error reply sent while closing).

FLAGS
${flagHelp(FLAGS)}
VERDICTS
  pass       the target did what the spec says
  violation  a MUST broken: accepted invalid input, refused a valid header, spoke
             before the header, altered the payload, never closed a partial header
  lenient    accepted what a SHOULD says to reject
  note       a choice the spec allows, or an inconclusive observation (e.g. still
             open at a deadline under 3 s)

  Each violation and lenient case prints the 'ppcat send' command that replays it.
  Cases that wait for the target's header timeout (held partial headers,
  slowloris) need --deadline above 3 s to be conclusive; they run concurrently,
  longest first.

EXAMPLES
  ppcat listen 127.0.0.1:4000 &  ppcat fuzz 127.0.0.1:4000
  ppcat fuzz 10.0.0.5:8443 --expect http --versions 2 --json > report.json
  ppcat fuzz mail.internal:25 --expect banner --only 2 --deadline 10
  ppcat fuzz 127.0.0.1:4000 --random 500 --seed 7
  ppcat fuzz 127.0.0.1:4000 --case random-7-123,v1-lone-lf
  ppcat fuzz --list --only 2.2.3

EXIT STATUS
  0  no violation (with --strict: no violation and no lenient case)
  1  violations (with --strict also lenient cases), or cases that could not run
     (connect failed mid-run, or --total-timeout stopped the run)
  2  usage error
  3  the target is unreachable (one line on stderr)
`;

// ---------------------------------------------------------------------------
// Parsing.

function seconds(flag: string, text: string | undefined, fallbackMs: number, maxS: number) {
  if (text === undefined) return ok(fallbackMs);
  if (!/^[0-9]{1,6}(\.[0-9]{1,3})?$/.test(text) || Number(text) <= 0 || Number(text) > maxS) {
    return bad<number>(
      `--${flag}: ${JSON.stringify(text)} is not a number of seconds in (0, ${maxS}]`,
    );
  }
  return ok(Math.round(Number(text) * 1000));
}

function integer(flag: string, text: string, min: number, max: number): Parsed<number> {
  if (!/^[0-9]{1,10}$/.test(text) || Number(text) < min || Number(text) > max) {
    return bad(`--${flag}: ${JSON.stringify(text)} is not an integer in [${min}, ${max}]`);
  }
  return ok(Number(text));
}

function list(values: readonly string[] | undefined): string[] | null {
  if (values === undefined) return null;
  return values.flatMap((v) => v.split(",")).map((v) => v.trim());
}

interface Settings {
  readonly target: Target | null;
  readonly targetText: string;
  readonly mode: ObserveMode;
  readonly json: boolean;
  readonly strict: boolean;
  readonly listOnly: boolean;
  readonly deadlineMs: number;
  readonly concurrency: number;
  readonly totalTimeoutMs: number;
  readonly seed: number | null;
  readonly cases: FuzzCase[];
}

function settings(values: FlagValues<typeof OPTIONS>, positionals: string[]): Parsed<Settings> {
  const listOnly = values.list ?? false;
  if (positionals.length > 1) return bad(`expected one TARGET, got ${positionals.length}`);
  const targetText = positionals[0] ?? "";
  let target: Target | null = null;
  if (positionals.length === 1) {
    const t = parseTarget(targetText);
    if (!t.ok) return t;
    target = transportTarget(t.value);
  } else if (!listOnly) {
    return bad("missing TARGET (HOST:PORT, [IPV6]:PORT or a UNIX socket path)");
  }

  const mode = (values.expect ?? "echo") as ObserveMode;
  if (!MODES.includes(mode)) {
    return bad(`--expect: ${JSON.stringify(values.expect)} is not one of ${MODES.join(", ")}`);
  }
  const deadline = seconds("deadline", values.deadline, DEFAULT_DEADLINE_MS, 3600);
  if (!deadline.ok) return deadline;
  const total = seconds("total-timeout", values["total-timeout"], DEFAULT_TOTAL_TIMEOUT_MS, 86400);
  if (!total.ok) return total;
  let concurrency = DEFAULT_CONCURRENCY;
  if (values.concurrency !== undefined) {
    const n = integer("concurrency", values.concurrency, 1, MAX_CONCURRENCY);
    if (!n.ok) return n;
    concurrency = n.value;
  }

  let versions: (1 | 2)[] = [1, 2];
  if (values.versions !== undefined) {
    const items = values.versions.split(",").map((v) => v.trim());
    if (items.some((v) => v !== "1" && v !== "2")) {
      return bad(`--versions: ${JSON.stringify(values.versions)} is not 1, 2 or 1,2`);
    }
    versions = items.map((v) => (v === "1" ? 1 : 2));
  }
  const sections = list(values.only);
  if (sections !== null) {
    const unknown = sections.find((s) => !Object.hasOwn(SECTIONS, s));
    if (unknown !== undefined) {
      return bad(
        `--only: unknown section ${JSON.stringify(unknown)} (one of ${
          Object.keys(SECTIONS).join(", ")
        })`,
      );
    }
  }

  let count = 0;
  let seed: number | null = null;
  if (values.random !== undefined) {
    const n = integer("random", values.random, 0, RANDOM_MAX_COUNT);
    if (!n.ok) return n;
    count = n.value;
  }
  if (values.seed !== undefined) {
    if (values.random === undefined) return bad("--seed needs --random N");
    const s = integer("seed", values.seed, 0, 0xffffffff);
    if (!s.ok) return s;
    seed = s.value;
  } else if (values.random !== undefined) {
    seed = crypto.getRandomValues(new Uint32Array(1))[0];
  }

  let cases: FuzzCase[];
  const names = list(values.case);
  if (names !== null) {
    cases = [];
    const seen = new Set<string>();
    const catalog = new Map(fuzzCatalog().map((c) => [c.name, c]));
    for (const name of names) {
      if (name === "") return bad("--case: empty case name");
      if (seen.has(name)) continue;
      seen.add(name);
      const c = catalog.get(name) ?? randomCase(name);
      if (c === undefined || c === null) {
        return bad(`--case: unknown case ${JSON.stringify(name)} (see ppcat fuzz --list)`);
      }
      cases.push(c);
    }
  } else {
    cases = fuzzCatalog();
  }
  if (seed !== null && count > 0) cases.push(...randomCases(count, seed));
  cases = cases.filter((c) =>
    (c.version === null || versions.includes(c.version)) &&
    (sections === null || sections.includes(c.section))
  );
  if (cases.length === 0) return bad("no case matches the selection (--case, --only, --versions)");

  return ok({
    target,
    targetText,
    mode,
    json: values.json ?? false,
    strict: values.strict ?? false,
    listOnly,
    deadlineMs: deadline.value,
    concurrency,
    totalTimeoutMs: total.value,
    seed,
    cases,
  });
}

// ---------------------------------------------------------------------------
// Output.

const ANSI = { bold: "1", red: "31", green: "32", yellow: "33", cyan: "36", dim: "2" } as const;

function painter(color: boolean) {
  return (styles: (keyof typeof ANSI)[], text: string) =>
    color ? `\x1b[${styles.map((s) => ANSI[s]).join(";")}m${text}\x1b[0m` : text;
}

function sectionOrder(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

function bySection<T extends { readonly case: FuzzCase }>(rows: readonly T[]): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const r of rows) {
    const g = groups.get(r.case.section);
    if (g === undefined) groups.set(r.case.section, [r]);
    else g.push(r);
  }
  return [...groups.entries()].sort(([a], [b]) => sectionOrder(a, b));
}

function sectionTitle(section: string, count: number): string {
  const title = SECTIONS[section] ?? "";
  return `§${section} ${title} (${plural(count, "case")})`;
}

/**
 * The observation in words, e.g. "closed after 3 ms", "still open after 5000 ms".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeObservation } from "./fuzz.ts";
 * assert.equal(describeObservation({ outcome: "reset", afterMs: 4 }), "reset after 4 ms");
 * assert.equal(
 *   describeObservation({ outcome: "accepted", afterMs: 2, spokeFirst: true }),
 *   "accepted after 2 ms, spoke before the header was complete",
 * );
 * ```
 */
export function describeObservation(o: Observation): string {
  const base = o.outcome === "timeout"
    ? `still open after ${o.afterMs} ms`
    : o.outcome === "error-reply"
    ? `error reply after ${o.afterMs} ms`
    : `${o.outcome} after ${o.afterMs} ms`;
  const extra: string[] = [];
  if (o.spokeFirst === true) extra.push("spoke before the header was complete");
  if (o.payloadIntact === false) extra.push("payload altered");
  return extra.length === 0 ? base : `${base}, ${extra.join(", ")}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

interface Judged {
  readonly case: FuzzCase;
  readonly result: CaseResult;
  readonly json: FuzzResultJson | null;
}

function judgeAll(results: readonly CaseResult[], targetText: string): Judged[] {
  return results.map((result) => {
    if (result.status !== "done") return { case: result.case, result, json: null };
    const json = fuzzResultJson(result.case, result.observation, targetText);
    const o = result.observation;
    if (o.spokeFirst !== undefined || o.payloadIntact !== undefined) {
      json.observed = {
        ...json.observed,
        ...(o.spokeFirst !== undefined ? { spokeFirst: o.spokeFirst } : {}),
        ...(o.payloadIntact !== undefined ? { payloadIntact: o.payloadIntact } : {}),
      } as FuzzResultJson["observed"];
    }
    return { case: result.case, result, json };
  });
}

function notRunReason(r: CaseResult): string {
  if (r.status === "error") return `could not connect: ${r.error.message}`;
  return "not run: the total timeout stopped the run first";
}

function printTable(s: Settings, judged: Judged[], wallMs: number): void {
  const paint = painter(colorOut());
  const width = Math.min(48, Math.max(...judged.map((j) => j.case.name.length)));
  const style: Record<Verdict, (keyof typeof ANSI)[]> = {
    pass: ["green"],
    violation: ["red", "bold"],
    lenient: ["yellow", "bold"],
    note: ["cyan"],
  };
  const indent = " ".repeat(2 + 10 + 1);
  let out = `ppcat fuzz ${s.targetText}: ${plural(judged.length, "case")}, ` +
    `expect ${s.mode}, deadline ${s.deadlineMs / 1000} s, concurrency ${s.concurrency}\n`;
  for (const [section, rows] of bySection(judged)) {
    out += `\n${paint(["bold"], sectionTitle(section, rows.length))}\n`;
    for (const j of rows) {
      const name = j.case.name.padEnd(width);
      const req = j.case.requirement.padEnd(6);
      if (j.json === null) {
        out += `  ${paint(["red"], "not run".padEnd(10))} ${name}  ${req}  ` +
          `${notRunReason(j.result)}\n`;
        continue;
      }
      const v = j.json.verdict;
      const label = v === "violation" || v === "lenient" ? v.toUpperCase() : v;
      const o = j.result.status === "done" ? describeObservation(j.result.observation) : "";
      out += `  ${paint(style[v], label.padEnd(10))} ${name}  ${req}  ${o}\n`;
      if (v !== "pass") out += `${indent}${paint(["dim"], j.json.reason)}\n`;
      if (v === "violation" || v === "lenient") out += `${indent}reproduce: ${j.json.reproduce}\n`;
    }
  }
  const done = judged.flatMap((j) => (j.json === null ? [] : [j.json]));
  const counts = summarize(done);
  const notRun = judged.length - done.length;
  const violations = `${counts.violation} violation`;
  out += `\nsummary: ${counts.pass} pass, ` +
    `${counts.violation > 0 ? paint(["red", "bold"], violations) : violations}, ` +
    `${counts.lenient} lenient, ${counts.note} note` +
    `${notRun > 0 ? `, ${notRun} not run` : ""}; ` +
    `${plural(judged.length, "case")} in ${formatSeconds(wallMs)}\n`;
  writeOut(out);
}

function printJson(s: Settings, judged: Judged[], wallMs: number): void {
  const done = judged.flatMap((j) => (j.json === null ? [] : [j.json]));
  const report = {
    target: s.targetText,
    expect: s.mode,
    deadlineMs: s.deadlineMs,
    concurrency: s.concurrency,
    ...(s.seed !== null ? { seed: s.seed } : {}),
    wallMs,
    summary: summarize(done),
    cases: done,
    notRun: judged.flatMap((j) =>
      j.json === null ? [{ name: j.case.name, reason: notRunReason(j.result) }] : []
    ),
  };
  writeOut(`${JSON.stringify(report)}\n`);
}

function printList(s: Settings): void {
  if (s.json) {
    const cases = s.cases.map((c) => ({
      name: c.name,
      section: c.section,
      requirement: c.requirement,
      expect: c.expect,
      version: c.version,
      delivery: c.delivery.kind,
      description: c.description,
      rule: c.rule,
      hex: toHex(c.bytes),
      ...(c.afterHeader.length > 0 ? { afterHeaderHex: toHex(c.afterHeader) } : {}),
      ...(c.code !== undefined ? { code: c.code } : {}),
      ...(c.cve !== undefined ? { cve: c.cve } : {}),
    }));
    writeOut(`${JSON.stringify({ cases })}\n`);
    return;
  }
  const paint = painter(colorOut());
  const width = Math.min(48, Math.max(...s.cases.map((c) => c.name.length)));
  let out = "";
  for (const [section, rows] of bySection(s.cases.map((c) => ({ case: c })))) {
    out += `${out === "" ? "" : "\n"}${paint(["bold"], sectionTitle(section, rows.length))}\n`;
    for (const { case: c } of rows) {
      out += `  ${c.name.padEnd(width)}  ${c.requirement.padEnd(6)}  ${c.expect.padEnd(9)}  ` +
        `${c.description}\n`;
    }
  }
  out += `\n${plural(s.cases.length, "case")}\n`;
  writeOut(out);
}

// ---------------------------------------------------------------------------

/**
 * Runs `ppcat fuzz` with the arguments after the subcommand name; returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { run } from "./fuzz.ts";
 * import { memoryIo, setIo } from "./io.ts";
 * const mem = memoryIo();
 * const restore = setIo(mem);
 * const code = await run(["--list", "--json", "--case", "v1-lone-lf"]);
 * restore();
 * assert.equal(code, 0);
 * assert.equal(JSON.parse(mem.out()).cases[0].hex.slice(0, 10), "50524f5859");
 * ```
 */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(COMMAND, args, OPTIONS, true);
  if (!parsed.ok) return reportUsage(parsed.error);
  if (parsed.values.help) {
    writeOut(HELP);
    return ExitCode.OK;
  }
  const s = settings(parsed.values, parsed.positionals);
  if (!s.ok) return reportUsage(usageError(COMMAND, s.message));
  const cfg = s.value;
  if (cfg.seed !== null && parsed.values.seed === undefined) {
    writeErr(`ppcat ${COMMAND}: random seed ${cfg.seed} (rerun with --seed ${cfg.seed})\n`);
  }
  if (cfg.listOnly) {
    printList(cfg);
    return ExitCode.OK;
  }
  const target = cfg.target!;
  const probe = await probeTarget(target, cfg.deadlineMs);
  if (probe !== null) {
    writeErr(`ppcat ${COMMAND}: cannot reach ${quote(cfg.targetText)}: ${probe.message}\n`);
    return FuzzExit.UNREACHABLE;
  }
  if (cfg.deadlineMs < HEADER_TIMEOUT_MIN_MS && cfg.cases.some((c) => c.expect === "timeout")) {
    writeErr(
      `ppcat ${COMMAND}: a deadline under ${HEADER_TIMEOUT_MIN_MS / 1000} s cannot see a ` +
        "header timeout: partial headers still open at the deadline are notes, not violations\n",
    );
  }
  const progress = isTty(2) && !cfg.json;
  const fuzzRun = await runCases(cfg.cases, {
    target,
    mode: cfg.mode,
    deadlineMs: cfg.deadlineMs,
    concurrency: cfg.concurrency,
    totalTimeoutMs: cfg.totalTimeoutMs,
    onResult: progress ? (_r, n, total) => writeErr(`\r${n}/${total} cases`) : undefined,
  });
  if (progress) writeErr("\r\x1b[K");
  const judged = judgeAll(fuzzRun.results, cfg.targetText);
  if (cfg.json) printJson(cfg, judged, fuzzRun.wallMs);
  else printTable(cfg, judged, fuzzRun.wallMs);

  const done = judged.flatMap((j) => (j.json === null ? [] : [j.json]));
  const counts = summarize(done);
  const notRun = judged.length - done.length;
  if (fuzzRun.timedOut) {
    writeErr(
      `ppcat ${COMMAND}: the total timeout of ${cfg.totalTimeoutMs / 1000} s stopped the run: ` +
        `${plural(notRun, "case")} not run\n`,
    );
  } else if (notRun > 0) {
    writeErr(`ppcat ${COMMAND}: ${plural(notRun, "case")} could not connect\n`);
  }
  const failed = counts.violation > 0 || (cfg.strict && counts.lenient > 0) || notRun > 0;
  return failed ? FuzzExit.FINDINGS : FuzzExit.OK;
}
