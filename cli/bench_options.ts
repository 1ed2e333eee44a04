/**
 * `ppcat bench`: its flags (tcpkali's names where they exist) and the pure parsing behind them
 * (durations, rates, percentiles), turning the command line into a {@linkcode BenchArgs} plan.
 * Nothing here touches the network.
 *
 * @module
 */

import { canonicalAddress } from "../lib/address.ts";
import { DEFAULT_PERCENTILES } from "../lib/bench/result.ts";
import { flagHelp, optionsOf, parseCommandArgs } from "./args.ts";
import { type UsageError, usageError } from "./exit.ts";
import {
  HEADER_FLAGS,
  headerFlagsGiven,
  type HeaderFlagValues,
  HELP_WIDTH,
} from "./header_flags.ts";
import { readFile } from "./io.ts";
import { bad, type Parsed } from "./parsed.ts";
import { MAX_TIMER_MS, parseEscapes } from "./send_options.ts";
import { oneTarget } from "./target.ts";

const COMMAND = "bench";

/** Load flags: connections, messages, rates, duration. */
const LOAD_FLAGS = {
  connections: {
    type: "string",
    short: "c",
    arg: "N",
    help: "connections to keep open (default 1)",
  },
  "connect-rate": {
    type: "string",
    arg: "RATE",
    help: "new connections per second at most (default 100; 0: no limit)",
  },
  "connect-timeout": { type: "string", arg: "TIME", help: "give up a connect after (default 1s)" },
  duration: {
    type: "string",
    short: "T",
    arg: "TIME",
    help: "steady state after ramp-up (default 10s)",
  },
  message: {
    type: "string",
    short: "m",
    arg: "STR",
    help: "message sent repeatedly; escapes \\r \\n \\t \\\\ \\xHH",
  },
  "message-file": { type: "string", short: "f", arg: "FILE", help: "the message from a file" },
  "first-message": {
    type: "string",
    short: "1",
    arg: "STR",
    help: "sent once after the header, before the messages",
  },
  "first-message-file": { type: "string", arg: "FILE", help: "the first message from a file" },
  "message-rate": {
    type: "string",
    short: "r",
    arg: "RATE",
    help: "messages per second per connection; measures latency",
  },
  "channel-lifetime": {
    type: "string",
    arg: "TIME",
    help: "close each connection after TIME, open a new one (0: after the header)",
  },
  header: {
    type: "string",
    arg: "v1|v2|none",
    help: "PROXY header version, or none (default v2; --v1/--v2 work too)",
  },
  nagle: { type: "string", arg: "on|off", help: "Nagle's algorithm (default off: TCP_NODELAY)" },
  workers: {
    type: "string",
    short: "w",
    arg: "N",
    help: "processes, each its own event loop (default: cores)",
  },
} as const;

/** Output flags. */
const OUTPUT_FLAGS = {
  "latency-percentiles": {
    type: "string",
    arg: "LIST",
    help: "e.g. 50,90,99,99.9 (the default)",
  },
  json: { type: "boolean", help: "stdout: the result as one JSON object" },
  help: { type: "boolean", short: "h", help: "show this help" },
} as const;

/** Not in the help: a worker process started by `ppcat bench -w N`. */
const INTERNAL_FLAGS = {
  worker: { type: "string", arg: "I/N", help: "internal: run as worker I of N, NDJSON out" },
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

const TIME_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  "": 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a duration as tcpkali writes them: a number with an optional fraction and unit `ms`,
 * `s` (the default), `m` or `h`; to milliseconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDuration } from "./bench_options.ts";
 * assert.deepEqual(parseDuration("duration", "10s"), { ok: true, value: 10_000 });
 * assert.deepEqual(parseDuration("duration", "500ms"), { ok: true, value: 500 });
 * assert.deepEqual(parseDuration("duration", "1m"), { ok: true, value: 60_000 });
 * assert.deepEqual(parseDuration("duration", "0.25"), { ok: true, value: 250 });
 * assert.equal(parseDuration("duration", "10 s").ok, false);
 * assert.equal(parseDuration("duration", "-1s").ok, false);
 * ```
 */
export function parseDuration(flag: string, text: string): Parsed<number> {
  const m = /^([0-9]{1,9}(?:\.[0-9]{1,6})?)(ms|s|m|h|)$/.exec(text);
  if (m === null) {
    return bad(`--${flag}: ${JSON.stringify(text)} is not a duration (e.g. 10s, 500ms, 1m)`);
  }
  const ms = Math.round(Number(m[1]) * TIME_UNITS[m[2]]);
  if (ms > MAX_TIMER_MS) return bad(`--${flag}: ${text} is too long`);
  return { ok: true, value: ms };
}

/**
 * Parses a rate or count with tcpkali's multipliers `k` (1000) and `m` (1 000 000).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRate } from "./bench_options.ts";
 * assert.deepEqual(parseRate("message-rate", "5k"), { ok: true, value: 5000 });
 * assert.deepEqual(parseRate("message-rate", "0.5"), { ok: true, value: 0.5 });
 * assert.equal(parseRate("message-rate", "fast").ok, false);
 * ```
 */
export function parseRate(flag: string, text: string): Parsed<number> {
  const m = /^([0-9]{1,12}(?:\.[0-9]{1,6})?)([km]?)$/.exec(text);
  if (m === null) return bad(`--${flag}: ${JSON.stringify(text)} is not a number (e.g. 100, 5k)`);
  return { ok: true, value: Number(m[1]) * (m[2] === "k" ? 1e3 : m[2] === "m" ? 1e6 : 1) };
}

function parseCount(flag: string, text: string, min: number, max: number): Parsed<number> {
  const r = parseRate(flag, text);
  if (!r.ok) return r;
  if (!Number.isInteger(r.value) || r.value < min || r.value > max) {
    return bad(`--${flag}: ${text} is not a whole number in ${min}..${max}`);
  }
  return r;
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

/** Everything `ppcat bench` was asked to do, checked. */
export interface BenchArgs {
  /** TARGET as written. */
  readonly targetText: string;
  /** Host (no brackets) and port. */
  readonly hostname: string;
  /** Target port. */
  readonly port: number;
  /** 4 or 6 for an address literal, null for a name. */
  readonly family: 4 | 6 | null;
  /** `-c`. */
  readonly connections: number;
  /** `--connect-rate`, per second; Infinity for none. */
  readonly connectRate: number;
  /** `--connect-timeout`, ms. */
  readonly connectTimeoutMs: number;
  /** `-T`, ms. */
  readonly durationMs: number;
  /** `-m` / `-f` bytes (empty when not given). */
  readonly message: Uint8Array;
  /** `-1` / `--first-message-file` bytes (empty when not given). */
  readonly firstMessage: Uint8Array;
  /** `-r`, per connection per second; 0: bulk. */
  readonly messageRate: number;
  /** `--channel-lifetime`, ms; Infinity: none. */
  readonly channelLifetimeMs: number;
  /** The header: built from the flags (null `header` flags mean none). */
  readonly header: { readonly version: 1 | 2; readonly values: HeaderFlagValues } | null;
  /** `--nagle on`. */
  readonly nagle: boolean;
  /** `-w`, or null when not given (default: cores). */
  readonly workers: number | null;
  /** `--latency-percentiles`. */
  readonly percentiles: readonly number[];
  /** `--json`. */
  readonly json: boolean;
  /** `--worker I/N` (internal), or null. */
  readonly worker: { readonly index: number; readonly count: number } | null;
}

/** Result of {@linkcode parseBenchArgs}. */
export type BenchArgsResult =
  | { readonly kind: "plan"; readonly plan: BenchArgs }
  | { readonly kind: "help" }
  | { readonly kind: "usage"; readonly error: UsageError };

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
  return { ok: true, value: new Uint8Array(0) };
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
 * assert.equal(r.kind, "plan");
 * if (r.kind === "plan") {
 *   assert.equal(r.plan.connections, 50);
 *   assert.equal(r.plan.durationMs, 10_000);
 *   assert.equal(r.plan.header?.version, 1);
 *   assert.deepEqual([...r.plan.message], [80, 73, 78, 71, 13, 10]);
 * }
 * const u = parseBenchArgs(["-c", "many", "127.0.0.1:1"]);
 * assert.ok(u.kind === "usage" && u.error.message.startsWith("--connections"));
 * ```
 */
export function parseBenchArgs(args: string[]): BenchArgsResult {
  const parsed = parseCommandArgs(COMMAND, args, BENCH_OPTIONS, true);
  if (!parsed.ok) return { kind: "usage", error: parsed.error };
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help" };
  const usage = (message: string): BenchArgsResult => ({
    kind: "usage",
    error: usageError(COMMAND, message),
  });
  const target = oneTarget(positionals, "HOST:PORT or [IPV6]:PORT");
  if (!target.ok) return usage(target.message);
  if (target.value.kind !== "inet") return usage("TARGET: bench runs over TCP (HOST:PORT)");
  const t = target.value;

  const num = <T>(r: Parsed<T>): T | UsageError => r.ok ? r.value : usageError(COMMAND, r.message);
  const isErr = (v: unknown): v is UsageError =>
    typeof v === "object" && v !== null && (v as UsageError).kind === "usage";

  const connections = values.connections === undefined
    ? 1
    : num(parseCount("connections", values.connections, 1, 10_000_000));
  if (isErr(connections)) return { kind: "usage", error: connections };
  let connectRate = 100;
  if (values["connect-rate"] !== undefined) {
    const r = num(parseRate("connect-rate", values["connect-rate"]));
    if (isErr(r)) return { kind: "usage", error: r };
    connectRate = r === 0 ? Infinity : r;
  }
  const connectTimeoutMs = values["connect-timeout"] === undefined
    ? 1000
    : num(parseDuration("connect-timeout", values["connect-timeout"]));
  if (isErr(connectTimeoutMs)) return { kind: "usage", error: connectTimeoutMs };
  if (connectTimeoutMs === 0) return usage("--connect-timeout: must be more than 0");
  const durationMs = values.duration === undefined
    ? 10_000
    : num(parseDuration("duration", values.duration));
  if (isErr(durationMs)) return { kind: "usage", error: durationMs };

  const message = num(bytesFrom("message", values.message, "message-file", values["message-file"]));
  if (isErr(message)) return { kind: "usage", error: message };
  const firstMessage = num(
    bytesFrom(
      "first-message",
      values["first-message"],
      "first-message-file",
      values["first-message-file"],
    ),
  );
  if (isErr(firstMessage)) return { kind: "usage", error: firstMessage };

  let messageRate = 0;
  if (values["message-rate"] !== undefined) {
    const r = num(parseRate("message-rate", values["message-rate"]));
    if (isErr(r)) return { kind: "usage", error: r };
    if (r <= 0) return usage("--message-rate: must be more than 0 (leave it out for bulk)");
    if (message.length === 0) return usage("--message-rate needs --message or --message-file");
    messageRate = r;
  }
  let channelLifetimeMs = Infinity;
  if (values["channel-lifetime"] !== undefined) {
    const r = num(parseDuration("channel-lifetime", values["channel-lifetime"]));
    if (isErr(r)) return { kind: "usage", error: r };
    channelLifetimeMs = r;
  }

  // --- header
  const given = headerFlagsGiven(values);
  let version: 1 | 2 | null = values.v1 ? 1 : 2;
  if (values.header !== undefined) {
    const h = values.header.toLowerCase();
    if (h !== "v1" && h !== "v2" && h !== "none") {
      return usage(`--header: ${JSON.stringify(values.header)} is not v1, v2 or none`);
    }
    if (h === "none") {
      if (given.length > 0) {
        return usage(`--header none and --${given[0]} exclude each other (no header is sent)`);
      }
      version = null;
    } else {
      version = h === "v1" ? 1 : 2;
      if ((values.v1 && version === 2) || (values.v2 && version === 1)) {
        return usage(`--header ${h} contradicts --${values.v1 ? "v1" : "v2"}`);
      }
    }
  }
  const header = version === null ? null : {
    version,
    values: { ...values, v1: version === 1, v2: version === 2 } as HeaderFlagValues,
  };

  let nagle = false;
  if (values.nagle !== undefined) {
    if (values.nagle !== "on" && values.nagle !== "off") {
      return usage(`--nagle: ${JSON.stringify(values.nagle)} is not on or off`);
    }
    nagle = values.nagle === "on";
  }
  let workers: number | null = null;
  if (values.workers !== undefined) {
    const w = num(parseCount("workers", values.workers, 1, 256));
    if (isErr(w)) return { kind: "usage", error: w };
    workers = w;
  }
  let percentiles: readonly number[] = DEFAULT_PERCENTILES;
  if (values["latency-percentiles"] !== undefined) {
    const p = num(parsePercentiles(values["latency-percentiles"]));
    if (isErr(p)) return { kind: "usage", error: p };
    percentiles = p;
  }
  let worker: BenchArgs["worker"] = null;
  if (values.worker !== undefined) {
    const m = /^([0-9]{1,3})\/([0-9]{1,3})$/.exec(values.worker);
    if (m === null || Number(m[1]) >= Number(m[2])) return usage("--worker: expected I/N, I < N");
    worker = { index: Number(m[1]), count: Number(m[2]) };
  }
  return {
    kind: "plan",
    plan: {
      targetText: positionals[0],
      hostname: t.hostname,
      port: t.port,
      family: t.family ?? (canonicalAddress(t.hostname)?.family ?? null),
      connections,
      connectRate,
      connectTimeoutMs,
      durationMs,
      message,
      firstMessage,
      messageRate,
      channelLifetimeMs,
      header,
      nagle,
      workers,
      percentiles,
      json: values.json ?? false,
      worker,
    },
  };
}
