/**
 * Part 1 of the suite: real senders → ppcat's receiver. A client connects
 * through haproxy or nginx; ppcat's receiver must report exactly the
 * client's real address and port, the proxy's destination, every TLV the
 * proxy was configured to send, and a valid CRC32C; and ppcat's stream
 * receiver and one-shot decoder must agree on the bytes.
 *
 * @module
 */

import { encodeHeader } from "../lib/encode.ts";
import type { HeaderInit } from "../lib/header.ts";
import { type HeaderJson, headerToJson } from "../lib/json.ts";
import { authorityTlv, type TlvJson, uniqueIdTlv } from "../lib/tlv.ts";
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
  tlsExchange,
} from "./net.ts";
import { expectedUniqueId, type HaproxyPorts, type NginxPorts } from "./templates.ts";

const VERIFY_ZERO = "haproxy 2.6 zeroes the SSL TLV and sets <verify> only when the client " +
  "presented a certificate, so a client without one is sent as verify 0; §2.2.6: zero only " +
  '"if the client presented a certificate and it was successfully verified, and non-zero ' +
  'otherwise" (a receiver testing verify == 0 alone would trust an anonymous client)';

/**
 * Deviations of haproxy 2.6 / nginx 1.22 as senders that the suite reports
 * as findings (`violation`) rather than failures.
 */
export const SENDER_KNOWN_DEVIATIONS: readonly KnownDeviation[] = [
  {
    row: "senders.haproxy.send-proxy-v2-ssl.no-client-cert",
    column: "haproxy",
    field: "SSL verify",
    reason: VERIFY_ZERO,
  },
  {
    row: "senders.haproxy.send-proxy-v2-ssl-cn.no-client-cert",
    column: "haproxy",
    field: "SSL verify",
    reason: VERIFY_ZERO,
  },
];

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
    checks.push({
      field: "payload after header",
      expected: marker,
      observed: r.marker,
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
    e === null
      ? "-"
      : "path" in e
      ? e.path
      : e.address.includes(":")
      ? `[${e.address}]:${e.port}`
      : `${e.address}:${e.port}`;
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
  /** haproxy's ports, or null when haproxy is not running. */
  readonly haproxy: HaproxyPorts | null;
  /** nginx's ports, or null when nginx is not running. */
  readonly nginx: NginxPorts | null;
  /** Whether the IPv6 loopback is usable. */
  readonly ipv6: boolean;
  /** The harness's certificates; null when openssl is missing (no TLS checks). */
  readonly certs: Certs | null;
  /** The ALPN protocol haproxy's TLS frontend offers. */
  readonly alpn: string;
  /** Progress lines. */
  readonly log: (line: string) => void;
  /** Every header received, for part 4. */
  readonly captured?: CapturedItem[];
}

const WAIT_MS = 3000;
let markerCount = 0;

function newMarker(id: string): string {
  markerCount++;
  return `ppcat-conformance ${id} ${markerCount}`;
}

/** What `receiver` got from the connection carrying `marker`, else a refusal since `before`. */
async function receivedFor(
  receiver: Receiver,
  marker: string,
  before: number,
): Promise<Received | null> {
  const found = await receiver.waitFor((r) => r.marker === marker, WAIT_MS);
  return found ?? receiver.records.slice(before).find((r) => !r.result.ok) ?? null;
}

interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly section: string;
  readonly column: Column;
  readonly receiver: Receiver;
  /** Runs the client; returns the exchange and the expectation it implies. */
  run(marker: string): Promise<{ exchange: Exchange; expect: SenderExpectation }>;
}

async function runScenario(s: Scenario, ctx: SenderContext): Promise<Row> {
  const marker = newMarker(s.id);
  const before = s.receiver.records.length;
  const { exchange: ex, expect: exp } = await s.run(marker);
  const received = await receivedFor(s.receiver, marker, before);
  const cells: Partial<Record<Column, Cell>> = {};
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
    ctx.captured?.push({ row: s.id, title: s.title, receiverPort: s.receiver.port, received });
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
  };
}

function localOf(ex: Exchange) {
  return { address: ex.local.address, port: ex.local.port };
}

function tcpScenario(
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

function plain(version: 1 | 2, family: 4 | 6, tlvs: ExpectedTlv[] = []) {
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

// The headers ppcat sends into haproxy's `accept-proxy` relay frontends.
const RELAY_V1_SRC = { address: "203.0.113.7", port: 51000 };
const RELAY_V1_DST = { address: "198.51.100.10", port: 443 };
const RELAY_V1: HeaderInit = {
  version: 1,
  protocol: "TCP4",
  source: RELAY_V1_SRC,
  destination: RELAY_V1_DST,
};
const RELAY_V2_SRC = { address: "2001:db8::7", port: 51001 };
const RELAY_V2_DST = { address: "2001:db8::10", port: 8443 };
const RELAY_AUTHORITY = "relay.conformance.ppcat.test";
const RELAY_V2: HeaderInit = {
  version: 2,
  protocol: "TCP6",
  source: RELAY_V2_SRC,
  destination: RELAY_V2_DST,
  // haproxy relays AUTHORITY and builds its own UNIQUE_ID from unique-id-format.
  tlvs: [authorityTlv(RELAY_AUTHORITY), uniqueIdTlv("from-ppcat-not-relayed")],
  crc32c: true,
};

function relayScenario(
  id: string,
  title: string,
  section: string,
  receiver: Receiver,
  port: number,
  init: HeaderInit,
  expect: SenderExpectation,
): Scenario {
  return {
    id,
    title,
    section,
    column: "haproxy",
    receiver,
    async run(marker) {
      const header = encodeHeader(init);
      if (!header.ok) throw new Error(`relay header: ${header.error.message}`);
      const ex = await exchange("127.0.0.1", port, [header.value, bytesOf(`${marker}\n`)]);
      return { exchange: ex, expect };
    },
  };
}

function tlsScenario(
  id: string,
  title: string,
  ctx: SenderContext,
  certs: Certs,
  port: number,
  withCert: boolean,
  cn: boolean,
): Scenario {
  return {
    id,
    title,
    section: "2.2.6",
    column: "haproxy",
    receiver: ctx.receiver,
    async run(marker) {
      const ex = await tlsExchange(port, `${marker}\n`, {
        servername: certs.serverName,
        caFile: certs.caFile,
        cert: withCert
          ? { certFile: certs.clientCertFile, keyFile: certs.clientKeyFile }
          : undefined,
        alpn: cn ? [ctx.alpn] : undefined,
      });
      const t = ex.tls ?? { version: "?", cipher: "?", alpn: "" };
      const subs: Record<string, { value: string; level: Level }> = {
        VERSION: { value: t.version, level: "MUST" },
      };
      const optional: Record<string, Level> = {};
      if (cn) {
        subs.CIPHER = { value: t.cipher, level: "MUST" };
        // §2.2.6 gives examples only ("RSA-SHA256", "RSA2048"): the names are haproxy's.
        subs.SIG_ALG = { value: certs.serverSigAlg, level: "MAY" };
        subs.KEY_ALG = { value: certs.serverKeyAlg, level: "MAY" };
        if (withCert) subs.CN = { value: certs.clientCn, level: "MUST" };
      } else if (withCert) {
        // §2.2.6: "In all cases, the ... Common Name ... is appended"; haproxy only does with -ssl-cn.
        optional.CN = "MAY";
      }
      const tlvs: ExpectedTlv[] = [
        sslExpectation({
          clientFlags: withCert ? ["SSL", "CERT_CONN", "CERT_SESS"] : ["SSL"],
          verified: withCert,
          subs,
          optional,
        }),
      ];
      if (cn) {
        tlvs.push(
          tlvEquals("ALPN", t.alpn),
          tlvEquals("AUTHORITY", certs.serverName),
          tlvEquals("UNIQUE_ID", expectedUniqueId(ex.local.address, ex.local.port)),
          { name: "CRC32C" },
        );
      }
      return {
        exchange: ex,
        expect: plain(2, 4, tlvs)(localOf(ex), { address: "127.0.0.1", port }),
      };
    },
  };
}

/** Waits for the next health check on `receiver` and judges it. */
async function healthCheckRow(
  id: string,
  title: string,
  section: string,
  receiver: Receiver,
  version: 1 | 2,
  ctx: SenderContext,
): Promise<Row> {
  const r = await receiver.waitFor((x) => x.raw.length > 0, WAIT_MS);
  if (r !== null) ctx.captured?.push({ row: id, title, receiverPort: receiver.port, received: r });
  const cells: Partial<Record<Column, Cell>> = {};
  let expected: unknown;
  if (r === null) {
    cells.haproxy = missingCell(id, "haproxy", "connection", "no health check arrived in 3 s");
  } else {
    cells.ppcat = ppcatReceiverCell(id, r, null);
    if (!r.result.ok) {
      cells.haproxy = missingCell(
        id,
        "haproxy",
        "header",
        `sent a header ppcat refuses: ${r.result.error?.code ?? r.result.reason}`,
      );
    } else {
      const json = headerToJson(r.result.header);
      const checks: FieldCheck[] = [
        { field: "version", expected: version, observed: json.version, level: "MUST" },
      ];
      if (version === 2) {
        // §2.2: LOCAL for health checks; "it should not present any address so it sets this
        // field to zero".
        checks.push(
          { field: "command", expected: "LOCAL", observed: json.command, level: "MUST" },
          { field: "protocol", expected: "UNSPEC", observed: json.protocol, level: "SHOULD" },
          {
            field: "address block length",
            expected: 0,
            observed: json.headerLength - 16,
            level: "SHOULD",
          },
        );
        expected = { version: 2, command: "LOCAL", protocol: "UNSPEC", blockLength: 0 };
      } else {
        // §2.1: "it SHOULD build a valid PROXY line which it will fill with a
        // getsockname()/getpeername() pair"; senders SHOULD not use UNKNOWN.
        const peer = r.peer as { hostname: string; port: number };
        const source = { address: peer.hostname, port: peer.port };
        const destination = { address: "127.0.0.1", port: receiver.port };
        checks.push(
          { field: "protocol", expected: "TCP4", observed: json.protocol, level: "SHOULD" },
          { field: "source", expected: source, observed: json.source, level: "SHOULD" },
          {
            field: "destination",
            expected: destination,
            observed: json.destination,
            level: "SHOULD",
          },
        );
        expected = { version: 1, protocol: "TCP4", source, destination };
      }
      cells.haproxy = judgeFields(id, "haproxy", checks, `sent ${describe(json)}`);
    }
  }
  ctx.log(`  ${id}: ${Object.values(cells).map((c) => c?.status).join("/")}`);
  return {
    id,
    group: Group.SENDERS,
    title,
    section,
    cells,
    expected,
    observed: r === null ? null : receivedJson(r),
  };
}

/** Runs part 1. */
export async function senderChecks(ctx: SenderContext): Promise<GroupResult> {
  const rows: Row[] = [];
  const skipped: string[] = [];
  const families: (4 | 6)[] = ctx.ipv6 ? [4, 6] : [4];
  if (!ctx.ipv6) skipped.push("IPv6 client variants: no ::1 loopback on this machine");
  const rx = ctx.receiver;
  const scenarios: Scenario[] = [];
  const h = ctx.haproxy;
  if (h !== null) {
    for (const f of families) {
      const ip = `IPv${f} client`;
      scenarios.push(
        tcpScenario(
          `senders.haproxy.send-proxy.ipv${f}`,
          `haproxy \`send-proxy\` (v1), ${ip}`,
          "2.1",
          "haproxy",
          rx,
          f,
          h.v1,
          plain(1, f),
        ),
        tcpScenario(
          `senders.haproxy.send-proxy-v2.ipv${f}`,
          `haproxy \`send-proxy-v2\`, ${ip}`,
          "2.2",
          "haproxy",
          rx,
          f,
          h.v2,
          plain(2, f),
        ),
      );
    }
    for (const f of families) {
      scenarios.push(
        tcpScenario(
          `senders.haproxy.proxy-v2-options.ipv${f}`,
          `haproxy \`send-proxy-v2 proxy-v2-options crc32c,unique-id,authority\`, IPv${f} ` +
            "client (no SNI: no authority to send)",
          "2.2.3, 2.2.5",
          "haproxy",
          rx,
          f,
          h.v2Options,
          (client, dst) =>
            plain(2, f, [
              { name: "CRC32C" },
              tlvEquals("UNIQUE_ID", expectedUniqueId(client.address, client.port)),
            ])(client, dst),
        ),
      );
    }
    scenarios.push(
      relayScenario(
        "senders.haproxy.relay-v1",
        "haproxy `accept-proxy` → `send-proxy`: relays a v1 header's addresses",
        "2.1",
        rx,
        h.relayV1,
        RELAY_V1,
        {
          version: 1,
          command: "PROXY",
          protocol: "TCP4",
          source: RELAY_V1_SRC,
          destination: RELAY_V1_DST,
          tlvs: [],
        },
      ),
      relayScenario(
        "senders.haproxy.relay-v2-authority",
        "haproxy `accept-proxy` → `send-proxy-v2 proxy-v2-options crc32c,unique-id,authority`: " +
          "relays a v2 TCP6 header's addresses and AUTHORITY",
        "2.2.2",
        rx,
        h.relayV2,
        RELAY_V2,
        {
          version: 2,
          command: "PROXY",
          protocol: "TCP6",
          source: RELAY_V2_SRC,
          destination: RELAY_V2_DST,
          tlvs: [
            tlvEquals("AUTHORITY", RELAY_AUTHORITY),
            tlvEquals("UNIQUE_ID", expectedUniqueId(RELAY_V2_SRC.address, RELAY_V2_SRC.port)),
            { name: "CRC32C" },
          ],
        },
      ),
    );
    const certs = ctx.certs;
    if (certs === null) {
      skipped.push("haproxy TLS senders: no openssl, or haproxy built without OpenSSL");
    } else {
      scenarios.push(
        tlsScenario(
          "senders.haproxy.send-proxy-v2-ssl.client-cert",
          "haproxy `send-proxy-v2-ssl` behind a TLS frontend, verified client certificate",
          ctx,
          certs,
          h.tls,
          true,
          false,
        ),
        tlsScenario(
          "senders.haproxy.send-proxy-v2-ssl.no-client-cert",
          "haproxy `send-proxy-v2-ssl` behind a TLS frontend, no client certificate",
          ctx,
          certs,
          h.tls,
          false,
          false,
        ),
        tlsScenario(
          "senders.haproxy.send-proxy-v2-ssl-cn.client-cert",
          "haproxy `send-proxy-v2-ssl-cn` + `proxy-v2-options ssl-cipher,cert-sig,cert-key," +
            "authority,crc32c,unique-id`, SNI, ALPN, verified client certificate",
          ctx,
          certs,
          h.tlsCn,
          true,
          true,
        ),
        tlsScenario(
          "senders.haproxy.send-proxy-v2-ssl-cn.no-client-cert",
          "haproxy `send-proxy-v2-ssl-cn` + the same options, SNI, ALPN, no client certificate",
          ctx,
          certs,
          h.tlsCn,
          false,
          true,
        ),
      );
    }
  } else {
    skipped.push("haproxy senders: haproxy is not running");
  }
  const n = ctx.nginx;
  if (n !== null) {
    for (const f of families) {
      scenarios.push(
        tcpScenario(
          `senders.nginx.proxy_protocol.ipv${f}`,
          `nginx stream \`proxy_protocol on\` (v1), IPv${f} client`,
          "2.1",
          "nginx-stream",
          rx,
          f,
          n.streamSend,
          plain(1, f),
        ),
      );
    }
  } else {
    skipped.push("nginx stream sender: nginx is not running");
  }
  for (const s of scenarios) rows.push(await runScenario(s, ctx));
  if (h !== null && ctx.checkV2 !== null && ctx.checkV1 !== null) {
    rows.push(
      await healthCheckRow(
        "senders.haproxy.check-send-proxy.v2",
        "haproxy health check, `check-send-proxy` with `send-proxy-v2`: LOCAL",
        "2.2",
        ctx.checkV2,
        2,
        ctx,
      ),
      await healthCheckRow(
        "senders.haproxy.check-send-proxy.v1",
        "haproxy health check, `check-send-proxy` with `send-proxy`: a valid TCP4 line",
        "2.1",
        ctx.checkV1,
        1,
        ctx,
      ),
    );
  }
  const notes = h === null ? [] : [
    "haproxy's plain layer-4 health check writes the PROXY header and resets the connection " +
    "within microseconds, so a receiver that accepts a little late may never read the header; " +
    "the suite's check backends use `option tcp-check` with `tcp-check expect string ppcat-ok`, " +
    "which waits for ppcat's reply.",
  ];
  return { group: Group.SENDERS, rows, skipped, notes };
}
