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
import type { HaproxyPorts, NginxPorts } from "./templates.ts";

const NGINX_STREAM_107 = "nginx 1.22's stream module takes at most 107 bytes (the v1 line " +
  'limit) for any header: v2 headers of 108 bytes or more are refused as "header is too ' +
  'large" (measured: 107 accepted, 108 refused); §2: a header fits in 536 bytes, and TLVs ' +
  "are part of version 2";

/**
 * Deviations of haproxy 2.6 / nginx 1.22 as receivers that the suite reports
 * as findings (`violation`) rather than failures.
 */
export const RECEIVER_KNOWN_DEVIATIONS: readonly KnownDeviation[] = [
  {
    row: "receivers.v2.tcp4.tlvs",
    column: "nginx-stream",
    field: "answer",
    reason: NGINX_STREAM_107,
  },
  {
    row: "receivers.v2.tcp6.tlvs",
    column: "nginx-stream",
    field: "answer",
    reason: NGINX_STREAM_107,
  },
];

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

function canonical(text: string | undefined): string | undefined {
  if (text === undefined || text === "") return text;
  return canonicalAddress(text)?.address ?? text;
}

function portOf(text: string | undefined): number | string | undefined {
  return text === undefined || !/^\d+$/.test(text) ? text : Number(text);
}

function tlvText(init: HeaderInit, type: number): string {
  const t = init.tlvs?.find((x) => x.type === type);
  return t === undefined ? "" : new TextDecoder().decode(t.value);
}

/** What a receiver must report for `init` over a connection from `client` to `server`. */
function expectedEndpoints(
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

/** What the receiver checks need. */
export interface ReceiverContext {
  /** ppcat's own receiver. */
  readonly receiver: Receiver;
  readonly haproxy: HaproxyPorts | null;
  readonly nginx: NginxPorts | null;
  readonly log: (line: string) => void;
  /** Every header received, for part 4. */
  readonly captured?: CapturedItem[];
}

let markerCount = 0;

/** Runs part 2. */
export async function receiverChecks(ctx: ReceiverContext): Promise<GroupResult> {
  const rows: Row[] = [];
  const skipped: string[] = [];
  if (ctx.haproxy === null) skipped.push("haproxy receiver: haproxy is not running");
  if (ctx.nginx === null) skipped.push("nginx receivers: nginx is not running");
  for (const c of RECEIVER_CASES) {
    const id = `receivers.${c.id}`;
    const encoded = encodeHeader(c.init);
    if (!encoded.ok) throw new Error(`${id}: ${encoded.error.message}`);
    const header = encoded.value;
    const cells: Partial<Record<Column, Cell>> = {};
    const observed: Record<string, unknown> = { hex: toHex(header) };

    const marker = `ppcat-conformance ${id} ${++markerCount}`;
    await exchange("127.0.0.1", ctx.receiver.port, [header, bytesOf(`${marker}\n`)]);
    const r = await ctx.receiver.waitFor((x) => x.marker === marker, 3000);
    if (r === null) {
      cells.ppcat = missingCell(id, "ppcat", "header", "ppcat's receiver reported nothing in 3 s");
    } else {
      ctx.captured?.push({
        row: id,
        title: `ppcat sends ${c.title}`,
        receiverPort: ctx.receiver.port,
        received: r,
      });
      cells.ppcat = ppcatCell(id, c, r, marker);
      observed.ppcat = receivedJson(r);
    }

    if (ctx.haproxy !== null) {
      const port = ctx.haproxy.accept;
      const ex = await exchange("127.0.0.1", port, [header, bytesOf(HTTP_REQUEST)]);
      cells.haproxy = haproxyCell(id, c, ex, port);
      observed.haproxy = { client: ex.local, answer: parseAnswer(ex.reply), end: ex.end };
    }
    if (ctx.nginx !== null) {
      const sp = ctx.nginx.streamAccept;
      const stream = await exchange("127.0.0.1", sp, [header]);
      cells["nginx-stream"] = nginxCell(id, "nginx-stream", c, stream, sp);
      const hp = ctx.nginx.httpAccept;
      const http = await exchange("127.0.0.1", hp, [header, bytesOf(HTTP_REQUEST)]);
      cells["nginx-http"] = nginxCell(id, "nginx-http", c, http, hp);
      observed.nginxStream = {
        client: stream.local,
        answer: parseAnswer(stream.reply),
        end: stream.end,
      };
      observed.nginxHttp = { client: http.local, answer: parseAnswer(http.reply), end: http.end };
    }
    ctx.log(`  ${id}: ${Object.values(cells).map((x) => x?.status).join("/")}`);
    rows.push({
      id,
      group: Group.RECEIVERS,
      title: `ppcat sends ${c.title}`,
      section: c.section,
      cells,
      expected: {
        ...c.init,
        tlvs: c.init.tlvs?.map((t) => ({ type: t.type, hex: toHex(t.value) })),
      },
      observed,
    });
  }
  return { group: Group.RECEIVERS, rows, skipped };
}
