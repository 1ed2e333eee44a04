/**
 * Part 1 of the suite: real senders → ppcat's receiver. A client connects
 * through haproxy or nginx; ppcat's receiver must report exactly the
 * client's real address and port, the proxy's destination, every TLV the
 * proxy was configured to send, and a valid CRC32C; and ppcat's stream
 * receiver and one-shot decoder must agree on the bytes.
 *
 * @module
 */

import { hostPort } from "../lib/address.ts";
import { type HeaderJson, headerToJson } from "../lib/json.ts";
import type { TlvJson } from "../lib/tlv.ts";
import { toHex } from "../lib/_bytes.ts";
import type { CapturedItem } from "./checks_wireshark.ts";
import type { Certs } from "./harness.ts";
import {
  type Cell,
  type Column,
  type FieldCheck,
  Group,
  type GroupResult,
  judgeFields,
  type KnownDeviation,
  type Level,
  missingCell,
  type Row,
  Status,
} from "./model.ts";
import {
  bytesOf,
  type Exchange,
  exchange,
  type Received,
  type Receiver,
  RECEIVER_REPLY,
} from "./net.ts";

const VERIFY_ZERO = "haproxy 2.6 zeroes the SSL TLV and sets <verify> only when the client " +
  "presented a certificate, so a client without one is sent as verify 0; §2.2.6: zero only " +
  '"if the client presented a certificate and it was successfully verified, and non-zero ' +
  'otherwise" (a receiver testing verify == 0 alone would trust an anonymous client)';

/**
 * Deviations of haproxy 2.6 / nginx 1.22 as senders that the suite reports
 * as findings (`violation`) rather than failures.
 */
export const SENDER_KNOWN_DEVIATIONS: readonly KnownDeviation[] = [
  "senders.haproxy.send-proxy-v2-ssl.no-client-cert",
  "senders.haproxy.send-proxy-v2-ssl-cn.no-client-cert",
].map((row) => ({ row, column: "haproxy", field: "SSL verify", reason: VERIFY_ZERO }));

/** What a sender's header must carry. */
export interface SenderExpectation {
  readonly version: 1 | 2;
  readonly command: "PROXY" | "LOCAL";
  readonly protocol: string;
  readonly source: { address: string; port: number } | null;
  readonly destination: { address: string; port: number } | null;
  /** Every TLV expected (NOOP padding is ignored), by name, with how to check its value. */
  readonly tlvs: readonly ExpectedTlv[];
}

/** One expected TLV: its name and the checks on its decoded value. */
export interface ExpectedTlv {
  /** tlvName of the type, e.g. "AUTHORITY". */
  readonly name: string;
  /** Field checks on the decoded value ({@linkcode TlvJson.value}); none: presence only. */
  readonly check?: (value: unknown) => FieldCheck[];
}

/** An expected TLV whose decoded value must equal `value`. */
export function tlvEquals(name: string, value: unknown, level: Level = "MUST"): ExpectedTlv {
  return {
    name,
    check: (observed) => [{ field: `${name} value`, expected: value, observed, level }],
  };
}

/** What haproxy's SSL TLV must say about the client's TLS connection (§2.2.6). */
export interface ExpectedSsl {
  /** Client bit names in order: "SSL", "CERT_CONN", "CERT_SESS". */
  readonly clientFlags: readonly string[];
  /** Whether verify must be zero (a verified client certificate) or non-zero. */
  readonly verified: boolean;
  /** Sub-TLVs by name with their value and how strongly the spec asks for them. */
  readonly subs: Readonly<Record<string, { value: string; level: Level }>>;
  /** Sub-TLVs that the spec asks for but the configuration may omit: name → level. */
  readonly optional?: Readonly<Record<string, Level>>;
}

/** The SSL TLV expectation as an {@linkcode ExpectedTlv}. */
export function sslExpectation(exp: ExpectedSsl): ExpectedTlv {
  return {
    name: "SSL",
    check: (value) => {
      const v = value as {
        clientFlags?: string[];
        verify?: number;
        tlvs?: TlvJson[];
      } | null;
      const subs = new Map<string, unknown>();
      for (const t of v?.tlvs ?? []) subs.set(t.name, t.value);
      const checks: FieldCheck[] = [
        { field: "SSL client", expected: exp.clientFlags, observed: v?.clientFlags, level: "MUST" },
        {
          field: "SSL verify",
          expected: exp.verified ? 0 : "non-zero",
          observed: v?.verify === undefined ? undefined : v.verify === 0 ? 0 : "non-zero",
          level: "MUST",
        },
      ];
      for (const [name, want] of Object.entries(exp.subs)) {
        checks.push({
          field: `SSL ${name}`,
          expected: want.value,
          observed: subs.get(name),
          level: want.level,
        });
      }
      for (const [name, level] of Object.entries(exp.optional ?? {})) {
        checks.push({
          field: `SSL ${name} present (send-proxy-v2-ssl adds it only with -cn)`,
          expected: true,
          observed: subs.has(name),
          level,
        });
      }
      const known = new Set([...Object.keys(exp.subs), ...Object.keys(exp.optional ?? {})]);
      const extra = [...subs.keys()].filter((n) => !known.has(n));
      checks.push({
        field: "SSL unexpected sub-TLVs",
        expected: [],
        observed: extra,
        level: "MUST",
      });
      return checks;
    },
  };
}

/** Field checks of a decoded header against a sender expectation. */
export function headerChecks(exp: SenderExpectation, json: HeaderJson): FieldCheck[] {
  const checks: FieldCheck[] = [
    { field: "version", expected: exp.version, observed: json.version, level: "MUST" },
    { field: "command", expected: exp.command, observed: json.command, level: "MUST" },
    { field: "protocol", expected: exp.protocol, observed: json.protocol, level: "MUST" },
    { field: "source", expected: exp.source, observed: json.source, level: "MUST" },
    { field: "destination", expected: exp.destination, observed: json.destination, level: "MUST" },
  ];
  const seen = json.tlvs.filter((t) => t.name !== "NOOP");
  checks.push({
    field: "TLVs",
    expected: exp.tlvs.map((t) => t.name).sort(),
    observed: seen.map((t) => t.name).sort(),
    level: "MUST",
  });
  for (const want of exp.tlvs) {
    const got = seen.find((t) => t.name === want.name);
    if (got !== undefined && want.check) checks.push(...want.check(got.value));
  }
  const crcExpected = exp.tlvs.some((t) => t.name === "CRC32C") ? "valid" : null;
  checks.push({ field: "crc32c", expected: crcExpected, observed: json.crc32c, level: "MUST" });
  return checks;
}

/** The JSON of a received header, with the raw bytes, for a row's `observed`. */
export function receivedJson(r: Received): unknown {
  return {
    hex: toHex(r.raw),
    result: r.result.ok
      ? headerToJson(r.result.header, r.raw.length - r.result.header.headerLength)
      : { refused: r.result.reason, error: r.result.error },
    marker: r.marker,
  };
}

/** ppcat's own cell for a received connection: accepted, and both decoders agree. */
export function ppcatReceiverCell(row: string, r: Received, marker: string | null): Cell {
  if (!r.result.ok) {
    const e = r.result.error;
    return missingCell(
      row,
      "ppcat",
      "header",
      `refused (${r.result.reason}${e ? `: ${e.code} at byte ${e.offset}` : ""}) ` +
        `bytes ${toHex(r.raw.subarray(0, 64))}`,
    );
  }
  const stream = headerToJson(r.result.header);
  const oneShot = r.oneShot.ok ? headerToJson(r.oneShot.value) : r.oneShot.error;
  const checks: FieldCheck[] = [
    { field: "one-shot decode", expected: stream, observed: oneShot, level: "MUST" },
  ];
  if (marker !== null) {
    // The first payload line carries the marker (alone, or in an HTTP request line).
    checks.push({
      field: "payload after header",
      expected: marker,
      observed: r.marker.includes(marker) ? marker : r.marker,
      level: "MUST",
    });
  }
  return judgeFields(
    row,
    "ppcat",
    checks,
    `accepted ${describe(stream)}; one-shot decoder agrees` +
      (marker !== null ? "; payload intact" : ""),
  );
}

/** One line describing a decoded header. */
export function describe(json: HeaderJson): string {
  const ep = (e: HeaderJson["source"]) =>
    e === null ? "-" : "path" in e ? e.path : hostPort(e.address, e.port);
  const addrs = json.source === null ? "" : ` ${ep(json.source)} → ${ep(json.destination)}`;
  const tlvs = json.tlvs.length === 0 ? "" : ` TLVs ${json.tlvs.map((t) => t.name).join(",")}`;
  const crc = json.crc32c === null ? "" : ` CRC32C ${json.crc32c}`;
  return `v${json.version} ${json.command} ${json.protocol}${addrs}${tlvs}${crc}`;
}

/** The sender cell: the header's fields against the expectation. */
function senderCell(
  row: string,
  column: Column,
  r: Received,
  exp: SenderExpectation,
): Cell {
  if (!r.result.ok) {
    return missingCell(
      row,
      column,
      "header",
      `sent a header ppcat refuses: ${r.result.error?.code ?? r.result.reason}`,
      SENDER_KNOWN_DEVIATIONS,
    );
  }
  const json = headerToJson(r.result.header);
  return judgeFields(
    row,
    column,
    headerChecks(exp, json),
    `sent ${describe(json)}`,
    SENDER_KNOWN_DEVIATIONS,
  );
}

/** What the sender checks need. */
export interface SenderContext {
  /** ppcat's receiver for relayed client connections. */
  readonly receiver: Receiver;
  /** ppcat's receivers for health checks (haproxy only). */
  readonly checkV1: Receiver | null;
  readonly checkV2: Receiver | null;
  /** Whether the IPv6 loopback is usable. */
  readonly ipv6: boolean;
  /** The harness's certificates; null when openssl is missing (no TLS checks). */
  readonly certs: Certs | null;
  /** Progress lines. */
  readonly log: (line: string) => void;
  /** Every header received, for part 4. */
  readonly captured?: CapturedItem[];
}

/** How long a receiver is waited for. */
export const WAIT_MS = 3000;
let markerCount = 0;

// No spaces: curl carries the marker in its request path.
function newMarker(id: string): string {
  markerCount++;
  return `ppcat-conformance-${id}-${markerCount}`;
}

/** What `receiver` got from the connection carrying `marker`, else a refusal since `before`. */
async function receivedFor(
  receiver: Receiver,
  marker: string,
  before: number,
): Promise<Received | null> {
  const found = await receiver.waitFor((r) => r.marker.includes(marker), WAIT_MS);
  return found ?? receiver.records.slice(before).find((r) => !r.result.ok) ?? null;
}

/** One client scenario of part 1: a client connects through a peer to one of ppcat's receivers. */
export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly section: string;
  readonly column: Column;
  readonly receiver: Receiver;
  /** A shell command that replays the scenario by hand, if it is short enough to give. */
  readonly reproduce?: string;
  /** Runs the client; returns the exchange and the expectation it implies. */
  run(marker: string): Promise<{ exchange: Exchange; expect: SenderExpectation }>;
}

async function runScenario(s: Scenario, ctx: SenderContext): Promise<Row> {
  const marker = newMarker(s.id);
  const before = s.receiver.records.length;
  const { exchange: ex, expect: exp } = await s.run(marker);
  const received = await receivedFor(s.receiver, marker, before);
  const cells: Record<Column, Cell> = {};
  if (ex.end === "refused") {
    cells[s.column] = missingCell(s.id, s.column, "connection", "the client could not connect");
  } else if (received === null) {
    cells[s.column] = missingCell(
      s.id,
      s.column,
      "connection",
      `nothing reached ppcat's receiver (client saw ${ex.end}, reply ${JSON.stringify(ex.reply)})`,
      SENDER_KNOWN_DEVIATIONS,
    );
  } else {
    // A UNIX socket is not on the loopback interface: Wireshark cannot see it.
    if (s.receiver.port !== 0) {
      ctx.captured?.push({ row: s.id, title: s.title, receiverPort: s.receiver.port, received });
    }
    cells.ppcat = ppcatReceiverCell(s.id, received, marker);
    const cell = senderCell(s.id, s.column, received, exp);
    const replied = ex.reply === RECEIVER_REPLY;
    cells[s.column] = replied || cell.status !== Status.PASS ? cell : {
      status: Status.FAIL,
      observed: `${cell.observed}; but the reply did not come back (${ex.end})`,
    };
  }
  ctx.log(`  ${s.id}: ${Object.values(cells).map((c) => c?.status).join("/")}`);
  return {
    id: s.id,
    group: Group.SENDERS,
    title: s.title,
    section: s.section,
    cells,
    expected: exp,
    observed: received === null ? { client: ex } : receivedJson(received),
    ...(s.reproduce === undefined
      ? {}
      : { reproduce: { [s.column]: s.reproduce, ppcat: s.reproduce } }),
  };
}

/** The client end of an exchange. */
export function localOf(ex: Exchange): { address: string; port: number } {
  return { address: ex.local.address, port: ex.local.port };
}

/** A plain TCP client through a proxy at `port` (on 127.0.0.1 or ::1) carrying the marker line. */
export function tcpScenario(
  id: string,
  title: string,
  section: string,
  column: Column,
  receiver: Receiver,
  family: 4 | 6,
  port: number,
  expectFor: (
    client: { address: string; port: number },
    dst: { address: string; port: number },
  ) => SenderExpectation,
): Scenario {
  const host = family === 4 ? "127.0.0.1" : "::1";
  return {
    id,
    title,
    section,
    column,
    receiver,
    async run(marker) {
      const ex = await exchange(host, port, [bytesOf(`${marker}\n`)]);
      return { exchange: ex, expect: expectFor(localOf(ex), { address: host, port }) };
    },
  };
}

/** The expectation of a plain TCP relay: the client as source, the proxy's address as destination. */
export function plain(version: 1 | 2, family: 4 | 6, tlvs: ExpectedTlv[] = []) {
  return (
    client: { address: string; port: number },
    dst: { address: string; port: number },
  ): SenderExpectation => ({
    version,
    command: "PROXY",
    protocol: family === 4 ? "TCP4" : "TCP6",
    source: client,
    destination: dst,
    tlvs,
  });
}

/** What one peer brings to part 1. */
export interface SenderPeer {
  readonly senders?: (ctx: SenderContext) => Scenario[];
  readonly senderRows?: (ctx: SenderContext) => Promise<Row[]>;
  readonly skipped?: readonly string[];
  readonly notes?: readonly string[];
}

/** Runs part 1: every peer's scenarios, peers in parallel, each peer's scenarios in order. */
export async function senderChecks(
  ctx: SenderContext,
  peers: readonly SenderPeer[],
): Promise<GroupResult> {
  const skipped: string[] = [];
  const notes: string[] = [];
  if (!ctx.ipv6) skipped.push("IPv6 client variants: no ::1 loopback on this machine");
  const perPeer = await Promise.all(peers.map(async (p) => {
    skipped.push(...(p.skipped ?? []));
    notes.push(...(p.notes ?? []));
    const rows: Row[] = [];
    for (const s of p.senders?.(ctx) ?? []) rows.push(await runScenario(s, ctx));
    if (p.senderRows) rows.push(...await p.senderRows(ctx));
    return rows;
  }));
  return { group: Group.SENDERS, rows: perPeer.flat(), skipped, notes };
}
