/**
 * `ppcat listen`: a PROXY protocol receiver for testing. Accepts connections (or UDP datagrams),
 * reads and checks the header under a strict policy, prints what every client sent (real peer,
 * header fields, TLVs decoded, CRC status, time to header), then echoes, discards, or answers
 * with the decoded info as JSON.
 *
 * In-process use (tests, benchmarks): {@linkcode run} with an AbortSignal, or
 * {@linkcode startListen} from ./listen_server.ts.
 *
 * @module
 */

import { type Cidr, parseCidrList } from "../lib/cidr.ts";
import { formatAddr, MIN_HEADER_TIMEOUT_MS, TransportError } from "../lib/transport.ts";
import { commonFlags, flag, flagHelp, optionsOf, parseCommand, type Verbosity } from "./args.ts";
import { ExitCode, reportFailure, reportParse } from "./exit.ts";
import { type CommandParse, usage } from "./parsed.ts";
import { parseDuration, parseInteger, parseVersions } from "./values.ts";
import {
  colorOut,
  exitNow,
  type OutSink,
  outSink,
  type StdinReader,
  stdinReader,
  writeErr,
} from "./io.ts";
import { type ListenTarget, parseListenAddress } from "./listen_address.ts";
import { type EventDetail, eventLine, type ListenEvent, renderEvent } from "./listen_events.ts";
import { ListenMode, startListen } from "./listen_server.ts";
import { processStopSignal, type StopSignal } from "./listen_signal.ts";
import { createOneline, createTally } from "./listen_summary.ts";

const COMMAND = "listen";

/** Largest --header-timeout, in seconds (timers hold at most 2^31 - 1 ms). */
export const MAX_HEADER_TIMEOUT_S = 2_147_483;

/** Largest --max-connections. */
export const MAX_CONNECTIONS = 1_000_000;

const FLAGS = {
  udp: flag.boolean("receive UDP datagrams; the header is parsed in each one on its own (§2)"),
  echo: flag.boolean("send the payload back (the default)"),
  discard: flag.boolean("read and drop the payload"),
  "reply-info": flag.boolean('first send {"peer","local","header"} as one JSON line, then echo'),
  stdin: flag.boolean("send stdin to every connection served; no echo (nc -l)"),
  once: flag.boolean(
    "exit after the first connection ends: 0 if its header was valid, 1 if rejected",
  ),
  require: flag.boolean("no header, no service (the default, §2)"),
  optional: flag.boolean(
    "also serve connections without a header (testing only: §2 forbids guessing)",
  ),
  versions: flag.string("LIST", 'versions to accept: "1", "2" or "1,2" (default)'),
  trust: flag.string(
    "CIDR,…",
    "only these peers may send a header; others are refused (default: any)",
    { multiple: true },
  ),
  "header-timeout": flag.string(
    "TIME",
    "abort a header not complete in time (default 3, the minimum of §2)",
  ),
  "max-connections": flag.string(
    "N",
    "cap on concurrent connections; beyond, close at once (default 0: no cap)",
  ),
  "allow-crc-mismatch": flag.boolean(
    'accept a wrong CRC32C, reported as "invalid" (§2.2.3 says reject)',
  ),
  json: flag.boolean("print NDJSON events on stdout, one per line"),
  hexdump: flag.boolean('hex-dump the payload (with --json: "hex" in each data event)', {
    short: "x",
  }),
  show: flag.string("text|hex", "payload as text (control bytes escaped) or a hex dump (= -x)"),
  oneline: flag.boolean("one line per connection, when it ends (--json: a connection event)"),
  raw: flag.boolean("no events on stdout: the payload bytes alone, as received (nc -l)"),
  ...commonFlags(
    "stderr: the receiver's settings at start",
    "stderr: errors only (no warnings or diagnostics)",
  ),
} as const;

const OPTIONS = optionsOf(FLAGS);

/** Help text for `ppcat listen`. */
export const HELP = `ppcat listen - accept connections and print their PROXY protocol headers

USAGE
  ppcat listen [flags] [ADDR]:PORT | PORT | UNIX_PATH

  ":8080" and "8080" listen on every IPv4 interface (0.0.0.0), like nc and
  HAProxy; "127.0.0.1:8080" on one; "[::]:8080" on every IPv6 interface,
  "[::1]:8080" on the IPv6 loopback. A UNIX socket path must contain "/"
  (./pp.sock) or start with "unix:". Port 0 picks a free port: the real one is
  in the "listening" event.

  Every connection must start with a complete, valid header (v1 or v2) within
  the header timeout; fragments are reassembled. A header that violates the
  spec aborts the connection and is reported with its error code and byte
  offset. Bytes after the header are payload, a second header included.

FLAGS
${flagHelp(FLAGS)}
  --udp --reply-info: a reply larger than the datagram it answers goes only to a
  peer in --trust; to anyone else only the payload is echoed (a UDP source can be
  spoofed: no amplification), and the datagram event says what was withheld.

  --stdin: what is typed (or piped) on stdin goes to every connection being
  served; at its end, those connections (and later ones) are half-closed.

OUTPUT
  One block of text per event on stdout, coloured on a terminal unless NO_COLOR
  is set; with --json one JSON object per line (every one has "event" and
  "time"):
    {"event":"listening","transport":"tcp","address":{"address":"127.0.0.1","port":8080}}
    {"event":"accept","id":1,"peer":{…},"local":{…}}
    {"event":"header","id":1,"peer":{…},"headerMs":2,"untrusted":false,"header":{…}}
    {"event":"reject","id":1,"peer":{…},"reason":"invalid","code":"V1_LEADING_ZERO",
     "message":"…","offset":17,"afterMs":1,"received":40}
    {"event":"data","id":1,"in":5,"out":5}            (at most once a second)
    {"event":"close","id":1,"in":5,"out":5,"durationMs":40,"error":null}
    {"event":"datagram","id":1,"peer":{…},"length":45,"untrusted":false,
     "header":{…},"payload":5,"out":5}                   (--udp)
    {"event":"connection","id":1,"peer":{…},"header":{…},"reject":null,
     "in":5,"out":5,"durationMs":40,"error":null}        (--oneline)
    {"event":"dropped","count":12}          (stdout was not read fast enough)
    {"event":"summary","reason":"SIGINT","durationMs":…,"connections":3,
     "served":2,"rejected":{"invalid":1},"in":…,"out":…,"dropped":0}  (the last)
  "header" is the form of 'ppcat decode --json'; an event shows at most 32 TLVs
  and 2048 bytes of TLV values, the rest counted in "tlvsOmitted":{"count","bytes"}.
  Reject reasons: timeout, closed, reset, untrusted, invalid, capacity. Warnings
  and bind errors go to stderr.

  The listener never waits for stdout: while a reader (a pager, a log shipper)
  lags by more than 1 MiB, events are dropped and counted ("dropped", and in the
  summary). At the stop, output not taken within 2 s is given up (stderr says so).

EXAMPLES
  ppcat listen 127.0.0.1:8080
  ppcat listen --json --once 127.0.0.1:0
  ppcat listen --trust 10.0.0.0/8 --versions 2 --reply-info :8443
  ppcat listen --udp --json 127.0.0.1:5353
  ppcat listen --discard ./pp.sock
  ppcat listen --stdin --raw 127.0.0.1:8080     (like nc -l, the header checked first)
  ppcat listen --oneline :8080

EXIT STATUS
  0  stopped by SIGTERM, or --once and the header was valid
  130 stopped by SIGINT (Ctrl-C)
  1  the address cannot be bound ("ppcat listen: listen ADDR: address in use"),
     or --once and the connection was rejected
  2  usage error
`;

/** What `ppcat listen` was asked to do, once the flags are checked. */
export interface ListenConfig {
  /** Where to bind. */
  readonly target: ListenTarget;
  /** UDP instead of streams. */
  readonly udp: boolean;
  /** What to do with the payload. */
  readonly mode: ListenMode;
  /** Stop after the first connection. */
  readonly once: boolean;
  /** Serve connections without a header. */
  readonly optional: boolean;
  /** Versions to accept. */
  readonly versions: readonly (1 | 2)[];
  /** Trusted peers, or null for any. */
  readonly trust: readonly Cidr[] | null;
  /** Header timeout. */
  readonly headerTimeoutMs: number;
  /** 0: no cap. */
  readonly maxConnections: number;
  /** Tolerate a wrong CRC32C. */
  readonly allowCrcMismatch: boolean;
  /** NDJSON output. */
  readonly json: boolean;
  /** Dump payload bytes. */
  readonly hexdump: boolean;
  /** Show payload bytes as text. */
  readonly text: boolean;
  /** One line per connection. */
  readonly oneline: boolean;
  /** No events: the payload bytes alone. */
  readonly raw: boolean;
  /** Warnings to print on stderr before starting. */
  readonly warnings: readonly string[];
  /** `-v` / `-q`. */
  readonly verbosity: Verbosity;
}

/**
 * Checks the flags and the address of `ppcat listen` (no I/O).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configFromArgs } from "./listen.ts";
 * const r = configFromArgs(["--versions", "2", "--header-timeout", "1.5", ":0"]);
 * assert.ok(r.kind === "run");
 * assert.deepEqual(r.config.versions, [2]);
 * assert.equal(r.config.headerTimeoutMs, 1500);
 * assert.equal(r.config.warnings.length, 1); // below the 3 s of §2
 * assert.deepEqual(configFromArgs(["--echo", "--discard", ":0"]), {
 *   kind: "usage",
 *   message: "--echo and --discard exclude each other",
 * });
 * ```
 */
export function configFromArgs(args: string[]): CommandParse<ListenConfig> {
  const parsed = parseCommand(args, OPTIONS, true);
  if (parsed.kind !== "run") return parsed;
  const { values, positionals, verbosity } = parsed.config;
  const fail = usage;

  if (positionals.length === 0) return fail("missing the address ([ADDR]:PORT or UNIX_PATH)");
  if (positionals.length > 1) {
    return fail(`expected one address, got ${positionals.length}: ${positionals.join(" ")}`);
  }
  const address = parseListenAddress(positionals[0] ?? "");
  if (!address.ok) return fail(address.message);
  const udp = values.udp ?? false;
  if (udp && "path" in address.target) return fail("--udp needs [ADDR]:PORT, not a UNIX path");

  const modes = (["echo", "discard", "reply-info", "stdin"] as const).filter((m) => values[m]);
  if (modes.length > 1) return fail(`--${modes[0]} and --${modes[1]} exclude each other`);
  const mode: ListenMode = modes[0] ?? ListenMode.ECHO;
  if (udp && mode === ListenMode.STDIN) return fail("--stdin does not apply to --udp");

  let show = values.hexdump ? "hex" : null;
  if (values.show !== undefined) {
    if (values.show !== "text" && values.show !== "hex") {
      return fail(`--show: expected text or hex, got ${JSON.stringify(values.show)}`);
    }
    if (show !== null && values.show !== "hex") {
      return fail("-x and --show text exclude each other");
    }
    show = values.show;
  }
  const raw = values.raw ?? false;
  if (raw && values.json) return fail("--raw and --json exclude each other");
  if (raw && values.oneline) return fail("--raw and --oneline exclude each other");

  if (values.require && values.optional) return fail("--require and --optional exclude each other");
  const optional = values.optional ?? false;

  let versions: (1 | 2)[] = [1, 2];
  if (values.versions !== undefined) {
    const v = parseVersions("versions", values.versions);
    if (!v.ok) return fail(v.message);
    versions = v.value;
  }

  let trust: Cidr[] | null = null;
  if (values.trust !== undefined) {
    const list = parseCidrList(values.trust.join(","));
    if (typeof list === "string") return fail(`--trust: ${list}`);
    if (list.length === 0) return fail("--trust: give at least one address range");
    trust = list;
  }

  const warnings: string[] = [];
  let headerTimeoutMs = MIN_HEADER_TIMEOUT_MS;
  const timeout = values["header-timeout"];
  if (timeout !== undefined) {
    if (udp) return fail("--header-timeout does not apply to --udp (one datagram, one header)");
    const d = parseDuration("header-timeout", timeout, {
      min: 1,
      max: MAX_HEADER_TIMEOUT_S * 1000,
    });
    if (!d.ok) return fail(d.message);
    headerTimeoutMs = d.value;
    if (headerTimeoutMs < MIN_HEADER_TIMEOUT_MS) {
      warnings.push(
        `--header-timeout ${timeout} is below the minimum of §2 (a receiver waits "at least 3 ` +
          `seconds to cover a TCP retransmit"); fragmented headers may be cut short`,
      );
    }
  }

  let maxConnections = 0;
  const max = values["max-connections"];
  if (max !== undefined) {
    if (udp) return fail("--max-connections does not apply to --udp");
    const n = parseInteger("max-connections", max, { max: MAX_CONNECTIONS });
    if (!n.ok) return fail(n.message);
    maxConnections = n.value;
  }

  if (optional) {
    warnings.push(
      "--optional serves connections without a PROXY header: §2 says a receiver MUST NOT guess " +
        "whether a header is present (on a shared port anyone can spoof addresses); testing only",
    );
  }

  return {
    kind: "run",
    config: {
      target: address.target,
      udp,
      mode,
      once: values.once ?? false,
      optional,
      versions,
      trust,
      headerTimeoutMs,
      maxConnections,
      allowCrcMismatch: values["allow-crc-mismatch"] ?? false,
      json: values.json ?? false,
      hexdump: show === "hex",
      text: show === "text" || (raw && show === null), // --raw needs every chunk
      oneline: values.oneline ?? false,
      raw,
      warnings,
      verbosity,
    },
  };
}

const SHORT_REASON: Partial<Record<string, string>> = {
  ADDRESS_IN_USE: "address in use",
  PERMISSION_DENIED: "permission denied",
  UNREACHABLE: "address not available on this host",
  NOT_FOUND: "not found",
};

/**
 * The one line printed when the address cannot be bound.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bindFailure } from "./listen.ts";
 * import { TransportError } from "../lib/transport.ts";
 * const e = new TransportError("ADDRESS_IN_USE", "listen", "127.0.0.1:80", "EADDRINUSE");
 * assert.equal(
 *   bindFailure(e, { hostname: "127.0.0.1", port: 80 }, false),
 *   "listen 127.0.0.1:80: address in use",
 * );
 * ```
 */
export function bindFailure(error: unknown, target: ListenTarget, udp: boolean): string {
  const where = `${udp ? "udp:" : ""}${formatAddr(target)}`;
  if (error instanceof TransportError) {
    const short = SHORT_REASON[error.code];
    if (short !== undefined) return `listen ${where}: ${short}`;
    return error.message.startsWith("listen ")
      ? error.message
      : `listen ${where}: ${error.message}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `listen ${where}: ${message.split("\n")[0]}`;
}

/** In-process hooks for {@linkcode run} (tests, benchmarks). */
export interface RunHooks {
  /** Stops the listener (exit 0) when aborted. Without it, SIGINT and SIGTERM do. */
  readonly signal?: AbortSignal;
  /** Sees every event as it is printed. */
  readonly onEvent?: (event: ListenEvent, detail: EventDetail) => void;
}

/**
 * Runs `ppcat listen` with the arguments after the subcommand name; returns the exit code once
 * stopped (the signal, or --once).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { run } from "./listen.ts";
 * import { memoryIo, setIo } from "./io.ts";
 * const mem = memoryIo();
 * const restore = setIo(mem);
 * const code = await run(["--json", "127.0.0.1:0"], { signal: AbortSignal.abort() });
 * restore();
 * assert.equal(code, 0);
 * const events = mem.out().trim().split("\n").map((line) => JSON.parse(line).event);
 * assert.deepEqual(events, ["listening", "summary"]);
 * ```
 */
export async function run(args: string[], hooks: RunHooks = {}): Promise<number> {
  const checked = configFromArgs(args);
  if (checked.kind !== "run") return reportParse(COMMAND, HELP, checked);
  const config = checked.config;
  const quiet = config.verbosity === "quiet";
  if (!quiet) {
    for (const warning of config.warnings) writeErr(`ppcat ${COMMAND}: warning: ${warning}\n`);
  }
  if (config.verbosity === "verbose") {
    writeErr(
      `* ${config.optional ? "optional" : "require"} header, versions ${
        config.versions.join(",")
      }, trust ${config.trust === null ? "any" : `${config.trust.length} ranges`}, ` +
        `header timeout ${config.headerTimeoutMs} ms, max connections ${
          config.maxConnections === 0 ? "none" : config.maxConnections
        }\n`,
    );
  }

  const color = !config.json && colorOut();
  const render = {
    color,
    hexdump: config.hexdump,
    text: config.text,
    allowCrcMismatch: config.allowCrcMismatch,
  };
  const format = (event: ListenEvent, detail: EventDetail = {}) =>
    config.json ? eventLine(event) : renderEvent(event, detail, render);

  // The server never waits for stdout: past the backlog, events are counted, not queued.
  const sink = outSink();
  let dropped = 0;
  let droppedSince = 0;
  const noteDrops = () => {
    if (droppedSince === 0 || config.raw) return;
    sink.write(format({ event: "dropped", time: new Date().toISOString(), count: droppedSince }));
    droppedSince = 0;
  };
  // `data` is a thunk so that a dropped event costs no rendering.
  const print = (data: () => string | Uint8Array, always = false) => {
    if (!always && sink.backlog > OUTPUT_BACKLOG_BYTES) {
      dropped++;
      // Say so as soon as the reader has caught up, not only at the next event.
      if (droppedSince++ === 0) void sink.drained(OUTPUT_BACKLOG_BYTES / 2).then(noteDrops);
      return;
    }
    noteDrops();
    sink.write(data());
  };
  const tally = createTally(config.udp);
  const fold = config.oneline ? createOneline() : null;
  const onEvent = (event: ListenEvent, detail: EventDetail) => {
    tally.see(event);
    hooks.onEvent?.(event, detail);
    if (config.raw) {
      // nc -l: the payload alone.
      if (event.event === "data" || event.event === "datagram") {
        const bytes = detail.bytes;
        if (bytes !== undefined && bytes.length > 0) print(() => bytes);
      }
      return;
    }
    if (fold === null) return print(() => format(event, detail));
    const line = fold(event);
    if (line !== null) print(() => format(line, line === event ? detail : {}));
  };

  let stop: StopSignal | null = null;
  const signal = hooks.signal ?? (stop = processStopSignal()).signal;
  let input: StdinReader | null = null;
  try {
    let server;
    try {
      server = await startListen({
        ...config,
        onEvent,
        onDiagnostic: quiet ? () => {} : onDiagnostic,
        wantsDetail: () => sink.backlog <= OUTPUT_BACKLOG_BYTES,
      });
    } catch (error) {
      return reportFailure(COMMAND, bindFailure(error, config.target, config.udp));
    }
    if (config.mode === ListenMode.STDIN) {
      const reader = input = stdinReader();
      const target = server;
      void (async () => {
        for (let chunk = await reader.read(); chunk !== null; chunk = await reader.read()) {
          await target.broadcast(chunk);
        }
        target.endInput();
      })();
    }
    let onAbort = () => {};
    const aborted = new Promise<null>((resolve) => {
      onAbort = () => resolve(null);
      if (signal.aborted) resolve(null);
      else signal.addEventListener("abort", onAbort, { once: true });
    });
    const end = await Promise.race([server.done, aborted]);
    signal.removeEventListener("abort", onAbort);
    input?.cancel();
    let reason = "once";
    let code: number = end?.ok === false ? ExitCode.FAILURE : ExitCode.OK;
    if (end === null) {
      await server.stop();
      reason = typeof signal.reason === "string" ? signal.reason : "stopped";
      code = reason === "SIGINT" ? EXIT_SIGINT : ExitCode.OK;
    }
    if (!config.raw) print(() => format(tally.summary(reason, dropped)), true);
    else if (dropped > 0) {
      writeErr(`ppcat ${COMMAND}: ${dropped} chunks not shown: stdout was not read fast enough\n`);
    }
    await flushOutput(sink, code);
    return code;
  } finally {
    input?.cancel();
    stop?.dispose();
  }
}

/** Exit code after Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_SIGINT = 130;

/** While stdout lags by more than this many bytes, events are dropped (and counted). */
export const OUTPUT_BACKLOG_BYTES = 1024 * 1024;

/** At the stop, how long output still queued may take to be written, in milliseconds. */
export const FLUSH_MS = 2000;

/** Waits (bounded) for queued output; if stdout is stuck, says so and ends the process. */
async function flushOutput(sink: OutSink, code: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([sink.drained(), new Promise((r) => (timer = setTimeout(r, FLUSH_MS)))]);
  clearTimeout(timer);
  if (sink.backlog === 0) return;
  writeErr(
    `ppcat ${COMMAND}: stdout is not being read: ${sink.backlog} bytes of output given up\n`,
  );
  exitNow(code); // a write stuck in a full pipe would keep the process alive
}

function onDiagnostic(message: string): void {
  writeErr(`ppcat ${COMMAND}: ${message.replace(/\s*\n\s*/g, " ")}\n`);
}
