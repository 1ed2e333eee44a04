/**
 * `ppcat bench TARGET`: tcpkali-class load with PROXY headers built by the codec. Parsing is in
 * cli/bench_options.ts, headers in cli/bench_header.ts, the engine in lib/bench/engine.ts,
 * worker processes in cli/bench_workers.ts, output in cli/bench_report.ts, and
 * `ppcat bench merge` in cli/bench_merge.ts.
 *
 * @module
 */

import { writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import process from "node:process";
import { type BenchProgress, runBench } from "../lib/bench/engine.ts";
import {
  type BenchResult,
  benchResult,
  mergeBenchResults,
  parseBenchResult,
} from "../lib/bench/result.ts";
import { headerBuilder } from "./bench_header.ts";
import { hdrLog } from "./bench_hdr_log.ts";
import { htmlReport, type HtmlReportInput, type TimelinePoint } from "./bench_html.ts";
import { runK8s } from "./bench_k8s.ts";
import { MERGE_HELP, runMerge } from "./bench_merge.ts";
import {
  BENCH_FLAGS_HELP,
  type BenchArgs,
  defaultWorkers,
  engineArgs,
  parseBenchArgs,
} from "./bench_options.ts";
import { formatSummary, progressLine, type ProgressTotals } from "./bench_report.ts";
import { runWorkers, watchParent } from "./bench_workers.ts";
import { ExitCode, reportFailure, reportParse, reportUsage } from "./exit.ts";
import type { Verbosity } from "./args.ts";
import { HEADER_FLAGS_HELP } from "./header_flags.ts";
import { isTty, writeErr, writeOut } from "./io.ts";

const COMMAND = "bench";

/** Help text for `ppcat bench`. */
export const HELP = `ppcat bench - tcpkali-class load with PROXY protocol headers

USAGE
  ppcat bench [LOAD FLAGS] [HEADER FLAGS] [--json] TARGET
  ppcat bench merge [--json] FILE…
  ppcat bench k8s --pods N --image IMAGE [LOAD FLAGS] [HEADER FLAGS] TARGET

  Keeps -c connections open to TARGET (HOST:PORT), opening at most --connect-rate
  a second. Each connection sends a fresh PROXY header (version 2 unless --v1 or
  --header v1; none with --header none) built by ppcat's codec, with its own
  source address and port: counting up from --src (default 198.18.0.1:1, IPv6
  [2001:2::1]:1), port 65535 rolling into the next address. --dst defaults to
  TARGET. Then the first message (-1) once, then the message (-m/-f) over and
  over: as fast as the socket takes it, in large batched writes (bulk), or
  -r times a second per connection, when each echoed message's round trip is
  measured from the time it was scheduled (no coordinated omission).
  --channel-lifetime closes each connection after that time and opens a new one
  (churn); 0 closes right after the header and first message.

  Ramp-up lasts until -c connections have opened (at most -T); then the steady
  state runs for -T and the rates are over it. At the end ppcat stops sending,
  half-closes, and counts what still comes back for up to a second.

  Received bytes are counted; messages are counted by their length, and a header
  echoed back (a plain echo server) is recognised and skipped. Latencies go into
  HDR histograms (3 significant digits): TCP connect, first byte (from the
  connect), and per message with -r.

  --workers N runs N processes (default: the number of cores, at most -c; with
  -r one per 400k messages a second; 1 when connections stay open and send no
  message), each with its share of -c and --connect-rate; their --json results
  are merged exactly as 'ppcat bench merge' does. TIME is 10s, 500ms, 1m, 0.5 (a
  bare number is seconds); RATE and N take k (1000) and m (1000000). -w is the
  connect timeout, as nc -w (tcpkali's -w, the workers, is --workers here).

${BENCH_FLAGS_HELP}
${HEADER_FLAGS_HELP}
OUTPUT
  stdout   the summary in tcpkali's layout, or with --json one object:
           {"connections":{"opened","failed","closed","concurrency","perSecond"},
           "durationSeconds","rampUpSeconds","bytes":{"sent","received"},
           "mbps":{"down","up","perChannel"},"messages":{"sent","received"},
           "messageRate":{"down","up"},"latencyMs":{"connect":{"p50",…},
           "firstByte":{…},"message":{…}},"latencyPercentiles":[…],
           "histograms":{"connect","firstByte","message"},"runs","error"}
  stderr   "Destination" and "Ramped up" lines, a progress line each second when
           stderr is a terminal, and errors

EXAMPLES
  # the libproxyproto experiment (tcpkali -c 50 -T 10s -e1 'PROXY TCP4 …' -m 'PING\\r\\n')
  ppcat bench -c 50 -T 10s --header v1 --src 127.0.0.1:1 --dst 127.0.0.1:25578 \\
    -m 'PING\\r\\n' 127.0.0.1:1122
  # latency: 100 connections x 1000 messages a second
  ppcat bench -c 100 --connect-rate 0 -r 1000 -m 'PING\\r\\n' -T 10s 127.0.0.1:1122
  # churn: header, close, reconnect, as fast as possible
  ppcat bench -c 50 --connect-rate 0 --channel-lifetime 0 -T 10s 127.0.0.1:1122
  # 3 hosts, one window: each runs a third (--shard), all start at the same time
  ppcat bench -c 3000 --shard 0/3 --start-at 2026-12-05T18:00:00Z --json 10.0.0.5:443
  # the same from 20 Kubernetes pods: prints an Indexed Job and how to merge
  ppcat bench k8s --pods 20 --image ppcat:latest -c 20k -T 1m 10.0.0.5:443 > job.json
  # v2 with TLVs and a CRC, JSON out; merge the results of two machines
  ppcat bench --authority example.com --crc32c -c 10 --json 10.0.0.5:443 > a.json
  ppcat bench merge a.json b.json

EXIT STATUS
  0  the run completed (some connections may have failed: see the summary)
  1  other failure (a worker process died)
  2  usage error: bad flags, an unreadable file, header flags that make no header
  3  no connection could be made (refused, timed out, unreachable)
  130, 143  stopped by SIGINT (Ctrl-C) or SIGTERM: what was measured is printed
`;

/** Connections and connect rate of worker `index` of `count`. */
function share(plan: BenchArgs, index: number, count: number) {
  const base = Math.floor(plan.connections / count);
  return {
    connections: base + (index < plan.connections % count ? 1 : 0),
    connectRate: plan.connectRate / count,
  };
}

/** The cores this machine offers, for the default number of workers. */
function cores(): number {
  try {
    return availableParallelism();
  } catch {
    return 1;
  }
}

/**
 * Runs `ppcat bench` with the arguments after the subcommand name; returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { run } from "./bench.ts";
 * import { memoryIo, setIo } from "./io.ts";
 * const mem = memoryIo();
 * const restore = setIo(mem);
 * const code = await run(["--connections", "0", "127.0.0.1:9"]);
 * restore();
 * assert.equal(code, 2);
 * assert.match(mem.err(), /^ppcat bench: --connections: 0 is not in 1\.\.10000000/);
 * ```
 */
export async function run(args: string[]): Promise<number> {
  if (args[0] === "merge") return await runMerge(args.slice(1));
  if (args[0] === "k8s") return runK8s(args.slice(1));
  if (args[0] === "help" && args[1] === "merge") {
    writeOut(MERGE_HELP);
    return ExitCode.OK;
  }
  const parsed = parseBenchArgs(args);
  if (parsed.kind !== "run") return reportParse(COMMAND, HELP, parsed);
  const plan = parsed.config;
  const built = headerBuilder(plan);
  if (!built.ok) return reportUsage(COMMAND, built.message);
  const header = { build: built.value };

  if (plan.worker !== null) return await runAsWorker(plan, header.build);

  // Ctrl-C or SIGTERM: stop the run, merge what was measured, print it, exit 130 / 143. A
  // second signal ends the process at once.
  const abort = new AbortController();
  let signalled: StopSignal | null = null;
  const onSignal = (sig: StopSignal) => {
    if (signalled !== null) process.exit(signalExit(sig));
    signalled = sig;
    abort.abort();
  };
  const onInt = () => onSignal("SIGINT");
  const onTerm = () => onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  try {
    const mine = plan.shard === null
      ? plan.connections
      : share(plan, plan.shard.index, plan.shard.count).connections;
    const workers = Math.max(
      1,
      Math.min(plan.workers ?? defaultWorkers(plan, mine, cores()), mine),
    );
    if (plan.verbosity !== "quiet") writeErr(`Destination: ${plan.targetText}\n`);
    const startedAt = plan.startAt ?? Date.now();
    const progress = new Progress(workers, plan.connections, plan.verbosity);
    let results: BenchResult[];
    if (workers === 1) {
      results = [await runHere(plan, header.build, 0, 1, progress, abort.signal)];
    } else {
      const outcome = await runWorkers(
        args,
        workers,
        (i, p) => progress.update(i, p),
        abort.signal,
      );
      progress.end();
      if (!outcome.ok) {
        if (outcome.reason === "spawn" && plan.workers === null && !abort.signal.aborted) {
          // e.g. Deno without --allow-run: one worker in this process instead.
          if (plan.verbosity !== "quiet") {
            writeErr(`ppcat bench: cannot start worker processes (${outcome.message}); using 1\n`);
          }
          results = [await runHere(plan, header.build, 0, 1, progress, abort.signal)];
        } else if (outcome.results.length > 0 && abort.signal.aborted) {
          writeErr(`ppcat bench: ${outcome.message}; merging the other workers' results\n`);
          results = outcome.results;
        } else {
          if (signalled !== null) return signalExit(signalled);
          return reportFailure(COMMAND, `workers: ${outcome.message}`);
        }
      } else {
        results = outcome.results;
      }
    }
    const merged = mergeBenchResults(results, plan.percentiles);
    if (!merged.ok) return reportFailure(COMMAND, `${merged.code}: ${merged.message}`);
    // The result is checked as a reader would check it before anything is printed: a result
    // that does not add up is never shown as a measurement (cli/deno_flags.ts says how one did).
    const whole = parseBenchResult(merged.value);
    if (!whole.ok) {
      return reportFailure(COMMAND, `internal error, the result does not add up: ${whole.message}`);
    }
    const files = writeFiles(plan, {
      result: merged.value,
      args,
      startedAt,
      workers,
      timeline: progress.timeline,
    });
    if (files !== null) return reportFailure(COMMAND, files);
    const code = report(plan, merged.value);
    return signalled !== null ? signalExit(signalled) : code;
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  }
}

/** Writes --hdr-log and --html; returns a one-line error, or null. */
function writeFiles(plan: BenchArgs, input: HtmlReportInput): string | null {
  const end = input.startedAt + (input.result.rampUpSeconds + input.result.durationSeconds) * 1000;
  const outputs: [string | null, () => string][] = [
    [plan.hdrLog, () => hdrLog(input.result, input.startedAt, end, input.timeline)],
    [plan.html, () => htmlReport(input)],
  ];
  for (const [path, make] of outputs) {
    if (path === null) continue;
    try {
      writeFileSync(path, make());
    } catch (e) {
      return `cannot write ${path}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`;
    }
  }
  return null;
}

type StopSignal = "SIGINT" | "SIGTERM";

/** 128 + the signal number, as shells report it: 130 for SIGINT, 143 for SIGTERM. */
function signalExit(sig: StopSignal): number {
  return sig === "SIGTERM" ? 143 : 130;
}

/** Waits until unix time `at` (ms), or until `signal` aborts. */
function waitUntil(at: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const step = () => {
      const left = at - Date.now();
      if (left <= 0 || signal.aborted) return resolve();
      // Long waits in slices: a timer is at most 2^31-1 ms, and the clock may be adjusted.
      setTimeout(step, Math.min(left, 1000));
    };
    signal.addEventListener("abort", () => resolve(), { once: true });
    step();
  });
}

function report(plan: BenchArgs, result: BenchResult): number {
  if (result.connections.opened === 0 && result.error !== null) {
    writeErr(`ppcat bench: ${result.error.message}\n`);
    if (plan.json) writeOut(`${JSON.stringify(result)}\n`);
    return ExitCode.CONNECT_FAILED;
  }
  writeOut(plan.json ? `${JSON.stringify(result)}\n` : formatSummary(result));
  return ExitCode.OK;
}

async function runHere(
  plan: BenchArgs,
  build: (index: number) => Uint8Array | null,
  index: number,
  count: number,
  progress: Progress | null,
  signal: AbortSignal,
  onProgress?: (p: BenchProgress) => void,
  onRampedUp?: (connections: number, seconds: number) => void,
): Promise<BenchResult> {
  // A shard (one host of many) splits the whole load first; its workers split its share.
  const shard = plan.shard ?? { index: 0, count: 1 };
  const global = shard.index + shard.count * index;
  const all = shard.count * count;
  const { connections, connectRate } = share(plan, global, all);
  if (plan.startAt !== null) await waitUntil(plan.startAt, signal);
  const outcome = await runBench({
    ...engineArgs(plan),
    connections,
    connectRate,
    header: build,
    firstIndex: global,
    indexStep: all,
    histogramDigits: 3,
    drainMs: 1000,
    signal,
    onProgress: onProgress ?? ((p) => progress?.update(0, p)),
    ...(onRampedUp !== undefined ? { onRampedUp } : {}),
  });
  progress?.end();
  return benchResult(outcome.totals, outcome.histograms, plan.percentiles);
}

/**
 * A worker process: NDJSON progress lines, then the result, on stdout. It stops (and still
 * reports) on SIGINT or SIGTERM, however often they come, and when its parent is gone: the
 * parent holds the other end of the worker's stdin, which closes when the parent dies for any
 * reason, SIGKILL included.
 */
async function runAsWorker(
  plan: BenchArgs,
  build: (index: number) => Uint8Array | null,
): Promise<number> {
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const unwatch = watchParent(() => abort.abort());
  try {
    const { index, count } = plan.worker!;
    const result = await runHere(
      plan,
      build,
      index,
      count,
      null,
      abort.signal,
      (p) => writeOut(`${JSON.stringify({ progress: p })}\n`),
    );
    writeOut(`${JSON.stringify({ result })}\n`);
    return ExitCode.OK;
  } finally {
    unwatch();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/**
 * The "Ramped up" line and, when stderr is a terminal (or with -v), the live progress line;
 * nothing with -q.
 */
class Progress {
  readonly tty = isTty(2);
  readonly latest: (BenchProgress | null)[];
  readonly target: number;
  readonly verbosity: Verbosity;
  /** Every report, for the per-second charts of --html and the intervals of --hdr-log. */
  readonly timeline: TimelinePoint[] = [];
  /** Reports received per worker, and the last round of reports shown. */
  readonly reports: number[];
  shownRound = 0;
  previous: ProgressTotals | null = null;
  rampedUp = false;
  shown = false;

  constructor(workers: number, target: number, verbosity: Verbosity) {
    this.latest = new Array(workers).fill(null);
    this.reports = new Array(workers).fill(0);
    this.target = target;
    this.verbosity = verbosity;
  }

  update(index: number, p: BenchProgress): void {
    this.latest[index] = p;
    this.timeline.push({
      worker: index,
      t: p.elapsedSeconds,
      sent: p.sent,
      received: p.received,
      opened: p.opened,
      ...(p.messageInterval !== undefined ? { messageInterval: p.messageInterval } : {}),
    });
    // Workers report about once a second each: a line each time every worker has reported
    // once more, whichever comes last.
    this.reports[index] = (this.reports[index] ?? 0) + 1;
    const round = Math.min(...this.reports);
    if (round <= this.shownRound) return;
    this.shownRound = round;
    const all = this.latest as BenchProgress[];
    const sum = (f: (x: BenchProgress) => number) => all.reduce((a, x) => a + f(x), 0);
    if (!this.rampedUp && all.every((x) => x.phase !== "ramp-up")) {
      this.rampedUp = true;
      const opened = Math.min(this.target, sum((x) => x.opened));
      this.clear();
      if (this.verbosity !== "quiet") {
        writeErr(
          opened >= this.target
            ? `Ramped up to ${this.target} connections.\n`
            : `Ramped up to ${opened} of ${this.target} connections.\n`,
        );
      }
    }
    const now: ProgressTotals = {
      elapsedSeconds: Math.max(...all.map((x) => x.elapsedSeconds)),
      active: sum((x) => x.active),
      failed: sum((x) => x.failed),
      sent: sum((x) => x.sent),
      received: sum((x) => x.received),
      messages: sum((x) => x.messages),
    };
    if (this.verbosity !== "quiet" && this.previous !== null) {
      if (this.tty) {
        writeErr(`\r\x1b[K${progressLine(this.previous, now)}`);
        this.shown = true;
      } else if (this.verbosity === "verbose") {
        writeErr(`${progressLine(this.previous, now)}\n`);
      }
    }
    this.previous = now;
  }

  clear(): void {
    if (this.shown) writeErr("\r\x1b[K");
    this.shown = false;
  }

  end(): void {
    this.clear();
  }
}
