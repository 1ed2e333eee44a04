/**
 * `ppcat fuzz TARGET`: sends the fuzz catalog (lib/fuzz/catalog.ts, plus
 * seeded random cases) to a PROXY protocol receiver, observes each reaction
 * (lib/fuzz/run.ts), judges it against the spec (lib/fuzz/verdict.ts) and
 * prints a table grouped by spec section, or JSON.
 *
 * @module
 */

import { toHex } from "../lib/_bytes.ts";
import {
  type CaseResult,
  catalogCase,
  type CrashMonitor,
  type CrashReport,
  DEFAULT_CONCURRENCY,
  DEFAULT_CRASH_PATTERN,
  DEFAULT_DEADLINE_MS,
  DEFAULT_HOLD_MS,
  DEFAULT_TOTAL_TIMEOUT_MS,
  type FuzzCase,
  fuzzCatalog,
  type FuzzResultJson,
  fuzzResultJson,
  type FuzzRun,
  logMonitor,
  MAX_CONCURRENCY,
  type Observation,
  observeCase,
  ObserveMode,
  pidMonitor,
  probeTarget,
  RANDOM_MAX_COUNT,
  randomCase,
  randomCases,
  runCases,
  type SizeLimit,
  sizeLimitOf,
  summarize,
  type Verdict,
} from "../lib/fuzz/mod.ts";
import { MIN_HEADER_TIMEOUT_MS, type Target } from "../lib/transport.ts";
import {
  commonFlags,
  flag,
  flagHelp,
  type FlagValues,
  optionsOf,
  parseCommand,
  suggest,
  type Verbosity,
} from "./args.ts";
import { ExitCode, reportParse, reportUsage } from "./exit.ts";
import { quote } from "./format.ts";
import { colorOut, isTty, writeErr, writeOut } from "./io.ts";
import { processStopSignal } from "./listen_signal.ts";
import { bad, type CommandParse, ok, type Parsed } from "./parsed.ts";
import { joinHostPort, oneTarget, transportTarget } from "./target.ts";
import { parseChoice, parseDuration, parseInteger, parseVersions } from "./values.ts";

const COMMAND = "fuzz";

/**
 * Exit status of `ppcat fuzz`: 0 no violation, 1 violations (with --strict
 * also lenient cases; also crashes, a service lost, cases that could not
 * run), 2 usage, 3 the target is unreachable (checked once before the run),
 * 130 stopped by Ctrl-C (the cases done so far are printed).
 */
export const FuzzExit = {
  OK: ExitCode.OK,
  FINDINGS: ExitCode.FAILURE,
  USAGE: ExitCode.USAGE,
  UNREACHABLE: 3,
  INTERRUPTED: 130,
} as const;

const MODES: readonly ObserveMode[] = Object.values(ObserveMode);

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
  expect: flag.string(
    "MODE",
    "how acceptance is seen: echo (default), http, smtp, imap, pop3, banner or none",
  ),
  json: flag.boolean("print one JSON object instead of the table"),
  case: flag.string("NAME", "run only these cases (comma list; random-S-I rebuilds one)", {
    multiple: true,
  }),
  only: flag.string("SECTION", "only cases of these sections, exactly (e.g. 2.1,2.2.3)", {
    multiple: true,
  }),
  versions: flag.string("LIST", "header versions the target speaks: 1, 2 or 1,2 (default 1,2)"),
  random: flag.string("N", "append N seeded random cases"),
  seed: flag.string("S", "seed of the random cases (default: a random one)"),
  deadline: flag.string(
    "TIME",
    `window of a case that gets an answer, from connecting, as nc -w (default ${
      DEFAULT_DEADLINE_MS / 1000
    }s)`,
    { short: "w" },
  ),
  hold: flag.string(
    "TIME",
    `window of held partial headers, silence, slowloris (default ${DEFAULT_HOLD_MS / 1000})`,
  ),
  "watch-log": flag.string(
    "FILE",
    "follow the receiver's log: a crash line marks the case that caused it",
  ),
  "crash-pattern": flag.string(
    "REGEX",
    "a crash line in --watch-log (default: panic, segfault, killed with signal...)",
  ),
  "watch-pid": flag.string("PID", "the receiver's process must be alive after each case"),
  concurrency: flag.string(
    "N",
    `cases (connections) in flight at once, held cases aside (default ${DEFAULT_CONCURRENCY}, ` +
      `at most ${MAX_CONCURRENCY})`,
  ),
  "total-timeout": flag.string(
    "TIME",
    `stop the whole run after this long (default ${DEFAULT_TOTAL_TIMEOUT_MS / 1000})`,
  ),
  strict: flag.boolean("exit 1 on lenient cases too"),
  list: flag.boolean("print the selected cases without connecting"),
  ...commonFlags(
    "stderr: one line per case as it completes",
    "stderr: errors only (no seed, warning or progress lines)",
  ),
} as const;

const OPTIONS = optionsOf(FLAGS);

/** Help text for `ppcat fuzz`. */
export const HELP =
  `ppcat fuzz - send malformed and edge-case headers to a receiver, judge its reactions

USAGE
  ppcat fuzz TARGET [--expect echo|http|smtp|imap|pop3|banner|none] [--json]
             [--strict] [--case NAME,…] [--only SECTION,…] [--versions 1,2]
             [--random N [--seed S]] [-w|--deadline TIME] [--hold TIME]
             [--concurrency N] [--total-timeout TIME]
             [--watch-log FILE [--crash-pattern REGEX]] [--watch-pid PID] [-v|-q]
  ppcat fuzz --list [--json] [--case …] [--only …] [--versions …] [--random N --seed S]

  TARGET is HOST:PORT, [IPV6]:PORT, HOST PORT, or a UNIX socket path (unix:PATH,
  or anything with a "/"), as for send and bench. It is checked once with a plain
  connect before the run. TIME is 10, 1.5, 500ms or 2m (a bare number is seconds).
  Each case opens one connection, sends its bytes as its delivery says (whole,
  fragmented, one byte at a time, truncated then held or half-closed), then
  watches the target: accepted, closed (FIN), reset (RST), still open at the end
  of the case's window (timeout), or an error reply; and after how many ms.

ACCEPTANCE (--expect)
  echo    a marker written after the header comes back (ppcat listen, or a proxy
          in front of an echo backend); the bytes before the marker must come back
          unchanged, or the receiver mis-located the end of the header
  http    an HTTP request written after the header gets a response. 400, 405, 408,
          413, 414, 431, 501 and 505 say the request did not parse: error reply;
          any other status is acceptance
  smtp    a 220 greeting after the header, then EHLO answered by 250; a 4xx/5xx
          greeting or reply is a refusal
  imap    a "* OK" greeting, then "a1 CAPABILITY" answered by "a1 OK"; "* BYE",
          "* NO", "* BAD" or a tagged NO/BAD is a refusal
  pop3    a "+OK" greeting; "-ERR" is a refusal
  banner  any server that speaks first (FTP, SSH): its banner after the header is
          acceptance, a 4xx/5xx code line an error reply
  none    nothing is sent after the header; still open 1 s after a complete
          header counts as accepted

  With every mode, bytes received before the header's last byte was sent mean
  the receiver started processing too early (a violation), unless they are the
  protocol's refusal or the target closes within 250 ms (an error reply).

TIME
  §2 gives a floor (a header timeout of at least 3 s), not a ceiling. Cases that
  wait for the target to give up (held partial headers, silence, slowloris) get
  --hold (default ${DEFAULT_HOLD_MS / 1000} s, clear of the 5 s many servers use) and
  all wait at once beside the other cases. Closing at 3 s or later passes, with
  the time; earlier is lenient; still open when the window ends is lenient and
  says so ("still open after 12 s"). A valid header with no reply within
  --deadline is inconclusive (a note) and runs once more, alone.

CRASHES
  A receiver process that aborts looks like a reset. --watch-log follows its log:
  a new line matching --crash-pattern (default: panic, assertion failed,
  segfault, killed with signal, fatal, core dumped) marks the case that caused it
  as a crash, a violation; suspects run again one at a time to find it.
  --watch-pid PID: the process must be alive after each case. Without monitors, a
  valid header must still get service after the run when cases were reset; a
  supervised worker that is restarted at once needs --watch-log.

FLAGS
${flagHelp(FLAGS)}
VERDICTS
  Each case has the level of the spec sentence it probes; one rule turns a
  failure into a verdict: MUST gives violation, SHOULD lenient, MAY note.
  pass       the target did what the spec says
  violation  a MUST broken: accepted invalid input, refused a valid header, spoke
             before the header, altered the payload; or crashed
  lenient    a SHOULD not followed (including header-timeout timing)
  note       a choice the spec allows, or an inconclusive observation

  A size ladder of plain valid headers (107 to 65551 bytes) states the largest
  header the receiver accepts; a larger valid case refused is then a note.
  Each violation and lenient case prints the 'ppcat send' command that replays
  it, with the probe that decided it.

EXAMPLES
  ppcat listen 127.0.0.1:4000 &  ppcat fuzz 127.0.0.1:4000
  ppcat fuzz 10.0.0.5:8443 --expect http --versions 2 --json > report.json
  ppcat fuzz 127.0.0.1:2525 --expect smtp --watch-log /var/log/mail.log
  ppcat fuzz 127.0.0.1:8080 --expect http --watch-pid "$(pidof mydaemon)"
  ppcat fuzz 127.0.0.1:4000 --random 500 --seed 7
  ppcat fuzz 127.0.0.1:4000 --case random-7-123,v1-lone-lf
  ppcat fuzz --list --only 2.2.3

EXIT STATUS
  0    no violation (with --strict: no violation and no lenient case)
  1    violations (with --strict also lenient cases), a crash, service lost
       after the run, or cases that could not run (connect failed mid-run, or
       --total-timeout stopped the run)
  2    usage error
  3    the target is unreachable (one line on stderr)
  130  stopped by Ctrl-C: the cases done so far are printed
`;

// ---------------------------------------------------------------------------
// Parsing.

function list(values: readonly string[] | undefined): string[] | null {
  if (values === undefined) return null;
  return values.flatMap((v) => v.split(",")).map((v) => v.trim());
}

/** What `ppcat fuzz` was asked to do, checked, with the cases selected. */
export interface Settings {
  readonly target: Target | null;
  readonly targetText: string;
  readonly mode: ObserveMode;
  readonly json: boolean;
  readonly strict: boolean;
  readonly listOnly: boolean;
  readonly deadlineMs: number;
  readonly holdMs: number;
  readonly concurrency: number;
  readonly totalTimeoutMs: number;
  readonly seed: number | null;
  readonly cases: FuzzCase[];
  readonly versions: readonly (1 | 2)[];
  readonly watchLog: string | null;
  readonly crashPattern: RegExp;
  readonly watchPid: number | null;
  readonly verbosity: Verbosity;
  /** The seed was chosen here (no --seed): say which, so the run can be repeated. */
  readonly seedChosen: boolean;
}

function settings(
  values: FlagValues<typeof OPTIONS>,
  positionals: string[],
  verbosity: Verbosity,
): Parsed<Settings> {
  const listOnly = values.list ?? false;
  const targetText = joinHostPort(positionals)[0] ?? "";
  let target: Target | null = null;
  if (positionals.length > 0 || !listOnly) {
    const t = oneTarget(positionals, "HOST:PORT, [IPV6]:PORT or a UNIX socket path");
    if (!t.ok) return t;
    target = transportTarget(t.value);
  }

  let mode: ObserveMode = "echo";
  if (values.expect !== undefined) {
    const m = parseChoice("expect", values.expect, MODES);
    if (!m.ok) return m;
    mode = m.value;
  }
  const time = (flag: string, text: string | undefined, fallbackMs: number, maxMs: number) =>
    text === undefined ? ok(fallbackMs) : parseDuration(flag, text, { min: 1, max: maxMs });
  const deadline = time("deadline", values.deadline, DEFAULT_DEADLINE_MS, 3_600_000);
  if (!deadline.ok) return deadline;
  const hold = time("hold", values.hold, DEFAULT_HOLD_MS, 3_600_000);
  if (!hold.ok) return hold;
  const total = time(
    "total-timeout",
    values["total-timeout"],
    DEFAULT_TOTAL_TIMEOUT_MS,
    86_400_000,
  );
  if (!total.ok) return total;
  let crashPattern = DEFAULT_CRASH_PATTERN;
  if (values["crash-pattern"] !== undefined) {
    if (values["watch-log"] === undefined) return bad("--crash-pattern needs --watch-log FILE");
    try {
      crashPattern = new RegExp(values["crash-pattern"], "i");
    } catch (e) {
      return bad(`--crash-pattern: not a regular expression: ${(e as Error).message}`);
    }
  }
  let watchPid: number | null = null;
  if (values["watch-pid"] !== undefined) {
    const n = parseInteger("watch-pid", values["watch-pid"], { min: 1, max: 0x7fffffff });
    if (!n.ok) return n;
    watchPid = n.value;
  }
  let concurrency = DEFAULT_CONCURRENCY;
  if (values.concurrency !== undefined) {
    const n = parseInteger("concurrency", values.concurrency, { min: 1, max: MAX_CONCURRENCY });
    if (!n.ok) return n;
    concurrency = n.value;
  }

  let versions: (1 | 2)[] = [1, 2];
  if (values.versions !== undefined) {
    const v = parseVersions("versions", values.versions);
    if (!v.ok) return v;
    versions = v.value;
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
    const n = parseInteger("random", values.random, { max: RANDOM_MAX_COUNT });
    if (!n.ok) return n;
    count = n.value;
  }
  if (values.seed !== undefined) {
    if (values.random === undefined) return bad("--seed needs --random N");
    const s = parseInteger("seed", values.seed, { max: 0xffffffff });
    if (!s.ok) return s;
    seed = s.value;
  } else if (values.random !== undefined) {
    seed = crypto.getRandomValues(new Uint32Array(1))[0] ?? 0;
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
        const close = suggest(name, catalog.keys());
        return bad(
          `--case: unknown case ${JSON.stringify(name)}${
            close === null ? "; ppcat fuzz --list shows them" : ` (did you mean ${close}?)`
          }`,
        );
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
    holdMs: hold.value,
    concurrency,
    totalTimeoutMs: total.value,
    seed,
    cases,
    versions,
    watchLog: values["watch-log"] ?? null,
    crashPattern,
    watchPid,
    verbosity,
    seedChosen: seed !== null && values.seed === undefined,
  });
}

/**
 * Parses and checks the arguments of `ppcat fuzz` (after the subcommand name) and selects the
 * cases.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFuzzArgs } from "./fuzz.ts";
 * const r = parseFuzzArgs(["127.0.0.1", "4000", "-w", "500ms", "--case", "v1-lone-lf"]);
 * assert.ok(r.kind === "run");
 * assert.equal(r.config.targetText, "127.0.0.1:4000");
 * assert.equal(r.config.deadlineMs, 500);
 * const bad = parseFuzzArgs(["127.0.0.1:4000", "--expect", "ftp"]);
 * assert.ok(bad.kind === "usage" && bad.message.startsWith('--expect: "ftp" is not one of echo'));
 * ```
 */
export function parseFuzzArgs(args: string[]): CommandParse<Settings> {
  const parsed = parseCommand(args, OPTIONS, true);
  if (parsed.kind !== "run") return parsed;
  const { values, positionals, verbosity } = parsed.config;
  const s = settings(values, positionals, verbosity);
  return s.ok ? { kind: "run", config: s.value } : { kind: "usage", message: s.message };
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
  if (o.reply !== undefined && o.outcome === "error-reply") extra.push(JSON.stringify(o.reply));
  if (o.retried === true) extra.push("ran twice");
  if (o.crash !== undefined) extra.push(`CRASH (${o.crash.by}: ${o.crash.detail})`);
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

/** What became of a run, beyond the cases' verdicts. */
interface Report {
  readonly run: FuzzRun;
  readonly judged: Judged[];
  readonly sizeLimit: SizeLimit;
  /** Service after the run (no monitors, cases were reset): null when not checked. */
  readonly service:
    | { readonly ok: boolean; readonly observed: string; readonly suspects: string[] }
    | null;
}

function judgeAll(s: Settings, results: readonly CaseResult[], sizeLimit: SizeLimit): Judged[] {
  return results.map((result) => {
    if (result.status !== "done") return { case: result.case, result, json: null };
    const json = fuzzResultJson(result.case, result.observation, s.targetText, {
      sizeLimit,
      mode: s.mode,
    });
    return { case: result.case, result, json };
  });
}

function notRunReason(r: CaseResult): string {
  if (r.status === "error") return `could not connect: ${r.error.message}`;
  return "not run: the run stopped first";
}

function sizeLine(l: SizeLimit): string | null {
  if (l.largestAccepted === null && l.smallestRefused === null) return null;
  const accepts = l.largestAccepted === null
    ? "accepted no plain header of the ladder"
    : `accepts plain valid headers up to ${l.largestAccepted} bytes`;
  const refuses = l.smallestRefused === null ? "" : `, refuses ${l.smallestRefused} bytes`;
  return `size ladder: ${accepts}${refuses}`;
}

function crashLine(c: CrashReport): string {
  const where = c.attributedTo !== null
    ? `caused by ${c.attributedTo}`
    : `while one of these was in flight (none crashed it again alone): ${c.suspects.join(", ")}`;
  return `CRASH (${c.evidence.by}: ${c.evidence.detail}) ${where}`;
}

function serviceLine(r: NonNullable<Report["service"]>): string {
  if (r.ok) return `service: a valid header still gets service after the run (${r.observed})`;
  return `SERVICE LOST: after the run a valid header got ${r.observed}; the receiver probably ` +
    `crashed on ${r.suspects.length === 1 ? "" : "one of "}${r.suspects.join(", ")} (the last ` +
    "cases it did not serve before it stopped answering)";
}

function printTable(s: Settings, report: Report, interrupted: boolean): void {
  const { judged, run } = report;
  const paint = painter(colorOut());
  const shown = interrupted ? judged.filter((j) => j.result.status !== "not-run") : judged;
  const width = Math.min(48, Math.max(0, ...shown.map((j) => j.case.name.length)));
  const style: Record<Verdict, (keyof typeof ANSI)[]> = {
    pass: ["green"],
    violation: ["red", "bold"],
    lenient: ["yellow", "bold"],
    note: ["cyan"],
  };
  const indent = " ".repeat(2 + 10 + 1);
  let out = `ppcat fuzz ${s.targetText}: ${plural(judged.length, "case")}, ` +
    `expect ${s.mode}, deadline ${s.deadlineMs / 1000} s, hold ${s.holdMs / 1000} s, ` +
    `concurrency ${s.concurrency}\n`;
  for (const [section, rows] of bySection(shown)) {
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
  const extra = [
    sizeLine(report.sizeLimit),
    ...run.crashes.map((c) => paint(["red", "bold"], crashLine(c))),
    ...(report.service === null ? [] : [serviceLine(report.service)]),
    s.watchLog === null && s.watchPid === null
      ? paint(
        ["dim"],
        "crashes: not watched; a worker that crashes and is restarted by a supervisor looks " +
          "like a close or a reset here (--watch-log FILE, --watch-pid PID)",
      )
      : null,
  ].filter((l): l is string => l !== null);
  if (extra.length > 0) out += `\n${extra.join("\n")}\n`;
  const done = judged.flatMap((j) => (j.json === null ? [] : [j.json]));
  const counts = summarize(done);
  const notRun = judged.length - done.length;
  const violations = `${counts.violation} violation`;
  out += `\nsummary: ${counts.pass} pass, ` +
    `${counts.violation > 0 ? paint(["red", "bold"], violations) : violations}, ` +
    `${counts.lenient} lenient, ${counts.note} note` +
    `${notRun > 0 && !interrupted ? `, ${notRun} not run` : ""}; ` +
    (interrupted
      ? `interrupted: ${done.length} of ${plural(judged.length, "case")} done in `
      : `${plural(judged.length, "case")} in `) +
    `${formatSeconds(run.wallMs)}\n`;
  writeOut(out);
}

function printJson(s: Settings, report: Report, interrupted: boolean): void {
  const { judged, run } = report;
  const done = judged.flatMap((j) => (j.json === null ? [] : [j.json]));
  const json = {
    target: s.targetText,
    expect: s.mode,
    deadlineMs: s.deadlineMs,
    holdMs: s.holdMs,
    concurrency: s.concurrency,
    ...(s.seed !== null ? { seed: s.seed } : {}),
    wallMs: run.wallMs,
    ...(interrupted ? { interrupted: true } : {}),
    summary: summarize(done),
    sizeLimit: report.sizeLimit,
    crashes: run.crashes,
    service: report.service,
    cases: done,
    notRun: interrupted
      ? []
      : judged.flatMap((j) =>
        j.json === null ? [{ name: j.case.name, reason: notRunReason(j.result) }] : []
      ),
  };
  writeOut(`${JSON.stringify(json)}\n`);
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

function monitorsOf(s: Settings): Parsed<CrashMonitor[]> {
  const monitors: CrashMonitor[] = [];
  if (s.watchLog !== null) {
    try {
      monitors.push(logMonitor(s.watchLog, s.crashPattern));
    } catch (e) {
      return bad(`--watch-log: cannot read ${quote(s.watchLog)}: ${(e as Error).message}`);
    }
  }
  if (s.watchPid !== null) {
    const m = pidMonitor(s.watchPid);
    if (m.poll() !== null) return bad(`--watch-pid: no process ${s.watchPid}`);
    monitors.push(m);
  }
  return ok(monitors);
}

// After a run with resets or failed connects and no monitor: does a valid header still get
// service? If not, name the cases that may have broken it (in the order cases finished).
async function checkService(
  s: Settings,
  target: Target,
  finished: readonly CaseResult[],
): Promise<Report["service"]> {
  const unserved = (r: CaseResult | undefined) =>
    r !== undefined && r.status === "done" && r.observation.outcome !== "accepted";
  const firstError = finished.findIndex((r) => r.status === "error");
  const resets = finished.filter((r) => r.status === "done" && r.observation.outcome === "reset");
  if (firstError < 0 && resets.length === 0) return null;
  // With a connect failure, the suspects are the cases that ended unserved after the last
  // served one (a case that connected while the dying receiver's listen socket was still open
  // is reset too), at most twice the concurrency back; without one, the resets.
  let suspects = resets;
  if (firstError >= 0) {
    const lastServed = finished.findLastIndex((r, i) =>
      i < firstError && r.status === "done" && r.observation.outcome === "accepted"
    );
    suspects = finished.slice(Math.max(lastServed + 1, firstError - 2 * s.concurrency), firstError)
      .filter(unserved);
  }
  const healthy = catalogCase(s.versions.includes(2) ? "v2-tcp4" : "v1-tcp4")!;
  const r = await observeCase(healthy, { target, mode: s.mode, deadlineMs: s.deadlineMs });
  const observed = r.status === "done"
    ? describeObservation(r.observation)
    : r.status === "error"
    ? r.error.message
    : "no answer";
  const ok = r.status === "done" && r.observation.outcome === "accepted";
  return { ok, observed, suspects: ok ? [] : suspects.map((x) => x.case.name) };
}

/** Options for {@linkcode run}. */
export interface FuzzRunOptions {
  /** Stops the run (then: the cases done so far, exit 130). Default: SIGINT and SIGTERM. */
  readonly signal?: AbortSignal;
}

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
export async function run(args: string[], options: FuzzRunOptions = {}): Promise<number> {
  const parsed = parseFuzzArgs(args);
  if (parsed.kind !== "run") return reportParse(COMMAND, HELP, parsed);
  const cfg = parsed.config;
  const quiet = cfg.verbosity === "quiet";
  if (cfg.seedChosen && !quiet) {
    writeErr(`ppcat ${COMMAND}: random seed ${cfg.seed} (rerun with --seed ${cfg.seed})\n`);
  }
  if (cfg.listOnly) {
    printList(cfg);
    return ExitCode.OK;
  }
  const monitors = monitorsOf(cfg);
  if (!monitors.ok) return reportUsage(COMMAND, monitors.message);
  const target = cfg.target!;
  const progress = isTty(2) && !cfg.json && cfg.verbosity === "normal";
  if (progress) writeErr(`\rppcat ${COMMAND}: connecting to ${cfg.targetText}`);
  const probe = await probeTarget(target, cfg.deadlineMs);
  if (probe !== null) {
    if (progress) writeErr("\r\x1b[K");
    writeErr(`ppcat ${COMMAND}: cannot reach ${quote(cfg.targetText)}: ${probe.message}\n`);
    return FuzzExit.UNREACHABLE;
  }
  if (
    !quiet && cfg.holdMs < MIN_HEADER_TIMEOUT_MS && cfg.cases.some((c) => c.expect === "timeout")
  ) {
    writeErr(
      `ppcat ${COMMAND}: a hold window under ${MIN_HEADER_TIMEOUT_MS / 1000} s cannot see a ` +
        "header timeout: partial headers still open at its end are notes, not findings\n",
    );
  }
  const stop = options.signal === undefined ? processStopSignal() : null;
  const signal = options.signal ?? stop!.signal;
  let fuzzRun: FuzzRun;
  let service: Report["service"] = null;
  try {
    const total = cfg.cases.length;
    const finished: CaseResult[] = [];
    if (progress) writeErr(`\r\x1b[Kppcat ${COMMAND}: 0/${total} cases`);
    fuzzRun = await runCases(cfg.cases, {
      target,
      mode: cfg.mode,
      deadlineMs: cfg.deadlineMs,
      holdMs: cfg.holdMs,
      concurrency: cfg.concurrency,
      totalTimeoutMs: cfg.totalTimeoutMs,
      monitors: monitors.value,
      signal,
      onResult: (r: CaseResult, n: number) => {
        finished.push(r);
        if (progress) writeErr(`\rppcat ${COMMAND}: ${n}/${total} cases`);
        if (cfg.verbosity === "verbose") {
          writeErr(
            `* ${n}/${total} ${r.case.name}: ${
              r.status === "done" ? describeObservation(r.observation) : notRunReason(r)
            }\n`,
          );
        }
      },
    });
    if (progress) writeErr("\r\x1b[K");
    if (!fuzzRun.aborted && monitors.value.length === 0) {
      service = await checkService(cfg, target, finished);
    }
  } finally {
    stop?.dispose();
  }
  const interrupted = fuzzRun.aborted;
  const sizeLimit = sizeLimitOf(
    fuzzRun.results.flatMap((r) => (r.status === "done" ? [r] : [])),
  );
  const report: Report = {
    run: fuzzRun,
    judged: judgeAll(cfg, fuzzRun.results, sizeLimit),
    sizeLimit,
    service,
  };
  if (cfg.json) printJson(cfg, report, interrupted);
  else printTable(cfg, report, interrupted);
  if (interrupted) return FuzzExit.INTERRUPTED;

  const done = report.judged.flatMap((j) => (j.json === null ? [] : [j.json]));
  const counts = summarize(done);
  const notRun = report.judged.length - done.length;
  if (fuzzRun.timedOut) {
    writeErr(
      `ppcat ${COMMAND}: the total timeout of ${cfg.totalTimeoutMs / 1000} s stopped the run: ` +
        `${plural(notRun, "case")} not run\n`,
    );
  } else if (notRun > 0 && fuzzRun.crashes.some((c) => c.evidence.by === "pid")) {
    writeErr(
      `ppcat ${COMMAND}: the receiver's process is gone: ${plural(notRun, "case")} not run\n`,
    );
  } else if (notRun > 0) {
    writeErr(`ppcat ${COMMAND}: ${plural(notRun, "case")} could not connect\n`);
  }
  if (service !== null) {
    writeErr(
      `ppcat ${COMMAND}: some cases were reset or could not connect; a crashing worker that a ` +
        "supervisor restarts at once is only seen with --watch-log\n",
    );
  }
  const failed = counts.violation > 0 || (cfg.strict && counts.lenient > 0) || notRun > 0 ||
    fuzzRun.crashes.length > 0 || (service !== null && !service.ok);
  return failed ? FuzzExit.FINDINGS : FuzzExit.OK;
}
