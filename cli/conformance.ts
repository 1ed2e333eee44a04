/**
 * `ppcat conformance`: runs the conformance suite (conformance/) against the
 * haproxy and nginx found on this machine, or the builds given with
 * `--haproxy` / `--nginx`, and prints the matrix as text, JSON or Markdown.
 *
 * @module
 */

import { renderMarkdown, renderText, resultJson, writeReport } from "../conformance/report.ts";
import { runSuite } from "../conformance/suite.ts";
import { failures, suitePassed, type SuiteResult } from "../conformance/model.ts";
import { flagHelp, optionsOf, parseCommandArgs } from "./args.ts";
import { ExitCode, reportFailure, reportUsage, usageError } from "./exit.ts";
import { writeErr, writeOut } from "./io.ts";

const COMMAND = "conformance";

const FLAGS = {
  haproxy: { type: "string", arg: "PATH", help: "haproxy binary (default: haproxy on PATH)" },
  nginx: { type: "string", arg: "PATH", help: "nginx binary (default: nginx on PATH)" },
  tshark: { type: "string", arg: "PATH", help: "tshark binary for part 4 (default: on PATH)" },
  openssl: { type: "string", arg: "PATH", help: "openssl binary for the TLS certificates" },
  json: { type: "boolean", help: "print one JSON object (for CI) instead of the text summary" },
  markdown: { type: "string", arg: "FILE", help: "also write the matrix as Markdown to FILE" },
  "no-fuzz": { type: "boolean", help: "skip part 3, the fuzz catalog (about 10 s)" },
  "no-wireshark": { type: "boolean", help: "skip part 4, decoding with Wireshark" },
  "skip-missing": {
    type: "boolean",
    help: "skip the checks of a missing haproxy or nginx instead of failing",
  },
  keep: { type: "boolean", help: "keep the temporary directory (configs, logs, capture)" },
  quiet: { type: "boolean", short: "q", help: "no progress lines on stderr" },
  help: { type: "boolean", short: "h", help: "show this help" },
} as const;

const OPTIONS = optionsOf(FLAGS);

/** Help text for `ppcat conformance`. */
export const HELP =
  `ppcat conformance - prove PROXY protocol interoperability with haproxy and nginx

USAGE
  ppcat conformance [--haproxy PATH] [--nginx PATH] [--json] [--markdown FILE]

  Starts its own haproxy and nginx (configurations generated into a temporary
  directory, free loopback ports, never the system instances) and checks:
    1. haproxy send-proxy, send-proxy-v2 (+ crc32c, unique-id, authority),
       send-proxy-v2-ssl(-cn) behind TLS, health checks, and nginx stream
       proxy_protocol, sending to ppcat's receiver;
    2. ppcat's headers (v1, v2, IPv4, IPv6, TLVs, LOCAL, UNKNOWN) sent to haproxy
       accept-proxy and nginx stream/http proxy_protocol;
    3. the whole fuzz catalog against ppcat, haproxy and nginx;
    4. every header of parts 1 and 2 decoded again by Wireshark (tshark; skipped
       with a note when tshark is not installed).
  Deviations of haproxy and nginx from the spec are findings, not failures.
  Every process is stopped at the end, on failure and on Ctrl-C.

FLAGS
${flagHelp(FLAGS)}
EXAMPLES
  ppcat conformance
  ppcat conformance --haproxy ./haproxy-3.0/haproxy --nginx /opt/nginx/sbin/nginx --no-fuzz
  ppcat conformance --json > conformance.json
  ppcat conformance --markdown CONFORMANCE.md

EXIT STATUS
  0  ppcat agreed with itself and with every sender and receiver (findings allowed)
  1  a ppcat failure, a mismatching check, or a peer that is missing or would not start
     (one line on stderr names the first cause, also with --json and --quiet)
  2  usage error
`;

/**
 * Runs `ppcat conformance` with the arguments after the subcommand name; returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { run } from "./conformance.ts";
 * import { memoryIo, setIo } from "./io.ts";
 * const mem = memoryIo();
 * const restore = setIo(mem);
 * const code = await run(["--haproxy"]);
 * restore();
 * assert.equal(code, 2);
 * assert.match(mem.err(), /^ppcat conformance: flag --haproxy needs a value/);
 * ```
 */
export function run(args: string[]): Promise<number> {
  return conformance(args, "`ppcat conformance`");
}

/**
 * {@linkcode run}, naming `generatedBy` as the command that wrote the
 * Markdown (conformance/main.ts: `deno task conformance`).
 */
export async function conformance(args: string[], generatedBy: string): Promise<number> {
  const parsed = parseCommandArgs(COMMAND, args, OPTIONS);
  if (!parsed.ok) return reportUsage(parsed.error);
  const v = parsed.values;
  if (v.help) {
    writeOut(HELP);
    return ExitCode.OK;
  }
  for (const name of ["haproxy", "nginx", "tshark", "openssl", "markdown"] as const) {
    if (v[name] === "") {
      return reportUsage(usageError(COMMAND, `--${name} needs a non-empty value`));
    }
  }
  const result = await runSuite({
    haproxy: v.haproxy,
    nginx: v.nginx,
    tshark: v.tshark,
    openssl: v.openssl,
    fuzz: !v["no-fuzz"],
    wireshark: !v["no-wireshark"],
    skipMissing: v["skip-missing"],
    keep: v.keep,
    log: v.quiet ? undefined : (line) => writeErr(`${line}\n`),
  });
  if (v.markdown !== undefined) {
    try {
      writeReport(v.markdown, renderMarkdown(result, generatedBy));
    } catch (e) {
      return reportFailure(COMMAND, `cannot write ${v.markdown}: ${(e as Error).message}`);
    }
  }
  writeOut(v.json ? `${JSON.stringify(resultJson(result))}\n` : renderText(result));
  if (suitePassed(result)) return ExitCode.OK;
  // Even with --json --quiet, say on stderr why: a CI log often shows only stderr.
  return reportFailure(COMMAND, failureSummary(result));
}

/**
 * One line naming why a run failed: the counts, then the first error or
 * failing cell.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { failureSummary } from "./conformance.ts";
 * const line = failureSummary({
 *   errors: ["haproxy: exited (1) before listening"],
 *   groups: [],
 * });
 * assert.equal(line, "FAIL: 0 failing checks, 1 error; first: haproxy: exited (1) before listening");
 * ```
 */
export function failureSummary(
  result: Pick<SuiteResult, "errors" | "groups">,
): string {
  const fails = failures(result.groups);
  const first = result.errors.length > 0
    ? result.errors[0]
    : fails.length > 0
    ? `${fails[0].row} (${fails[0].column}): ${fails[0].cell.observed}`
    : "unknown";
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return `FAIL: ${plural(fails.length, "failing check")}, ${
    plural(result.errors.length, "error")
  }; first: ${first}`;
}
