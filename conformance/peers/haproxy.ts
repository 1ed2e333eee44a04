/**
 * haproxy as a PROXY sender (send-proxy, send-proxy-v2 with options, relays,
 * TLS senders, health checks) and receiver (`accept-proxy` on an http
 * frontend answering what it understood): its configuration template (a
 * string compiled into the binary), how it starts, and its parts.
 *
 * @module
 */

import { type Certs, type Harness, type Proc, runSync, waitListening } from "../harness.ts";
import { HAPROXY_CHECK_NOTE, haproxyHealthRows, haproxyScenarios } from "./haproxy_senders.ts";
import { ALPN, haproxyConfig, type HaproxyPorts } from "./haproxy_config.ts";
import { haproxyTarget } from "../checks_receivers.ts";
import type { Binary } from "../harness.ts";
import type { PeerDef } from "./peer.ts";

/** Whether this haproxy was built with OpenSSL (`haproxy -vv`); custom builds may not be. */
function haproxyHasSsl(bin: Binary, dir: string): boolean {
  try {
    return /Built with OpenSSL|USE_OPENSSL=1/.test(runSync(bin.path, ["-vv"], dir));
  } catch {
    return false;
  }
}

async function startHaproxy(
  h: Harness,
  bin: Binary,
  ports: HaproxyPorts,
  ipv6: boolean,
  certs: Certs | null,
): Promise<Proc> {
  const cfg = h.write(
    "haproxy.cfg",
    haproxyConfig({
      ports,
      ipv6,
      tls: certs === null ? null : { serverPemFile: certs.serverPemFile, caFile: certs.caFile },
      alpn: ALPN,
    }),
  );
  runSync(bin.path, ["-c", "-q", "-f", cfg], h.dir);
  const proc = h.start("haproxy", bin.path, ["-db", "-f", cfg]);
  const listening = [
    ports.v1,
    ports.v2,
    ports.v2Options,
    ports.relayV1,
    ports.relayV2,
    ports.accept,
  ];
  if (certs !== null) listening.push(ports.tls, ports.tlsCn);
  await Promise.all(listening.map((p) => waitListening("127.0.0.1", p, proc)));
  return proc;
}

/** haproxy. */
export const haproxy: PeerDef = {
  name: "haproxy",
  program: "haproxy",
  packages: ["haproxy"],
  versionArgs: ["-v"],
  versionPattern: /HA-?Proxy version (\S+)/i,
  columns: [{ id: "haproxy", roles: ["sender", "receiver"] }],
  ports: 8,
  async start(ctx) {
    const a = ctx.ports;
    const ports: HaproxyPorts = {
      v1: a[0] as number,
      v2: a[1] as number,
      v2Options: a[2] as number,
      relayV1: a[3] as number,
      relayV2: a[4] as number,
      tls: a[5] as number,
      tlsCn: a[6] as number,
      accept: a[7] as number,
      receiver: ctx.ppcat.rx.port,
      checkV1: ctx.ppcat.checkV1.port,
      checkV2: ctx.ppcat.checkV2.port,
    };
    let certs = ctx.certs;
    if (certs !== null && !haproxyHasSsl(ctx.bin, ctx.h.dir)) {
      certs = null;
      ctx.log("haproxy was built without OpenSSL: no TLS checks");
    }
    await startHaproxy(ctx.h, ctx.bin, ports, ctx.ipv6, certs);
    return {
      senders: (s) => haproxyScenarios({ ...s, certs }, ports),
      senderRows: (s) => haproxyHealthRows(s),
      receivers: [haproxyTarget(ports.accept)],
      fuzz: [{ column: "haproxy", hostname: "127.0.0.1", port: ports.accept, mode: "http" }],
      skipped: certs === null
        ? ["haproxy TLS senders: no openssl, or haproxy built without OpenSSL"]
        : [],
      notes: [HAPROXY_CHECK_NOTE],
    };
  },
};
