/**
 * `ppcat send`: its flags and the pure parsing behind them (TARGET, `--data` escapes,
 * `--fragment` offsets), turning the command line into a {@linkcode SendPlan}; the header flags
 * become a header template here, once. Nothing here touches the network.
 *
 * @module
 */

import { flag, flagHelp, HELP_FLAG, optionsOf, parseCommand, verbosityFlags } from "./args.ts";
import { HEADER_FLAGS, headerFlagsGiven, HELP_WIDTH, parseHeaderFlags } from "./header_flags.ts";
import { describeFamily, type HeaderTemplate, protocolFamily } from "./header_template.ts";
import { parseHex } from "./hex.ts";
import { readFile } from "./io.ts";
import { bad, type CommandParse, type Parsed, usage } from "./parsed.ts";
import { joinHostPort, oneTarget, type TargetSpec } from "./target.ts";
import { parseDuration } from "./values.ts";

/** How the PROXY header is sent: where it comes from and how it is split. */
const DELIVERY_FLAGS = {
  udp: flag.boolean("UDP: each payload chunk is one datagram with its own header (§2)"),
  "no-header": flag.boolean("send no PROXY header at all"),
  "header-hex": flag.string("HEX", "send these bytes verbatim instead of a built header"),
  "header-file": flag.string("FILE", "send this file's bytes verbatim instead of a built header"),
  fragment: flag.string("N,M,…", "split the header at these byte offsets, one write per piece"),
  "fragment-delay": flag.string(
    "TIME",
    "pause between header pieces; a bare number is milliseconds (default 0)",
  ),
  "same-write": flag.boolean("header and the first payload chunk in one write (default: separate)"),
} as const;

/** Where the payload comes from, and how the connection ends. */
const PAYLOAD_FLAGS = {
  data: flag.string("STR", "payload, escapes \\r \\n \\t \\\\ \\xHH; one write (datagram) each", {
    multiple: true,
  }),
  file: flag.string("FILE", "payload: the file's bytes, one write"),
  "close-on-eof": flag.boolean(
    "close at end of input (default: half-close, read until peer closes)",
  ),
  linger: flag.string(
    "TIME",
    "after the input, keep the write side open this long, then end (nc -q)",
  ),
  timeout: flag.string(
    "TIME",
    "connect and idle timeout, as nc -w (default 10s; --udp reply wait 2s; 0: none)",
    { short: "w" },
  ),
} as const;

/** TLS after the header, as a TLS terminator behind a PROXY-speaking balancer expects. */
const TLS_FLAGS = {
  tls: flag.boolean("start TLS after the header"),
  sni: flag.string("NAME", "server name to send and verify (default: TARGET's host name)"),
  "tls-alpn": flag.string("LIST", "ALPN protocols to offer, e.g. h2,http/1.1"),
  insecure: flag.boolean("do not verify the server certificate"),
  ca: flag.string("FILE", "trust the PEM certificates in FILE", { multiple: true }),
} as const;

/** Output flags. */
const OUTPUT_FLAGS = {
  ...verbosityFlags(
    "stderr: header hex dump and decode, connection events",
    "stderr: errors only (the default)",
  ),
  json: flag.boolean("stdout: one JSON summary; received bytes counted, not printed"),
  help: HELP_FLAG,
} as const;

// The parseArgs option table of `ppcat send`: the header flags plus its own.
const SEND_OPTIONS = optionsOf(
  {
    ...HEADER_FLAGS,
    ...DELIVERY_FLAGS,
    ...PAYLOAD_FLAGS,
    ...TLS_FLAGS,
    ...OUTPUT_FLAGS,
  } as const,
);

/**
 * The help sections for the flags of `ppcat send` (the header flags are in
 * cli/header_flags.ts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SEND_FLAGS_HELP } from "./send_options.ts";
 * assert.match(SEND_FLAGS_HELP, /^  --tls-alpn LIST +ALPN protocols/m);
 * assert.match(SEND_FLAGS_HELP, /^  -w, --timeout TIME +connect and idle timeout/m);
 * ```
 */
export const SEND_FLAGS_HELP: string = `DELIVERY FLAGS
${flagHelp(DELIVERY_FLAGS, HELP_WIDTH)}
PAYLOAD FLAGS
${flagHelp(PAYLOAD_FLAGS, HELP_WIDTH)}
TLS FLAGS
${flagHelp(TLS_FLAGS, HELP_WIDTH)}
OUTPUT FLAGS
${flagHelp(OUTPUT_FLAGS, HELP_WIDTH)}`;

/** Connect and idle timeout when `--timeout` is not given, milliseconds. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * With `--udp` and no `--timeout`: how long to wait for replies after the end of input or the
 * last reply, milliseconds.
 */
export const DEFAULT_UDP_WAIT_MS = 2_000;

/**
 * Largest `--header-file`: a header is at most 65 551 bytes (§2.2); room is left for the bytes
 * a test may want after it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MAX_HEADER_FILE_BYTES } from "./send_options.ts";
 * assert.equal(MAX_HEADER_FILE_BYTES, 1024 * 1024);
 * ```
 */
export const MAX_HEADER_FILE_BYTES = 1024 * 1024;

const utf8 = new TextEncoder();

function hexValue(c: string): number {
  return /^[0-9a-fA-F]$/.test(c) ? parseInt(c, 16) : -1;
}

/**
 * Decodes a `--data` value: UTF-8 text with the escapes `\r`, `\n`, `\t`, `\\` and `\xHH`
 * (one raw byte). Any other backslash sequence is an error, so a typo never goes out silently.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseEscapes } from "./send_options.ts";
 * const r = parseEscapes("GET /\\r\\n\\x00\\xff\\\\é");
 * assert.ok(r.ok);
 * assert.deepEqual([...r.value], [71, 69, 84, 32, 47, 13, 10, 0, 255, 92, 0xc3, 0xa9]);
 * assert.equal(parseEscapes("a\\q").ok, false);
 * assert.equal(parseEscapes("\\x4").ok, false);
 * ```
 */
export function parseEscapes(text: string): Parsed<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  let literalStart = 0;
  const flush = (end: number) => {
    if (end > literalStart) {
      const bytes = utf8.encode(text.slice(literalStart, end));
      parts.push(bytes);
      total += bytes.length;
    }
  };
  const byte = (b: number) => {
    parts.push(new Uint8Array([b]));
    total += 1;
  };
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== "\\") continue;
    flush(i);
    const c = text[i + 1];
    if (c === "r") byte(0x0d);
    else if (c === "n") byte(0x0a);
    else if (c === "t") byte(0x09);
    else if (c === "\\") byte(0x5c);
    else if (c === "x") {
      const hi = hexValue(text[i + 2] ?? "");
      const lo = hexValue(text[i + 3] ?? "");
      if (hi < 0 || lo < 0) {
        return bad(`--data: \\x needs two hex digits (at character ${i})`);
      }
      byte((hi << 4) | lo);
      i += 2;
    } else if (c === undefined) {
      return bad("--data: a lone backslash at the end (write \\\\ for one backslash)");
    } else {
      return bad(
        `--data: unknown escape \\${c} at character ${i} (known: \\r \\n \\t \\\\ \\xHH)`,
      );
    }
    i += 1;
    literalStart = i + 1;
  }
  flush(text.length);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return { ok: true, value: out };
}

/**
 * Parses `--fragment`: byte offsets, comma separated, strictly increasing, each at least 1.
 * Whether they fall inside the header is checked once the header exists
 * ({@linkcode checkFragments}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFragments } from "./send_options.ts";
 * assert.deepEqual(parseFragments("1, 12,16"), { ok: true, value: [1, 12, 16] });
 * assert.equal(parseFragments("12,12").ok, false);
 * assert.equal(parseFragments("0").ok, false);
 * assert.equal(parseFragments("a").ok, false);
 * ```
 */
export function parseFragments(text: string): Parsed<number[]> {
  const offsets: number[] = [];
  for (const item of text.split(",")) {
    const t = item.trim();
    if (!/^[0-9]{1,6}$/.test(t)) {
      return bad(`--fragment: ${JSON.stringify(t)} is not a byte offset`);
    }
    const n = Number(t);
    if (n < 1) return bad("--fragment: offsets start at 1 (offset 0 would be an empty write)");
    const previous = offsets[offsets.length - 1];
    if (previous !== undefined && n <= previous) {
      return bad(`--fragment: offsets must increase (${previous}, then ${n})`);
    }
    offsets.push(n);
  }
  return { ok: true, value: offsets };
}

/**
 * Checks `--fragment` offsets against the header actually sent: each must fall strictly inside
 * it, or the "piece" would be empty. Returns a one-line reason, or null when they fit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkFragments } from "./send_options.ts";
 * assert.equal(checkFragments([1, 27], 28), null);
 * assert.match(checkFragments([28], 28) ?? "", /inside the 28-byte header/);
 * ```
 */
export function checkFragments(offsets: readonly number[], headerLength: number): string | null {
  const last = offsets[offsets.length - 1];
  if (last !== undefined && last >= headerLength) {
    return `--fragment: offset ${last} is not inside the ${headerLength}-byte header ` +
      `(use 1..${headerLength - 1})`;
  }
  return null;
}

/**
 * Splits `bytes` at `offsets` (already checked): the pieces are views, one write each.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitAt } from "./send_options.ts";
 * const pieces = splitAt(new Uint8Array([1, 2, 3, 4, 5]), [1, 3]);
 * assert.deepEqual(pieces.map((p) => [...p]), [[1], [2, 3], [4, 5]]);
 * ```
 */
export function splitAt(bytes: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const offset of offsets) {
    pieces.push(bytes.subarray(start, offset));
    start = offset;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

/**
 * When `--protocol` names a family and an end left out would come from a socket that is known,
 * from TARGET alone, to be of another family: the one line saying so. Caught here so a mistake
 * costs no connection; null when it cannot be told before connecting (a host name).
 */
function socketFamilyMismatch(template: HeaderTemplate, target: TargetSpec): string | null {
  const wanted = template.protocol === null ? null : protocolFamily(template.protocol);
  if (!template.addresses || wanted === null) return null;
  if (template.source !== null && template.destination !== null) return null;
  const socket = target.kind === "unix" ? "unix" : target.family;
  if (socket === null || socket === wanted) return null;
  return `--protocol ${template.protocol} needs ${describeFamily(wanted)}, but the connection ` +
    `to TARGET is ${describeFamily(socket)}: give --src and --dst`;
}

/** Where the header bytes come from. */
export type HeaderSource =
  /** The header flags, parsed; completed once connected (addresses default to the socket's). */
  | { readonly kind: "build"; readonly template: HeaderTemplate }
  /** `--header-hex` / `--header-file`: sent verbatim. */
  | { readonly kind: "raw"; readonly bytes: Uint8Array }
  /** `--no-header`. */
  | { readonly kind: "none" };

/** Where the payload comes from. */
export type PayloadSource =
  /** `--data` (each value one chunk) or `--file` (one chunk). */
  | { readonly kind: "chunks"; readonly chunks: readonly Uint8Array[] }
  /** Standard input. */
  | { readonly kind: "stdin" };

/** TLS settings (`--tls`). */
export interface TlsPlan {
  /** SNI and the name verified; undefined: the peer's IP address. */
  readonly hostname?: string;
  /** ALPN protocols offered. */
  readonly alpn?: readonly string[];
  /** PEM certificates from `--ca`. */
  readonly caCerts?: readonly string[];
  /** `--insecure`. */
  readonly insecure: boolean;
}

/** Everything `ppcat send` was asked to do, checked. */
export interface SendPlan {
  /** TARGET as written on the command line. */
  readonly targetText: string;
  /** TARGET parsed. */
  readonly target: TargetSpec;
  /** `--udp`. */
  readonly udp: boolean;
  /** The header. */
  readonly header: HeaderSource;
  /** `--fragment` offsets (empty: the header in one write). */
  readonly fragments: readonly number[];
  /** `--fragment-delay`, milliseconds. */
  readonly fragmentDelayMs: number;
  /** `--same-write`. */
  readonly sameWrite: boolean;
  /** The payload. */
  readonly payload: PayloadSource;
  /** `--close-on-eof`. */
  readonly closeOnEof: boolean;
  /** `--linger`: ms to keep the write side open after the end of input (0: none). */
  readonly lingerMs: number;
  /** `--timeout` in ms as given (0: no idle timeout), or null when not given. */
  readonly timeoutMs: number | null;
  /** TLS, or null without `--tls`. */
  readonly tls: TlsPlan | null;
  /** `-v`. */
  readonly verbose: boolean;
  /** `--json`. */
  readonly json: boolean;
}

/**
 * Parses and checks the arguments of `ppcat send` (after the subcommand name). TARGET is one
 * argument, or HOST PORT as two (as nc takes them). Reads the files named by `--file`,
 * `--header-file`, `--ca` and `--ssl-client-cert` (through cli/io.ts), once, so an unreadable
 * one is a usage error before anything is connected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSendArgs } from "./send_options.ts";
 * const r = parseSendArgs(["127.0.0.1", "8080", "--v1", "--data", "hi\\n"]);
 * assert.ok(r.kind === "run");
 * assert.deepEqual(r.config.target, { kind: "inet", hostname: "127.0.0.1", port: 8080, family: 4 });
 * assert.deepEqual(r.config.payload, { kind: "chunks", chunks: [new TextEncoder().encode("hi\n")] });
 * const u = parseSendArgs(["127.0.0.1:53", "--udp", "--fragment", "4"]);
 * assert.ok(u.kind === "usage" && u.message.includes("§2"));
 * ```
 */
export function parseSendArgs(args: string[]): CommandParse<SendPlan> {
  const parsed = parseCommand(args, SEND_OPTIONS, true);
  if (parsed.kind !== "run") return parsed;
  const { values, positionals, verbosity } = parsed.config;

  const target = oneTarget(positionals, "HOST:PORT, [IPV6]:PORT or a UNIX socket path");
  if (!target.ok) return usage(target.message);

  const udp = values.udp ?? false;
  if (udp && target.value.kind === "unix") {
    return usage("--udp needs HOST:PORT (UNIX datagram sockets are not supported)");
  }

  // --- header source
  const given = headerFlagsGiven(values);
  const rawFlags = [
    values["no-header"] ? "--no-header" : null,
    values["header-hex"] !== undefined ? "--header-hex" : null,
    values["header-file"] !== undefined ? "--header-file" : null,
  ].filter((f) => f !== null);
  if (rawFlags.length > 1) return usage(`${rawFlags[0]} and ${rawFlags[1]} exclude each other`);
  if (rawFlags.length === 1 && given.length > 0) {
    return usage(`${rawFlags[0]} and --${given[0]} exclude each other (the header is not built)`);
  }
  let header: HeaderSource;
  if (values["no-header"]) header = { kind: "none" };
  else if (values["header-hex"] !== undefined) {
    const hex = parseHex(values["header-hex"]);
    if (!hex.ok) return usage(`--header-hex: ${hex.message}`);
    if (hex.bytes.length === 0) return usage("--header-hex: no bytes (use --no-header)");
    header = { kind: "raw", bytes: hex.bytes };
  } else if (values["header-file"] !== undefined) {
    const path = values["header-file"];
    const file = readFile(path, MAX_HEADER_FILE_BYTES);
    if (!file.ok) {
      return usage(`--header-file: cannot read ${JSON.stringify(path)}: ${file.reason}`);
    }
    if (file.bytes.length === 0) return usage("--header-file: the file is empty (use --no-header)");
    header = { kind: "raw", bytes: file.bytes };
  } else {
    const template = parseHeaderFlags(values);
    if (!template.ok) return usage(template.message);
    const mismatch = socketFamilyMismatch(template.value, target.value);
    if (mismatch !== null) return usage(mismatch);
    header = { kind: "build", template: template.value };
  }

  // --- delivery
  let fragments: number[] = [];
  if (values.fragment !== undefined) {
    if (udp) return usage("--fragment: a UDP header is never split across datagrams (§2)");
    if (header.kind === "none") return usage("--fragment needs a header (not --no-header)");
    const f = parseFragments(values.fragment);
    if (!f.ok) return usage(f.message);
    fragments = f.value;
    if (header.kind === "raw") {
      const problem = checkFragments(fragments, header.bytes.length);
      if (problem !== null) return usage(problem);
    }
  }
  let fragmentDelayMs = 0;
  if (values["fragment-delay"] !== undefined) {
    if (values.fragment === undefined) return usage("--fragment-delay needs --fragment");
    const d = parseDuration("fragment-delay", values["fragment-delay"], { unit: "ms" });
    if (!d.ok) return usage(d.message);
    fragmentDelayMs = d.value;
  }
  const sameWrite = values["same-write"] ?? false;

  // --- payload
  if (values.data !== undefined && values.file !== undefined) {
    return usage("--data and --file exclude each other");
  }
  let payload: PayloadSource = { kind: "stdin" };
  if (values.data !== undefined) {
    const chunks: Uint8Array[] = [];
    for (const text of values.data) {
      const bytes = parseEscapes(text);
      if (!bytes.ok) return usage(bytes.message);
      chunks.push(bytes.value);
    }
    payload = { kind: "chunks", chunks };
  } else if (values.file !== undefined) {
    const file = readFile(values.file);
    if (!file.ok) {
      return usage(`--file: cannot read ${JSON.stringify(values.file)}: ${file.reason}`);
    }
    payload = { kind: "chunks", chunks: [file.bytes] };
  }

  let lingerMs = 0;
  if (values.linger !== undefined) {
    if (udp) return usage("--linger applies to streams; --udp has no write side to keep open");
    const l = parseDuration("linger", values.linger);
    if (!l.ok) return usage(l.message);
    lingerMs = l.value;
  }

  let timeoutMs: number | null = null;
  if (values.timeout !== undefined) {
    const t = parseDuration("timeout", values.timeout);
    if (!t.ok) return usage(t.message);
    timeoutMs = t.value;
  }

  // --- TLS
  let tls: TlsPlan | null = null;
  const tlsOnly = (["sni", "tls-alpn", "insecure", "ca"] as const).find((name) =>
    values[name] !== undefined && values[name] !== false
  );
  if (!values.tls) {
    if (tlsOnly !== undefined) return usage(`--${tlsOnly} needs --tls`);
  } else {
    if (udp) return usage("--tls runs over a stream; it cannot be combined with --udp");
    if (sameWrite) {
      return usage("--same-write with --tls would send the first payload chunk in clear text");
    }
    let alpn: string[] | undefined;
    if (values["tls-alpn"] !== undefined) {
      alpn = values["tls-alpn"].split(",").map((p) => p.trim());
      const wrong = alpn.find((p) => p === "" || utf8.encode(p).length > 255);
      if (wrong !== undefined) {
        return usage(`--tls-alpn: ${JSON.stringify(wrong)} is not a protocol name (1-255 bytes)`);
      }
    }
    let caCerts: string[] | undefined;
    for (const path of values.ca ?? []) {
      const file = readFile(path);
      if (!file.ok) return usage(`--ca: cannot read ${JSON.stringify(path)}: ${file.reason}`);
      (caCerts ??= []).push(new TextDecoder().decode(file.bytes));
    }
    const t = target.value;
    const hostname = values.sni ??
      (t.kind === "inet" && t.family === null ? t.hostname : undefined);
    tls = {
      ...(hostname === undefined ? {} : { hostname }),
      ...(alpn === undefined ? {} : { alpn }),
      ...(caCerts === undefined ? {} : { caCerts }),
      insecure: values.insecure ?? false,
    };
  }

  return {
    kind: "run",
    config: {
      targetText: joinHostPort(positionals)[0] ?? "",
      target: target.value,
      udp,
      header,
      fragments,
      fragmentDelayMs,
      sameWrite,
      payload,
      closeOnEof: values["close-on-eof"] ?? false,
      lingerMs,
      timeoutMs,
      tls,
      verbose: verbosity === "verbose",
      json: values.json ?? false,
    },
  };
}
