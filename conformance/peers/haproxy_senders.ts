/**
 * haproxy's part 1: the client scenarios through its sender frontends (v1,
 * v2, v2 with options, `accept-proxy` relays, TLS with `send-proxy-v2-ssl`
 * and `-ssl-cn`) and its health checks, with what each header must carry.
 *
 * @module
 */

import { encodeHeader } from "../../lib/encode.ts";
import type { HeaderInit } from "../../lib/header.ts";
import { headerToJson } from "../../lib/json.ts";
import { authorityTlv, uniqueIdTlv } from "../../lib/tlv.ts";
import {
  describe,
  type ExpectedTlv,
  localOf,
  plain,
  ppcatReceiverCell,
  receivedJson,
  type Scenario,
  type SenderContext,
  type SenderExpectation,
  sslExpectation,
  tcpScenario,
  tlvEquals,
  WAIT_MS,
} from "../checks_senders.ts";
import type { Certs } from "../harness.ts";
import {
  type Cell,
  type Column,
  type FieldCheck,
  Group,
  judgeFields,
  type Level,
  missingCell,
  type Row,
} from "../model.ts";
import { bytesOf, exchange, type Receiver, tlsExchange } from "../net.ts";
import { ALPN, expectedUniqueId, type HaproxyPorts } from "./haproxy_config.ts";

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
        alpn: cn ? [ALPN] : undefined,
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
  // A check from now on: earlier ones may predate the capture of part 4.
  const before = receiver.records.length;
  const r = await receiver.waitFor(
    (x) => x.raw.length > 0 && receiver.records.indexOf(x) >= before,
    WAIT_MS,
  );
  if (r !== null) ctx.captured?.push({ row: id, title, receiverPort: receiver.port, received: r });
  const cells: Record<Column, Cell> = {};
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

/** haproxy's client scenarios: v1, v2, v2 options, relays, and the TLS senders. */
export function haproxyScenarios(ctx: SenderContext, h: HaproxyPorts): Scenario[] {
  const families: (4 | 6)[] = ctx.ipv6 ? [4, 6] : [4];
  const rx = ctx.receiver;
  const scenarios: Scenario[] = [];
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
    ctx.log("  haproxy TLS senders skipped: no openssl, or haproxy built without OpenSSL");
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
  return scenarios;
}

/** haproxy's health checks (v2 LOCAL, then v1), one row each. */
export async function haproxyHealthRows(ctx: SenderContext): Promise<Row[]> {
  if (ctx.checkV1 === null || ctx.checkV2 === null) return [];
  return [
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
  ];
}

/** The note about haproxy's plain layer-4 health checks. */
export const HAPROXY_CHECK_NOTE = "haproxy's plain layer-4 health check writes the PROXY header " +
  "and resets the connection within microseconds, so a receiver that accepts a little late may " +
  "never read the header; the suite's check backends use `option tcp-check` with `tcp-check " +
  "expect string ppcat-ok`, which waits for ppcat's reply.";
