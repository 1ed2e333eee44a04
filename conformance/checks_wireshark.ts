/**
 * Part 4 of the suite: independent decoding. tshark captures, on the
 * loopback interface, every connection into ppcat's receivers (what ppcat
 * sends in part 2, and what haproxy and nginx send in part 1); Wireshark's
 * PROXY dissector must decode each header to the same fields as ppcat.
 *
 * Wireshark 4.0's dissector stops its TLV loop when the absolute offset
 * reaches the length field (not 16 + length) and lets the SSL sub-TLV loop
 * run to that same bound, so it may list fewer TLVs, with the ones after SSL
 * nested under it: the TLVs it does list must be a prefix of ppcat's
 * (sub-TLVs flattened after their SSL TLV); the missing tail is noted.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import process from "node:process";
import { toHex } from "../lib/_bytes.ts";
import { type HeaderJson, headerToJson } from "../lib/json.ts";
import type { Binary, Harness, Proc } from "./harness.ts";
import { lastLines, sleep } from "./harness.ts";
import {
  type Cell,
  type FieldCheck,
  Group,
  type GroupResult,
  judgeFields,
  missingCell,
  type Row,
} from "./model.ts";
import type { Received } from "./net.ts";

/** A running capture. */
export interface Capture {
  /** Stops capturing; resolves to the capture file. */
  stop(): Promise<string>;
}

const FILE = "capture.pcapng";

/** The loopback interface's name. */
export function loopbackInterface(): string {
  return process.platform === "linux" ? "lo" : "lo0";
}

/**
 * Starts `tshark -i lo -f "tcp port A or tcp port B …" -w capture.pcapng` in
 * the harness directory and waits (at most 10 s) until it captures. Throws
 * with tshark's own words when it cannot (e.g. no capture permission).
 */
export async function startCapture(
  h: Harness,
  tshark: Binary,
  ports: readonly number[],
): Promise<Capture> {
  const filter = ports.map((p) => `tcp port ${p}`).join(" or ");
  const proc = h.start("tshark", tshark.path, [
    "-i",
    loopbackInterface(),
    "-f",
    filter,
    "-w",
    FILE,
  ]);
  for (let i = 0; i < 100; i++) {
    if (/Capturing on/.test(proc.output())) break;
    if (proc.exit !== null) {
      throw new Error(
        `tshark cannot capture on ${loopbackInterface()}: ${lastLines(proc.output())}`,
      );
    }
    await sleep(100);
  }
  if (!/Capturing on/.test(proc.output())) {
    await h.stop(proc);
    throw new Error(`tshark did not start capturing in 10 s: ${lastLines(proc.output())}`);
  }
  await sleep(300); // the capture filter is compiled and attached by now
  return {
    async stop() {
      await sleep(300); // let the last segments reach the capture
      await h.stop(proc as Proc, 5000);
      return `${h.dir}/${FILE}`;
    },
  };
}

/** One header received by ppcat during parts 1 and 2, to be decoded by Wireshark too. */
export interface CapturedItem {
  /** The row it belongs to. */
  readonly row: string;
  /** That row's title. */
  readonly title: string;
  /** The receiver's port (capture's destination port). */
  readonly receiverPort: number;
  /** What ppcat received. */
  readonly received: Received;
}

const FIELDS = [
  "tcp.srcport",
  "tcp.dstport",
  "proxy.v1.magic",
  "proxy.bad_format",
  "proxy.v1.proto",
  "proxy.v2.cmd",
  "proxy.v2.addr_family",
  "proxy.v2.protocol",
  "proxy.v2.length",
  "proxy.src.ipv4",
  "proxy.dst.ipv4",
  "proxy.src.ipv6",
  "proxy.dst.ipv6",
  "proxy.srcport",
  "proxy.dstport",
  "proxy.v2.tlv.type",
  "proxy.v2.tlv.length",
  "proxy.v2.tlv.value",
  "proxy.v2.tlv.ssl.client",
  "proxy.v2.tlv.ssl.verify",
  "proxy.v2.tlv.ssl.version",
  "proxy.v2.tlv.ssl.cn",
  "proxy.v2.tlv.ssl.cipher",
  "proxy.v2.tlv.ssl.sig_alg",
  "proxy.v2.tlv.ssl.keu_alg",
] as const;

/** One dissected header: field name → every value Wireshark gave it. */
export type Dissected = Readonly<Record<string, readonly string[]>>;

/** Reads the capture with `tshark -r … -Y proxy -T json -e …`. */
export function dissect(tshark: Binary, file: string): Dissected[] {
  const args = ["-r", file, "-Y", "proxy", "-T", "json"];
  for (const f of FIELDS) args.push("-e", f);
  const run = spawnSync(tshark.path, args, {
    timeout: 30_000,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error !== undefined) throw new Error(`tshark -r: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`tshark -r exited ${run.status}: ${lastLines(run.stderr)}`);
  const packets = JSON.parse(run.stdout === "" ? "[]" : run.stdout) as {
    _source: { layers: Record<string, string[]> };
  }[];
  return packets.map((p) => p._source.layers);
}

function one(d: Dissected, field: string): string | undefined {
  return d[field]?.[0];
}

function num(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  return text.startsWith("0x") ? parseInt(text, 16) : Number(text);
}

/** Wireshark's view of a header, in ppcat's JSON vocabulary. */
export function wiresharkView(d: Dissected): {
  version: 1 | 2;
  /** Wireshark's expert info "Badly formatted PROXY header line". */
  badFormat: boolean;
  command: string;
  protocol: string;
  source: { address: string; port: number } | null;
  destination: { address: string; port: number } | null;
  blockLength?: number | undefined;
  tlvs: { type: number; length: number; hex: string }[];
  ssl: Record<string, string | number>;
} {
  const v1 = one(d, "proxy.v1.proto") ?? (one(d, "proxy.v1.magic") !== undefined ? "" : undefined);
  const badFormat = one(d, "proxy.bad_format") !== undefined;
  const src = one(d, "proxy.src.ipv4") ?? one(d, "proxy.src.ipv6");
  const dst = one(d, "proxy.dst.ipv4") ?? one(d, "proxy.dst.ipv6");
  const sport = num(one(d, "proxy.srcport"));
  const dport = num(one(d, "proxy.dstport"));
  const source = src !== undefined && sport !== undefined ? { address: src, port: sport } : null;
  const destination = dst !== undefined && dport !== undefined
    ? { address: dst, port: dport }
    : null;
  if (v1 !== undefined) {
    return {
      version: 1,
      badFormat,
      command: "PROXY",
      protocol: v1,
      source,
      destination,
      tlvs: [],
      ssl: {},
    };
  }
  const cmd = num(one(d, "proxy.v2.cmd"));
  const family = num(one(d, "proxy.v2.addr_family"));
  const proto = num(one(d, "proxy.v2.protocol"));
  const protocol = family === 0 || proto === 0
    ? "UNSPEC"
    : `${proto === 1 ? "TCP" : proto === 2 ? "UDP" : "?"}${
      family === 1 ? "4" : family === 2 ? "6" : "?"
    }`;
  const types = d["proxy.v2.tlv.type"] ?? [];
  const lengths = d["proxy.v2.tlv.length"] ?? [];
  const values = d["proxy.v2.tlv.value"] ?? [];
  const tlvs = types.map((t, i) => ({
    type: num(t) ?? -1,
    length: num(lengths[i]) ?? -1,
    hex: (values[i] ?? "").replaceAll(":", "").toLowerCase(),
  }));
  const ssl: Record<string, string | number> = {};
  const sslFields: [string, string][] = [
    ["client", "proxy.v2.tlv.ssl.client"],
    ["verify", "proxy.v2.tlv.ssl.verify"],
    ["VERSION", "proxy.v2.tlv.ssl.version"],
    ["CN", "proxy.v2.tlv.ssl.cn"],
    ["CIPHER", "proxy.v2.tlv.ssl.cipher"],
    ["SIG_ALG", "proxy.v2.tlv.ssl.sig_alg"],
    ["KEY_ALG", "proxy.v2.tlv.ssl.keu_alg"],
  ];
  for (const [name, field] of sslFields) {
    const v = one(d, field);
    if (v !== undefined) ssl[name] = name === "client" || name === "verify" ? num(v) ?? v : v;
  }
  return {
    version: 2,
    badFormat,
    command: cmd === 0 ? "LOCAL" : cmd === 1 ? "PROXY" : `0x${cmd?.toString(16)}`,
    protocol,
    source: cmd === 0 ? null : source,
    destination: cmd === 0 ? null : destination,
    blockLength: num(one(d, "proxy.v2.length")),
    tlvs,
    ssl,
  };
}

/** ppcat's TLVs flattened as Wireshark lists them: each SSL TLV followed by its sub-TLVs. */
export function flatTlvs(json: HeaderJson): { type: number; length: number; hex: string }[] {
  const out: { type: number; length: number; hex: string }[] = [];
  for (const t of json.tlvs) {
    out.push({ type: t.type, length: t.hex.length / 2, hex: t.hex });
    const ssl = t.name === "SSL" ? t.value as { tlvs?: { type: number; hex: string }[] } : null;
    for (const s of ssl?.tlvs ?? []) {
      out.push({ type: s.type, length: s.hex.length / 2, hex: s.hex });
    }
  }
  return out;
}

function sslView(json: HeaderJson): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  const t = json.tlvs.find((x) => x.name === "SSL");
  const v = t?.value as {
    client: number;
    verify: number;
    tlvs: { name: string; value: unknown }[];
  };
  if (!v) return out;
  out.client = v.client;
  out.verify = v.verify;
  for (const s of v.tlvs) {
    if (["VERSION", "CN", "CIPHER", "SIG_ALG", "KEY_ALG"].includes(s.name)) {
      out[s.name] = String(s.value);
    }
  }
  return out;
}

/** Compares Wireshark's view with ppcat's decode of one header. */
export function compareWithWireshark(row: string, json: HeaderJson, d: Dissected): Cell {
  const w = wiresharkView(d);
  if (
    w.badFormat && json.version === 1 && json.protocol === "UNKNOWN" && json.headerLength === 15
  ) {
    return {
      status: "note",
      observed: `Wireshark calls the short line "PROXY UNKNOWN\\r\\n" badly formatted; §2.1: ` +
        `"For \"UNKNOWN\", the rest of the line before the CRLF may be omitted by the sender"`,
    };
  }
  const checks: FieldCheck[] = [
    { field: "version", expected: json.version, observed: w.version, level: "MUST" },
    { field: "command", expected: json.command, observed: w.command, level: "MUST" },
    { field: "protocol", expected: json.protocol, observed: w.protocol, level: "MUST" },
  ];
  if (json.command === "PROXY" && json.protocol !== "UNKNOWN") {
    checks.push(
      { field: "source", expected: json.source, observed: w.source, level: "MUST" },
      { field: "destination", expected: json.destination, observed: w.destination, level: "MUST" },
    );
  }
  let tail = "";
  if (json.version === 2) {
    checks.push({
      field: "length",
      expected: json.headerLength - 16,
      observed: w.blockLength,
      level: "MUST",
    });
    const mine = flatTlvs(json);
    const shown = w.tlvs.slice(0, mine.length);
    checks.push({
      field: "TLVs Wireshark decoded",
      expected: mine.slice(0, shown.length),
      observed: shown,
      level: "MUST",
    });
    // Only the SSL fields Wireshark reached are comparable.
    const ssl = sslView(json);
    const reached: Record<string, string | number> = {};
    for (const k of Object.keys(w.ssl)) reached[k] = ssl[k] ?? "";
    checks.push({ field: "SSL fields", expected: reached, observed: w.ssl, level: "MUST" });
    if (shown.length < mine.length) {
      tail = `; Wireshark listed ${shown.length} of ${mine.length} TLVs and sub-TLVs ` +
        "(its TLV loop ends early)";
    } else if (w.tlvs.length > mine.length) {
      tail = `; Wireshark read ${w.tlvs.length - mine.length} TLVs past the header`;
    } else if (mine.length > 0) tail = `; all ${mine.length} TLVs and sub-TLVs agree`;
  }
  return judgeFields(row, "ppcat", checks, `Wireshark agrees on every decoded field${tail}`);
}

/** Runs part 4 on a finished capture. */
export function wiresharkChecks(
  tshark: Binary,
  file: string,
  items: readonly CapturedItem[],
): GroupResult {
  const dissected = dissect(tshark, file);
  const rows: Row[] = [];
  let short = 0;
  let unknown = false;
  for (const item of items) {
    const r = item.received;
    if (!r.result.ok) continue; // nothing decoded to compare with
    const json = headerToJson(r.result.header);
    const port = (r.peer as { port: number }).port;
    const d = dissected.find((x) =>
      num(one(x, "tcp.srcport")) === port && num(one(x, "tcp.dstport")) === item.receiverPort
    );
    const id = `wireshark.${item.row.replace(/^[a-z]+\./, "")}`;
    const cell = d === undefined
      ? missingCell(id, "ppcat", "capture", "Wireshark found no PROXY header on this connection")
      : compareWithWireshark(id, json, d);
    if (cell.observed.includes("TLV loop ends early")) short++;
    if (cell.observed.includes("badly formatted")) unknown = true;
    rows.push({
      id,
      group: Group.WIRESHARK,
      title: `Wireshark decodes: ${item.title}`,
      section: json.version === 1 ? "2.1" : "2.2",
      cells: { ppcat: cell },
      expected: { ppcat: json, hex: toHex(r.raw.subarray(0, json.headerLength)) },
      observed: d ?? null,
    });
  }
  const notes: string[] = [];
  if (unknown) {
    notes.push(
      `Wireshark ${tshark.version} marks the short v1 line "PROXY UNKNOWN\\r\\n" as a badly ` +
        "formatted header: it expects a space after UNKNOWN, though §2.1 lets the sender omit " +
        "the rest of the line.",
    );
  }
  if (short > 0) {
    notes.push(
      `Wireshark ${tshark.version} listed fewer TLVs than the header holds on ${short} of ` +
        `${rows.length} headers: its PROXY dissector ends the TLV loop when the absolute offset ` +
        "reaches the length field (16 bytes early, and not at all when the addresses take that " +
        "much), and runs the SSL sub-TLV loop to the same bound, nesting the TLVs after SSL under " +
        "it. The TLVs it did list agree with ppcat.",
    );
  }
  return { group: Group.WIRESHARK, rows, skipped: [], notes };
}
