/**
 * `ppcat bench`: its flags (tcpkali's names where they exist; `-w` is the timeout, as in nc and
 * the other subcommands) and the pure parsing behind them, turning the command line into a
 * {@linkcode BenchArgs} plan; the header flags become a header template here, once. Nothing
 * here touches the network.
 *
 * @module
 */

import { canonicalAddress } from "../lib/address.ts";
import type { BenchPlan } from "../lib/bench/engine.ts";
import { DEFAULT_PERCENTILES } from "../lib/bench/result.ts";
import {
  commonFlags,
  flag,
  flagHelp,
  optionsOf,
  parseCommand,
  suggest,
  type Verbosity,
} from "./args.ts";
import { HEADER_FLAGS, headerFlagsGiven, HELP_WIDTH, parseHeaderFlags } from "./header_flags.ts";
import type { HeaderTemplate } from "./header_template.ts";
import { readFile } from "./io.ts";
import { bad, type CommandParse, ok, type Parsed, usage } from "./parsed.ts";
import { parseEscapes } from "./send_options.ts";
import { joinHostPort, oneTarget } from "./target.ts";
import { parseChoice, parseDuration, parseInteger, parseRate } from "./values.ts";

/** Load flags: connections, messages, rates, duration. */
const LOAD_FLAGS = {
  connections: flag.string("N", "connections to keep open (default 1)", { short: "c" }),
  "connect-rate": flag.string(
    "RATE",
    "new connections per second at most (default 100; 0: no limit)",
  ),
  "connect-timeout": flag.string("TIME", "give up a connect after TIME, as nc -w (default 1s)", {
    short: "w",
  }),
  duration: flag.string("TIME", "steady state after ramp-up (default 10s)", { short: "T" }),
  message: flag.string("STR", "message sent repeatedly; escapes \\r \\n \\t \\\\ \\xHH", {
    short: "m",
  }),
  "message-file": flag.string("FILE", "the message from a file", { short: "f" }),
  "first-message": flag.string("STR", "sent once after the header, before the messages", {
    short: "1",
  }),
  "first-message-file": flag.string("FILE", "the first message from a file"),
  "message-rate": flag.string("RATE", "messages per second per connection; measures latency", {
    short: "r",
  }),
  "channel-lifetime": flag.string(
    "TIME",
    "close each connection after TIME, open a new one (0: after the header)",
  ),
  header: flag.string(
    "v1|v2|none",
    "PROXY header version, or none (default v2; --v1/--v2 work too)",
  ),
  nagle: flag.string("on|off", "Nagle's algorithm (default off: TCP_NODELAY)"),
  workers: flag.string(
    "N",
    "processes, each its own event loop (default: cores; -r: 1 per 400k msg/s; idle: 1)",
  ),
  "latency-from": flag.string(
    "schedule|write",
    "-r latency from when a message was due (default) or written (tcpkali)",
  ),
  shard: flag.string(
    "I/N",
    "this host runs share I (0-based) of N: -c, --connect-rate and sources split",
  ),
  "start-at": flag.string(
    "TIME",
    "wait until TIME (RFC 3339 or unix seconds), then start: runs on many hosts align",
  ),
} as const;

/** Output flags. */
const OUTPUT_FLAGS = {
  "latency-percentiles": flag.string("LIST", "e.g. 50,90,99,99.9 (the default)"),
  json: flag.boolean("stdout: the result as one JSON object"),
  "hdr-log": flag.string(
    "FILE",
    "write the latency histograms in HdrHistogram's interval log format",
  ),
  html: flag.string("FILE", "write a self-contained HTML report (charts, parameters)"),
  ...commonFlags(
    "stderr: the progress line every second also when stderr is not a terminal",
    "stderr: errors only (no Destination, Ramped up or progress lines)",
  ),
} as const;

/** Not in the help: a worker process started by `ppcat bench --workers N`. */
const INTERNAL_FLAGS = {
  worker: flag.string("I/N", "internal: run as worker I of N, NDJSON out"),
} as const;

const BENCH_OPTIONS = optionsOf(
  { ...HEADER_FLAGS, ...LOAD_FLAGS, ...OUTPUT_FLAGS, ...INTERNAL_FLAGS } as const,
);

/**
 * The help sections for the flags of `ppcat bench` (the header flags are in
 * cli/header_flags.ts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BENCH_FLAGS_HELP } from "./bench_options.ts";
 * assert.match(BENCH_FLAGS_HELP, /^  -c, --connections N +connections to keep open/m);
 * assert.doesNotMatch(BENCH_FLAGS_HELP, /--worker /);
 * ```
 */
export const BENCH_FLAGS_HELP: string = `LOAD FLAGS
${flagHelp(LOAD_FLAGS, HELP_WIDTH)}
OUTPUT FLAGS
${flagHelp(OUTPUT_FLAGS, HELP_WIDTH)}`;

/**
 * Messages a second (rate mode) that one worker sends and times before a second one helps: below
 * it, a second process only competes with the target for the cores and lengthens the latency
 * tail (docs/bench.md, "One worker or two").
 */
export const MESSAGES_PER_WORKER = 400_000;

/**
 * Workers when --workers is not given, for `connections` (this host's share) on `cores` cores:
 * one per core; with a message rate, one per {@linkcode MESSAGES_PER_WORKER} messages a second
 * (at most one per core); one for connections that stay open and send nothing after the header,
 * which a second core would not speed up (each process costs its runtime's memory).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultWorkers } from "./bench_options.ts";
 * const ping = new Uint8Array([80, 73, 78, 71]);
 * const bulk = { message: ping, messageRate: 0, channelLifetimeMs: Infinity };
 * assert.equal(defaultWorkers(bulk, 50, 2), 2);
 * assert.equal(defaultWorkers({ ...bulk, messageRate: 1000 }, 100, 2), 1); // 100 000 msg/s
 * assert.equal(defaultWorkers({ ...bulk, messageRate: 6000 }, 100, 2), 2); // 600 000 msg/s
 * assert.equal(defaultWorkers({ ...bulk, messageRate: 6000 }, 100, 1), 1);
 * assert.equal(defaultWorkers({ ...bulk, message: new Uint8Array(0) }, 10_000, 2), 1); // idle
 * assert.equal(defaultWorkers({ ...bulk, message: new Uint8Array(0), channelLifetimeMs: 0 }, 50, 2), 2);
 * ```
 */
export function defaultWorkers(
  plan: Pick<BenchArgs, "message" | "messageRate" | "channelLifetimeMs">,
  connections: number,
  cores: number,
): number {
  if (plan.message.length === 0 && !Number.isFinite(plan.channelLifetimeMs)) return 1;
  if (plan.messageRate > 0) {
    const wanted = Math.ceil((connections * plan.messageRate) / MESSAGES_PER_WORKER);
    return Math.max(1, Math.min(cores, wanted));
  }
  return Math.max(1, cores);
}

/**
 * Parses `--latency-percentiles`: numbers in 0..100 separated by "," or "/".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePercentiles } from "./bench_options.ts";
 * assert.deepEqual(parsePercentiles("50,99.9/100"), { ok: true, value: [50, 99.9, 100] });
 * assert.equal(parsePercentiles("101").ok, false);
 * assert.equal(parsePercentiles("").ok, false);
 * ```
 */
export function parsePercentiles(text: string): Parsed<number[]> {
  const out: number[] = [];
  for (const item of text.split(/[,/]/)) {
    const t = item.trim();
    if (!/^[0-9]{1,3}(\.[0-9]{1,4})?$/.test(t) || Number(t) > 100) {
      return bad(`--latency-percentiles: ${JSON.stringify(t)} is not a percentile in 0..100`);
    }
    out.push(Number(t));
  }
  return { ok: true, value: out };
}

/** The engine settings (lib/bench/engine.ts) that come straight from the command line. */
const ENGINE_KEYS = [
  "hostname",
  "port",
  "connections",
  "connectRate",
  "connectTimeoutMs",
  "durationMs",
  "message",
  "firstMessage",
  "messageRate",
  "channelLifetimeMs",
  "nagle",
  "latencyFrom",
] as const satisfies readonly (keyof BenchPlan)[];

/** The part of a {@linkcode BenchPlan} the command line sets. */
export type EngineArgs = Pick<BenchPlan, typeof ENGINE_KEYS[number]>;

/**
 * The engine settings of `args`, to spread into a {@linkcode BenchPlan}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { engineArgs, parseBenchArgs } from "./bench_options.ts";
 * const r = parseBenchArgs(["-c", "2", "127.0.0.1:1122"]);
 * assert.ok(r.kind === "run");
 * const e = engineArgs(r.config);
 * assert.equal(e.connections, 2);
 * assert.equal("percentiles" in e, false);
 * ```
 */
export function engineArgs(args: EngineArgs): EngineArgs {
  return Object.fromEntries(ENGINE_KEYS.map((k) => [k, args[k]])) as unknown as EngineArgs;
}

/** Latest `--start-at` accepted, from now: a day. */
const MAX_START_AHEAD_MS = 86_400_000;

/**
 * Parses `--start-at`: an RFC 3339 date-time with a zone (`2026-12-05T18:00:00Z`,
 * `…+01:00`, fractions allowed) or unix seconds (`1796493600`, `1796493600.5`); to unix ms.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseStartAt } from "./bench_options.ts";
 * assert.deepEqual(parseStartAt("2026-12-05T18:00:00Z"), { ok: true, value: 1796493600000 });
 * assert.deepEqual(parseStartAt("2026-12-05T19:00:00.5+01:00"), { ok: true, value: 1796493600500 });
 * assert.deepEqual(parseStartAt("1796493600.25"), { ok: true, value: 1796493600250 });
 * assert.equal(parseStartAt("tomorrow").ok, false);
 * assert.equal(parseStartAt("2026-12-05T18:00:00").ok, false); // no zone: ambiguous
 * ```
 */
export function parseStartAt(text: string): Parsed<number> {
  const rfc3339 =
    /^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})$/;
  let ms: number;
  if (/^[0-9]{1,12}(\.[0-9]{1,6})?$/.test(text)) ms = Math.round(Number(text) * 1000);
  else if (rfc3339.test(text)) ms = Date.parse(text.replace(" ", "T"));
  else ms = NaN;
  if (!Number.isFinite(ms)) {
    return bad(
      `--start-at: ${JSON.stringify(text)} is not an RFC 3339 time with a zone or unix seconds`,
    );
  }
  return { ok: true, value: ms };
}

/**
 * Everything `ppcat bench` was asked to do, checked: the engine's settings (for all workers
 * together; `connections` and `connectRate` are shared out), plus what the CLI itself uses.
 */
export interface BenchArgs extends EngineArgs {
  /** TARGET as written (HOST PORT joined). */
  readonly targetText: string;
  /** 4 or 6 for an address literal, null for a name. */
  readonly family: 4 | 6 | null;
  /** The header flags, parsed; null for `--header none`. */
  readonly header: HeaderTemplate | null;
  /** `--workers`, or null when not given (default: {@linkcode defaultWorkers}). */
  readonly workers: number | null;
  /** `--latency-percentiles`. */
  readonly percentiles: readonly number[];
  /** `--json`. */
  readonly json: boolean;
  /** `-v` / `-q`. */
  readonly verbosity: Verbosity;
  /** `--worker I/N` (internal), or null. */
  readonly worker: { readonly index: number; readonly count: number } | null;
  /** `--start-at`, unix ms, or null: start at once. */
  readonly startAt: number | null;
  /** `--hdr-log FILE`, or null. */
  readonly hdrLog: string | null;
  /** `--html FILE`, or null. */
  readonly html: string | null;
  /** `--shard I/N`: this process runs share I of N of the whole load; null: all of it. */
  readonly shard: { readonly index: number; readonly count: number } | null;
}

function bytesFrom(
  flag: string,
  text: string | undefined,
  fileFlag: string,
  path: string | undefined,
): Parsed<Uint8Array> {
  if (text !== undefined && path !== undefined) {
    return bad(`--${flag} and --${fileFlag} exclude each other`);
  }
  if (text !== undefined) {
    const r = parseEscapes(text);
    return r.ok ? r : bad(r.message.replace("--data", `--${flag}`));
  }
  if (path !== undefined) {
    const file = readFile(path);
    if (!file.ok) return bad(`--${fileFlag}: cannot read ${JSON.stringify(path)}: ${file.reason}`);
    return { ok: true, value: file.bytes };
  }
  return ok(new Uint8Array(0));
}

/**
 * Parses and checks the arguments of `ppcat bench` (after the subcommand name). Reads the
 * message files, so an unreadable one is a usage error before anything is connected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseBenchArgs } from "./bench_options.ts";
 * const r = parseBenchArgs(["-c", "50", "-T", "10s", "--header", "v1", "-m", "PING\\r\\n", "127.0.0.1:1122"]);
 * assert.ok(r.kind === "run");
 * assert.equal(r.config.connections, 50);
 * assert.equal(r.config.durationMs, 10_000);
 * assert.equal(r.config.header?.version, 1);
 * assert.deepEqual([...r.config.message], [80, 73, 78, 71, 13, 10]);
 * assert.deepEqual(parseBenchArgs(["-c", "many", "127.0.0.1:1"]), {
 *   kind: "usage",
 *   message: '--connections: "many" is not a whole number',
 * });
 * ```
 */
export function parseBenchArgs(args: string[]): CommandParse<BenchArgs> {
  const parsed = parseCommand(args, BENCH_OPTIONS, true);
  if (parsed.kind !== "run") return parsed;
  const { values, positionals, verbosity } = parsed.config;
  const target = oneTarget(positionals, "HOST:PORT or [IPV6]:PORT");
  if (!target.ok) {
    const close = positionals.length === 1 ? suggest(positionals[0] ?? "", ["merge"]) : null;
    return usage(
      close === null ? target.message : `${target.message} (did you mean ppcat bench ${close}?)`,
    );
  }
  if (target.value.kind !== "inet") return usage("TARGET: bench runs over TCP (HOST:PORT)");
  const t = target.value;

  let connections = 1;
  if (values.connections !== undefined) {
    const n = parseInteger("connections", values.connections, { min: 1, max: 10_000_000 });
    if (!n.ok) return usage(n.message);
    connections = n.value;
  }
  let connectRate = 100;
  if (values["connect-rate"] !== undefined) {
    const r = parseRate("connect-rate", values["connect-rate"]);
    if (!r.ok) return usage(r.message);
    connectRate = r.value === 0 ? Infinity : r.value;
  }
  let connectTimeoutMs = 1000;
  if (values["connect-timeout"] !== undefined) {
    const d = parseDuration("connect-timeout", values["connect-timeout"], { min: 1 });
    if (!d.ok) return usage(d.message);
    connectTimeoutMs = d.value;
  }
  let durationMs = 10_000;
  if (values.duration !== undefined) {
    const d = parseDuration("duration", values.duration);
    if (!d.ok) return usage(d.message);
    durationMs = d.value;
  }

  const message = bytesFrom("message", values.message, "message-file", values["message-file"]);
  if (!message.ok) return usage(message.message);
  const firstMessage = bytesFrom(
    "first-message",
    values["first-message"],
    "first-message-file",
    values["first-message-file"],
  );
  if (!firstMessage.ok) return usage(firstMessage.message);

  let messageRate = 0;
  if (values["message-rate"] !== undefined) {
    const r = parseRate("message-rate", values["message-rate"]);
    if (!r.ok) return usage(r.message);
    if (r.value <= 0) return usage("--message-rate: must be more than 0 (leave it out for bulk)");
    if (message.value.length === 0) {
      return usage("--message-rate needs --message or --message-file");
    }
    messageRate = r.value;
  }
  let channelLifetimeMs = Infinity;
  if (values["channel-lifetime"] !== undefined) {
    const d = parseDuration("channel-lifetime", values["channel-lifetime"]);
    if (!d.ok) return usage(d.message);
    channelLifetimeMs = d.value;
  }

  // --- header
  const given = headerFlagsGiven(values);
  let version: 1 | 2 | null = values.v1 ? 1 : 2;
  if (values.header !== undefined) {
    const h = parseChoice("header", values.header, ["v1", "v2", "none"] as const);
    if (!h.ok) return usage(h.message);
    if (h.value === "none") {
      if (given.length > 0) {
        return usage(`--header none and --${given[0]} exclude each other (no header is sent)`);
      }
      version = null;
    } else {
      version = h.value === "v1" ? 1 : 2;
      if ((values.v1 && version === 2) || (values.v2 && version === 1)) {
        return usage(`--header ${h.value} contradicts --${values.v1 ? "v1" : "v2"}`);
      }
    }
  }
  let header: HeaderTemplate | null = null;
  if (version !== null) {
    const template = parseHeaderFlags({ ...values, v1: version === 1, v2: version === 2 });
    if (!template.ok) return usage(template.message);
    header = template.value;
  }

  let nagle = false;
  if (values.nagle !== undefined) {
    const n = parseChoice("nagle", values.nagle, ["on", "off"] as const);
    if (!n.ok) return usage(n.message);
    nagle = n.value === "on";
  }
  let workers: number | null = null;
  if (values.workers !== undefined) {
    const w = parseInteger("workers", values.workers, { min: 1, max: 256 });
    if (!w.ok) return usage(w.message);
    workers = w.value;
  }
  let percentiles: readonly number[] = DEFAULT_PERCENTILES;
  if (values["latency-percentiles"] !== undefined) {
    const p = parsePercentiles(values["latency-percentiles"]);
    if (!p.ok) return usage(p.message);
    percentiles = p.value;
  }
  let worker: BenchArgs["worker"] = null;
  if (values.worker !== undefined) {
    const m = /^([0-9]{1,3})\/([0-9]{1,3})$/.exec(values.worker);
    if (m === null || Number(m[1]) >= Number(m[2])) return usage("--worker: expected I/N, I < N");
    worker = { index: Number(m[1]), count: Number(m[2]) };
  }
  let shard: BenchArgs["shard"] = null;
  if (values.shard !== undefined) {
    const m = /^([0-9]{1,5})\/([0-9]{1,5})$/.exec(values.shard);
    if (m === null || Number(m[1]) >= Number(m[2])) {
      return usage(`--shard: ${JSON.stringify(values.shard)} is not I/N with I < N`);
    }
    shard = { index: Number(m[1]), count: Number(m[2]) };
    if (shard.count > connections) return usage("--shard: more shards than --connections");
  }
  let latencyFrom: BenchArgs["latencyFrom"] = "schedule";
  if (values["latency-from"] !== undefined) {
    const l = parseChoice("latency-from", values["latency-from"], ["schedule", "write"] as const);
    if (!l.ok) return usage(l.message);
    latencyFrom = l.value;
  }
  let startAt: number | null = null;
  if (values["start-at"] !== undefined) {
    const r = parseStartAt(values["start-at"]);
    if (!r.ok) return usage(r.message);
    if (r.value - Date.now() > MAX_START_AHEAD_MS) {
      return usage("--start-at: more than a day ahead");
    }
    startAt = r.value;
  }
  return {
    kind: "run",
    config: {
      latencyFrom,
      startAt,
      shard,
      hdrLog: values["hdr-log"] ?? null,
      html: values.html ?? null,
      targetText: joinHostPort(positionals)[0] ?? "",
      hostname: t.hostname,
      port: t.port,
      family: t.family ?? (canonicalAddress(t.hostname)?.family ?? null),
      connections,
      connectRate,
      connectTimeoutMs,
      durationMs,
      message: message.value,
      firstMessage: firstMessage.value,
      messageRate,
      channelLifetimeMs,
      header,
      nagle,
      workers,
      percentiles,
      json: values.json ?? false,
      verbosity,
      worker,
    },
  };
}
