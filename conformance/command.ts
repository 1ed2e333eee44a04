/**
 * The conformance command itself, below the CLI: its flags (as data), the
 * check of their values, and the run that writes the reports. `ppcat
 * conformance` (cli/conformance.ts) and `deno task conformance`
 * (conformance/main.ts) are thin layers over it that parse the arguments and
 * print.
 *
 * @module
 */

import { failures, suitePassed, type SuiteResult } from "./model.ts";
import { renderMarkdown, renderText, resultJson, writeReport } from "./report.ts";
import { renderHtml } from "./report_html.ts";
import { renderJunit } from "./report_junit.ts";
import { runSuite, selectPeers, type SuiteOptions } from "./suite.ts";

/** One flag of the command: its parseArgs type, value placeholder and help line. */
export interface ConformanceFlag {
  readonly type: "string" | "boolean";
  readonly short?: string;
  readonly arg?: string;
  readonly help: string;
}

/** The flags of `ppcat conformance`. */
export const CONFORMANCE_FLAGS = {
  peers: {
    type: "string",
    arg: "LIST",
    help: "only these peers, comma-separated (default: all; e.g. haproxy,apache2)",
  },
  haproxy: { type: "string", arg: "PATH", help: "haproxy binary (default: haproxy on PATH)" },
  nginx: { type: "string", arg: "PATH", help: "nginx binary (default: nginx on PATH)" },
  tshark: { type: "string", arg: "PATH", help: "tshark binary for part 4 (default: on PATH)" },
  openssl: { type: "string", arg: "PATH", help: "openssl binary for the TLS certificates" },
  json: { type: "boolean", help: "print one JSON object (for CI) instead of the text summary" },
  markdown: { type: "string", arg: "FILE", help: "also write the matrix as Markdown to FILE" },
  html: { type: "string", arg: "FILE", help: "also write a self-contained HTML report to FILE" },
  junit: { type: "string", arg: "FILE", help: "also write JUnit XML (one testcase per cell)" },
  "no-fuzz": { type: "boolean", help: "skip part 3, the fuzz catalog" },
  "no-wireshark": { type: "boolean", help: "skip part 4, decoding with Wireshark" },
  "skip-missing": {
    type: "boolean",
    help: "accepted for old scripts: a missing peer is always a column of skip",
  },
  keep: { type: "boolean", help: "keep the temporary directory (configs, logs, capture)" },
  quiet: { type: "boolean", short: "q", help: "no progress lines on stderr" },
  help: { type: "boolean", short: "h", help: "show this help" },
} as const satisfies Readonly<Record<string, ConformanceFlag>>;

/** The parsed values of {@linkcode CONFORMANCE_FLAGS}. */
export interface ConformanceValues {
  readonly peers?: string | undefined;
  readonly haproxy?: string | undefined;
  readonly nginx?: string | undefined;
  readonly tshark?: string | undefined;
  readonly openssl?: string | undefined;
  readonly json?: boolean | undefined;
  readonly markdown?: string | undefined;
  readonly html?: string | undefined;
  readonly junit?: string | undefined;
  readonly "no-fuzz"?: boolean | undefined;
  readonly "no-wireshark"?: boolean | undefined;
  readonly keep?: boolean | undefined;
  readonly quiet?: boolean | undefined;
}

/** A checked configuration: the suite's options and the files to write. */
export interface ConformanceConfig {
  readonly suite: SuiteOptions;
  readonly json: boolean;
  readonly markdown?: string | undefined;
  readonly html?: string | undefined;
  readonly junit?: string | undefined;
}

/** The text of the command's help before its flag table. */
export const CONFORMANCE_HELP_HEAD =
  `ppcat conformance - how the real PROXY protocol ecosystem treats the spec, and ppcat with it

USAGE
  ppcat conformance [--peers LIST] [--json] [--html FILE] [--junit FILE] [--markdown FILE]

  Starts its own instances of the peers found on this machine (configurations
  generated into a temporary directory, free loopback ports, never the system
  instances), all at once, and checks:
    1. senders → ppcat: haproxy (send-proxy, send-proxy-v2 + crc32c, unique-id,
       authority, -ssl(-cn) behind TLS, health checks), nginx stream
       proxy_protocol, stunnel4 protocol = proxy, curl --haproxy-protocol
       (TCP4, TCP6, UNIX socket);
    2. ppcat → receivers: v1, v2, IPv4, IPv6, TLVs, LOCAL, UNKNOWN sent to
       haproxy, nginx stream and http, apache2 (mod_remoteip), lighttpd
       (mod_extforward), squid and postfix, and what each understood;
    3. the whole fuzz catalog against ppcat and every receiver;
    4. every header that reached ppcat decoded again by Wireshark (tshark).
  A peer that is not installed is a column of "skip" naming its Debian package.
  Departures of the peers from the spec are findings, not failures. Every
  process is stopped at the end, on failure and on Ctrl-C.

PEERS
  haproxy, nginx, apache2, lighttpd, squid, postfix, stunnel4, curl

FLAGS
`;

/** The examples and exit status after the flag table. */
export const CONFORMANCE_HELP_TAIL = `
EXAMPLES
  ppcat conformance
  ppcat conformance --peers haproxy,apache2 --no-fuzz
  ppcat conformance --haproxy ./haproxy-3.0/haproxy --nginx /opt/nginx/sbin/nginx
  ppcat conformance --json --quiet --html report.html --junit junit.xml > conformance.json

EXIT STATUS
  0  ppcat agreed with itself and with every sender and receiver (findings allowed)
  1  a ppcat failure, a mismatching check, or a peer that would not start
     (one line on stderr names the first cause, also with --json and --quiet)
  2  usage error
`;

/**
 * Checks the flag values; a message (usage error) when they do not make sense.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { conformanceConfig } from "./command.ts";
 * const ok = conformanceConfig({ peers: "haproxy,apache2", json: true });
 * assert.ok(ok.ok);
 * assert.deepEqual(ok.config.suite.peers, ["haproxy", "apache2"]);
 * assert.deepEqual(conformanceConfig({ html: "" }), {
 *   ok: false, message: "--html needs a non-empty value",
 * });
 * assert.equal(conformanceConfig({ peers: "iis" }).ok, false);
 * ```
 */
export function conformanceConfig(
  v: ConformanceValues,
): { ok: true; config: ConformanceConfig } | { ok: false; message: string } {
  const paths = ["haproxy", "nginx", "tshark", "openssl", "markdown", "html", "junit", "peers"];
  for (const name of paths) {
    if (v[name as keyof ConformanceValues] === "") {
      return { ok: false, message: `--${name} needs a non-empty value` };
    }
  }
  const peers = v.peers?.split(",").map((p) => p.trim()).filter((p) => p !== "");
  const selected = selectPeers(peers);
  if (!selected.ok) return { ok: false, message: `--peers: ${selected.error}` };
  for (const name of ["haproxy", "nginx"] as const) {
    if (v[name] !== undefined && peers !== undefined && !peers.includes(name)) {
      return { ok: false, message: `--${name} given, but --peers leaves ${name} out` };
    }
  }
  return {
    ok: true,
    config: {
      suite: {
        peers,
        haproxy: v.haproxy,
        nginx: v.nginx,
        tshark: v.tshark,
        openssl: v.openssl,
        fuzz: !v["no-fuzz"],
        wireshark: !v["no-wireshark"],
        keep: v.keep ?? false,
      },
      json: v.json ?? false,
      markdown: v.markdown,
      html: v.html,
      junit: v.junit,
    },
  };
}

/** Where the command prints. */
export interface ConformanceIo {
  /** Data (the summary or the JSON). */
  out(text: string): void;
  /** Progress lines. */
  err(text: string): void;
}

/** How a run ended: the exit code, the result, and the one line saying why it failed. */
export interface ConformanceOutcome {
  /** 0 passed, 1 failed. */
  readonly code: 0 | 1;
  /** The run's result. */
  readonly result: SuiteResult;
  /** Why it failed (the caller prints it on stderr). */
  readonly failure?: string;
}

/**
 * Runs the suite, writes the files asked for (Markdown, HTML, JUnit), prints
 * the summary or the JSON. `generatedBy` names the command in the reports.
 */
export async function runConformance(
  config: ConformanceConfig,
  io: ConformanceIo,
  quiet: boolean,
  generatedBy: string,
): Promise<ConformanceOutcome> {
  const result = await runSuite({
    ...config.suite,
    log: quiet ? undefined : (line) => io.err(`${line}\n`),
  });
  const files: [string | undefined, () => string][] = [
    [config.markdown, () => renderMarkdown(result, generatedBy)],
    [config.html, () => renderHtml(result, generatedBy)],
    [config.junit, () => renderJunit(result)],
  ];
  for (const [path, render] of files) {
    if (path === undefined) continue;
    try {
      writeReport(path, render());
    } catch (e) {
      return { code: 1, result, failure: `cannot write ${path}: ${(e as Error).message}` };
    }
  }
  io.out(config.json ? `${JSON.stringify(resultJson(result))}\n` : renderText(result));
  if (suitePassed(result)) return { code: 0, result };
  // Even with --json --quiet, say on stderr why: a CI log often shows only stderr.
  return { code: 1, result, failure: failureSummary(result) };
}

/**
 * One line naming why a run failed: the counts, then the first error or
 * failing cell.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { failureSummary } from "./command.ts";
 * const line = failureSummary({
 *   errors: ["haproxy: exited (1) before listening"],
 *   groups: [],
 * });
 * assert.equal(line, "FAIL: 0 failing checks, 1 error; first: haproxy: exited (1) before listening");
 * ```
 */
export function failureSummary(result: Pick<SuiteResult, "errors" | "groups">): string {
  const fails = failures(result.groups);
  const f = fails[0];
  const first = result.errors[0] ??
    (f !== undefined ? `${f.row} (${f.column}): ${f.cell.observed}` : "unknown");
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return `FAIL: ${plural(fails.length, "failing check")}, ${
    plural(result.errors.length, "error")
  }; first: ${first}`;
}
