/**
 * Part 2 of the suite: ppcat sends → real receivers. ppcat sends v1 and v2
 * headers, IPv4 and IPv6, with and without TLVs, LOCAL and UNKNOWN, to
 * haproxy (`accept-proxy`, http), nginx stream and nginx http (`listen …
 * proxy_protocol`), and to its own receiver; what each reports must equal
 * what was sent.
 *
 * @module
 */

import { canonicalAddress } from "../lib/address.ts";
import { encodeHeader } from "../lib/encode.ts";
import type { HeaderInit, InetEndpoint } from "../lib/header.ts";
import { headerToJson } from "../lib/json.ts";
import {
  alpnTlv,
  authorityTlv,
  awsVpceTlv,
  azureLinkIdTlv,
  gcpPscTlv,
  noopTlv,
  rawTlv,
  sslTlv,
  uniqueIdTlv,
} from "../lib/tlv.ts";
import { toHex } from "../lib/_bytes.ts";
import {
  type Cell,
  type Column,
  type FieldCheck,
  Group,
  type GroupResult,
  judgeFields,
  type KnownDeviation,
  missingCell,
  type Row,
} from "./model.ts";
import {
  bytesOf,
  type Exchange,
  exchange,
  parseAnswer,
  type Received,
  type Receiver,
} from "./net.ts";
import { ppcatReceiverCell, receivedJson } from "./checks_senders.ts";
import type { CapturedItem } from "./checks_wireshark.ts";

const NGINX_STREAM_107 = "nginx 1.22's stream module takes at most 107 bytes (the v1 line " +
  'limit) for any header: v2 headers of 108 bytes or more are refused as "header is too ' +
  'large" (measured: 107 accepted, 108 refused); §2: a header fits in 536 bytes, and TLVs ' +
  "are part of version 2";

/**
 * Deviations of haproxy 2.6 / nginx 1.22 as receivers that the suite reports
 * as findings (`violation`) rather than failures.
 */
export const RECEIVER_KNOWN_DEVIATIONS: readonly KnownDeviation[] = [
  "receivers.v2.tcp4.tlvs",
  "receivers.v2.tcp6.tlvs",
].map((row) => ({ row, column: "nginx-stream", field: "answer", reason: NGINX_STREAM_107 }));

/** One header ppcat sends to every receiver. */
export interface ReceiverCase {
  /** Row id suffix. */
  readonly id: string;
  /** What it is. */
  readonly title: string;
  /** The spec section. */
  readonly section: string;
  /** The header. */
  readonly init: HeaderInit;
}

const AUTHORITY = "receiver.conformance.ppcat.test";
const UNIQUE_ID = "ppcat-conformance-unique-id-0001";

function allTlvs() {
  return [
    alpnTlv("http/1.1"),
    authorityTlv(AUTHORITY),
    uniqueIdTlv(UNIQUE_ID),
    sslTlv({
      version: "TLSv1.3",
      cn: "client.conformance.ppcat.test",
      cipher: "TLS_AES_128_GCM_SHA256",
      sigAlg: "ecdsa-with-SHA256",
      keyAlg: "EC256",
    }),
    noopTlv(5),
    awsVpceTlv("vpce-0123456789abcdef0"),
    azureLinkIdTlv(0x01020304),
    gcpPscTlv(1234567890123456789n),
    rawTlv(0xf0, bytesOf("experiment")),
  ];
}

const V4 = {
  source: { address: "192.0.2.1", port: 56324 },
  destination: { address: "198.51.100.7", port: 443 },
};
const V6 = {
  source: { address: "2001:db8::1:2", port: 56325 },
  destination: { address: "2001:db8:0:1::7", port: 8443 },
};

/**
 * The headers of part 2: every one is valid, so every receiver must accept it
 * (UNKNOWN: SHOULD) and report the addresses it carries (LOCAL, UNKNOWN: the
 * real connection's).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeHeader } from "../lib/encode.ts";
 * import { RECEIVER_CASES } from "./checks_receivers.ts";
 * for (const c of RECEIVER_CASES) assert.ok(encodeHeader(c.init).ok, c.id);
 * assert.ok(RECEIVER_CASES.some((c) => c.init.command === "LOCAL"));
 * ```
 */
export const RECEIVER_CASES: readonly ReceiverCase[] = [
  {
    id: "v1.tcp4",
    title: "v1 TCP4",
    section: "2.1",
    init: { version: 1, protocol: "TCP4", ...V4 },
  },
  {
    id: "v1.tcp6",
    title: "v1 TCP6",
    section: "2.1",
    init: { version: 1, protocol: "TCP6", ...V6 },
  },
  {
    id: "v1.unknown",
    title: "v1 `PROXY UNKNOWN` (real endpoints apply)",
    section: "2.1",
    init: { version: 1, protocol: "UNKNOWN" },
  },
  {
    id: "v2.tcp4",
    title: "v2 TCP4",
    section: "2.2",
    init: { version: 2, protocol: "TCP4", ...V4 },
  },
  {
    id: "v2.tcp6",
    title: "v2 TCP6",
    section: "2.2",
    init: { version: 2, protocol: "TCP6", ...V6 },
  },
  {
    id: "v2.tcp4.tlvs",
    title: "v2 TCP4 + ALPN, AUTHORITY, UNIQUE_ID, SSL, NOOP, AWS, Azure, GCP, 0xF0, CRC32C",
    section: "2.2.1-2.2.8",
    init: { version: 2, protocol: "TCP4", ...V4, tlvs: allTlvs(), crc32c: true },
  },
  {
    id: "v2.tcp6.tlvs",
    title: "v2 TCP6 + the same TLVs and CRC32C",
    section: "2.2.1-2.2.8",
    init: { version: 2, protocol: "TCP6", ...V6, tlvs: allTlvs(), crc32c: true },
  },
  {
    id: "v2.local",
    title: "v2 LOCAL (real endpoints apply)",
    section: "2.2",
    init: { version: 2, command: "LOCAL", protocol: "UNSPEC" },
  },
];

const HTTP_REQUEST = "GET / HTTP/1.1\r\nHost: conformance.ppcat.test\r\nConnection: close\r\n\r\n";

/** The address in canonical form (IPv6 compressed, lower case); other text as is. */
export function canonical(text: string | undefined): string | undefined {
  if (text === undefined || text === "") return text;
  return canonicalAddress(text)?.address ?? text;
}

/** A decimal port as a number; other text as is. */
export function portOf(text: string | undefined): number | string | undefined {
  return text === undefined || !/^\d+$/.test(text) ? text : Number(text);
}

function tlvText(init: HeaderInit, type: number): string {
  const t = init.tlvs?.find((x) => x.type === type);
  return t === undefined ? "" : new TextDecoder().decode(t.value);
}

/** What a receiver must report for `init` over a connection from `client` to `server`. */
export function expectedEndpoints(
  init: HeaderInit,
  client: InetEndpoint,
  server: InetEndpoint,
): { source: InetEndpoint; destination: InetEndpoint; fromHeader: boolean } {
  if (init.command === "LOCAL" || init.protocol === "UNKNOWN") {
    // §2.1 UNKNOWN / §2.2 LOCAL: "use the real connection endpoints".
    return { source: client, destination: server, fromHeader: false };
  }
  return {
    source: init.source as InetEndpoint,
    destination: init.destination as InetEndpoint,
    fromHeader: true,
  };
}

function answered(ex: Exchange): string | null {
  if (ex.end === "refused") return "could not connect";
  const answer = parseAnswer(ex.reply);
  if (Object.keys(answer).length > 0) return null;
  const first = ex.reply.split("\r\n")[0];
  return `no answer: ${ex.end}${first ? ` after ${JSON.stringify(first.slice(0, 60))}` : ""}`;
}

function haproxyCell(id: string, c: ReceiverCase, ex: Exchange, port: number): Cell {
  const problem = answered(ex);
  if (problem !== null) {
    return missingCell(id, "haproxy", "answer", problem, RECEIVER_KNOWN_DEVIATIONS);
  }
  const a = parseAnswer(ex.reply);
  const exp = expectedEndpoints(c.init, ex.local, { address: "127.0.0.1", port });
  const checks: FieldCheck[] = [
    { field: "src", expected: exp.source.address, observed: canonical(a.src), level: "MUST" },
    { field: "src_port", expected: exp.source.port, observed: portOf(a.src_port), level: "MUST" },
    { field: "dst", expected: exp.destination.address, observed: canonical(a.dst), level: "MUST" },
    {
      field: "dst_port",
      expected: exp.destination.port,
      observed: portOf(a.dst_port),
      level: "MUST",
    },
  ];
  if (c.init.version === 2 && exp.fromHeader) {
    checks.push(
      {
        field: "fc_pp_authority",
        expected: tlvText(c.init, 0x02),
        observed: a.authority,
        level: "MUST",
      },
      {
        field: "fc_pp_unique_id",
        expected: tlvText(c.init, 0x05),
        observed: a.unique_id,
        level: "MUST",
      },
    );
  }
  const what = exp.fromHeader ? "reported the header's" : "used the real connection's";
  const extra = checks.length > 4 ? ", AUTHORITY and UNIQUE_ID" : "";
  return judgeFields(
    id,
    "haproxy",
    checks,
    `accepted; ${what} addresses and ports${extra}`,
    RECEIVER_KNOWN_DEVIATIONS,
  );
}

function nginxCell(
  id: string,
  column: Column,
  c: ReceiverCase,
  ex: Exchange,
  port: number,
): Cell {
  const problem = answered(ex);
  if (problem !== null) {
    return missingCell(id, column, "answer", problem, RECEIVER_KNOWN_DEVIATIONS);
  }
  const a = parseAnswer(ex.reply);
  const exp = expectedEndpoints(c.init, ex.local, { address: "127.0.0.1", port });
  const checks: FieldCheck[] = exp.fromHeader
    ? [
      { field: "addr", expected: exp.source.address, observed: canonical(a.addr), level: "MUST" },
      { field: "port", expected: exp.source.port, observed: portOf(a.port), level: "MUST" },
      {
        field: "server_addr",
        expected: exp.destination.address,
        observed: canonical(a.server_addr),
        level: "MUST",
      },
      {
        field: "server_port",
        expected: exp.destination.port,
        observed: portOf(a.server_port),
        level: "MUST",
      },
    ]
    : [
      // No addresses in the header: nginx leaves $proxy_protocol_* empty and keeps the real peer.
      { field: "addr", expected: "", observed: a.addr, level: "MUST" },
      {
        field: "remote_addr",
        expected: exp.source.address,
        observed: canonical(a.remote_addr),
        level: "MUST",
      },
      {
        field: "remote_port",
        expected: exp.source.port,
        observed: portOf(a.remote_port),
        level: "MUST",
      },
    ];
  const tlvNote = c.init.tlvs?.length
    ? " (TLVs not observable: $proxy_protocol_tlv_* needs nginx 1.23.2)"
    : "";
  const what = exp.fromHeader
    ? "reported the header's addresses and ports"
    : "no PROXY addresses; the real peer kept";
  return judgeFields(id, column, checks, `accepted; ${what}${tlvNote}`, RECEIVER_KNOWN_DEVIATIONS);
}

/** ppcat's own receiver: the decoded header must be exactly what was sent. */
function ppcatCell(
  id: string,
  c: ReceiverCase,
  r: Received,
  marker: string,
): Cell {
  const self = ppcatReceiverCell(id, r, marker);
  if (self.status !== "pass" || !r.result.ok) return self;
  const json = headerToJson(r.result.header);
  const init = c.init;
  const sentTlvs = (init.tlvs ?? []).map((t) => ({ type: t.type, hex: toHex(t.value) }));
  const gotTlvs = json.tlvs.filter((t) => t.name !== "CRC32C").map((t) => ({
    type: t.type,
    hex: t.hex,
  }));
  const v1Unknown = init.protocol === "UNKNOWN";
  const checks: FieldCheck[] = [
    { field: "version", expected: init.version, observed: json.version, level: "MUST" },
    { field: "command", expected: init.command ?? "PROXY", observed: json.command, level: "MUST" },
    { field: "protocol", expected: init.protocol, observed: json.protocol, level: "MUST" },
    {
      field: "source",
      expected: v1Unknown || init.command === "LOCAL" ? null : init.source,
      observed: json.source,
      level: "MUST",
    },
    {
      field: "destination",
      expected: v1Unknown || init.command === "LOCAL" ? null : init.destination,
      observed: json.destination,
      level: "MUST",
    },
    { field: "TLVs", expected: sentTlvs, observed: gotTlvs, level: "MUST" },
    {
      field: "crc32c",
      expected: init.crc32c ? "valid" : null,
      observed: json.crc32c,
      level: "MUST",
    },
  ];
  return judgeFields(id, "ppcat", checks, `${self.observed}; every field as sent`);
}

/** One header of part 2 as sent: the row id, its case and its bytes. */
export interface SentCase {
  /** The row id, e.g. "receivers.v1.tcp4". */
  readonly id: string;
  /** The case. */
  readonly case: ReceiverCase;
  /** The encoded header. */
  readonly header: Uint8Array;
}

/** What one receiver made of one header: its cell, and the raw observation for the JSON. */
export interface ReceiverOutcome {
  readonly cell: Cell;
  readonly observed: unknown;
}

/** A real receiver of part 2: a column, and how ppcat's headers reach it and are judged. */
export interface ReceiverTarget {
  /** Its column. */
  readonly column: Column;
  /** Sends every case (in order) and returns one outcome per case, in the same order. */
  run(cases: readonly SentCase[]): Promise<ReceiverOutcome[]>;
  /** What follows the header, as printf text for the reproduce command ("" for nothing). */
  readonly payload: string;
}

/** The printf form of the HTTP request the receivers get. */
export const HTTP_REQUEST_PRINTF = "GET / HTTP/1.0\\r\\nHost: conformance.ppcat.test\\r\\n\\r\\n";

/**
 * A shell command that sends one case's exact header to a receiver by hand
 * (`$PORT`: the receiver's port, e.g. from `ppcat conformance --keep`'s configuration).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reproduceSend } from "./checks_receivers.ts";
 * assert.equal(
 *   reproduceSend(new Uint8Array([0x50, 0x52]), "QUIT\\r\\n"),
 *   "printf 'QUIT\\r\\n' | ppcat send --header-hex 5052 127.0.0.1:$PORT",
 * );
 * ```
 */
export function reproduceSend(header: Uint8Array, payload: string): string {
  const send = `ppcat send --header-hex ${toHex(header)} 127.0.0.1:$PORT`;
  return payload === "" ? `${send} < /dev/null` : `printf '${payload}' | ${send}`;
}

/** haproxy's `accept-proxy` http frontend at `port`, answering what it understood. */
export function haproxyTarget(port: number): ReceiverTarget {
  return {
    column: "haproxy",
    payload: HTTP_REQUEST_PRINTF,
    async run(cases) {
      const out: ReceiverOutcome[] = [];
      for (const s of cases) {
        const ex = await exchange("127.0.0.1", port, [s.header, bytesOf(HTTP_REQUEST)]);
        out.push({
          cell: haproxyCell(s.id, s.case, ex, port),
          observed: { client: ex.local, answer: parseAnswer(ex.reply), end: ex.end },
        });
      }
      return out;
    },
  };
}

/** nginx's stream (`http` false) or http `listen … proxy_protocol` server at `port`. */
export function nginxTarget(column: Column, port: number, http: boolean): ReceiverTarget {
  return {
    column,
    payload: http ? HTTP_REQUEST_PRINTF : "",
    async run(cases) {
      const out: ReceiverOutcome[] = [];
      for (const s of cases) {
        const writes = http ? [s.header, bytesOf(HTTP_REQUEST)] : [s.header];
        const ex = await exchange("127.0.0.1", port, writes);
        out.push({
          cell: nginxCell(s.id, column, s.case, ex, port),
          observed: { client: ex.local, answer: parseAnswer(ex.reply), end: ex.end },
        });
      }
      return out;
    },
  };
}

/** What the receiver checks need. */
export interface ReceiverContext {
  /** ppcat's own receiver. */
  readonly receiver: Receiver;
  /** The real receivers, from every running peer. */
  readonly targets: readonly ReceiverTarget[];
  readonly log: (line: string) => void;
  /** Every header received, for part 4. */
  readonly captured?: CapturedItem[];
}

let markerCount = 0;

/** Runs part 2: every case to ppcat's receiver, then to every target (targets in parallel). */
export async function receiverChecks(ctx: ReceiverContext): Promise<GroupResult> {
  const sent: SentCase[] = RECEIVER_CASES.map((c) => {
    const id = `receivers.${c.id}`;
    const encoded = encodeHeader(c.init);
    if (!encoded.ok) throw new Error(`${id}: ${encoded.error.message}`);
    return { id, case: c, header: encoded.value };
  });
  const own: { cell: Cell; observed?: unknown }[] = [];
  for (const s of sent) {
    const marker = `ppcat-conformance-${s.id}-${++markerCount}`;
    await exchange("127.0.0.1", ctx.receiver.port, [s.header, bytesOf(`${marker}\n`)]);
    const r = await ctx.receiver.waitFor((x) => x.marker === marker, 3000);
    if (r === null) {
      own.push({
        cell: missingCell(s.id, "ppcat", "header", "ppcat's receiver reported nothing in 3 s"),
      });
      continue;
    }
    ctx.captured?.push({
      row: s.id,
      title: `ppcat sends ${s.case.title}`,
      receiverPort: ctx.receiver.port,
      received: r,
    });
    own.push({ cell: ppcatCell(s.id, s.case, r, marker), observed: receivedJson(r) });
  }
  const outcomes = await Promise.all(ctx.targets.map(async (t) => {
    try {
      return await t.run(sent);
    } catch (e) {
      const cell: Cell = { status: "fail", observed: `could not run: ${(e as Error).message}` };
      return sent.map(() => ({ cell, observed: null }));
    }
  }));
  const rows: Row[] = sent.map((s, i) => {
    const cells: Record<Column, Cell> = {};
    const reproduce: Record<Column, string> = {
      ppcat: `ppcat listen 127.0.0.1:0 & ${reproduceSend(s.header, "ppcat-ok\\n")}`,
    };
    const observed: Record<string, unknown> = { hex: toHex(s.header) };
    const mine = own[i];
    if (mine !== undefined) {
      cells.ppcat = mine.cell;
      if (mine.observed !== undefined) observed.ppcat = mine.observed;
    }
    ctx.targets.forEach((t, k) => {
      const o = outcomes[k]?.[i];
      if (o === undefined) return;
      cells[t.column] = o.cell;
      observed[t.column] = o.observed;
      reproduce[t.column] = reproduceSend(s.header, t.payload);
    });
    ctx.log(`  ${s.id}: ${Object.values(cells).map((x) => x.status).join("/")}`);
    const init = s.case.init;
    return {
      id: s.id,
      group: Group.RECEIVERS,
      title: `ppcat sends ${s.case.title}`,
      section: s.case.section,
      cells,
      expected: { ...init, tlvs: init.tlvs?.map((t) => ({ type: t.type, hex: toHex(t.value) })) },
      observed,
      reproduce,
    };
  });
  return { group: Group.RECEIVERS, rows, skipped: [] };
}
