/**
 * The conformance suite from start to end: find the peers, generate the
 * certificates and configurations, start ppcat's receivers, tshark, haproxy
 * and nginx on free loopback ports, run the four parts, and stop everything,
 * whatever happens (the harness also cleans up on SIGINT and SIGTERM).
 *
 * @module
 */

import process from "node:process";
import { VERSION } from "../cli/version.ts";
import { fuzzCatalog } from "../lib/fuzz/catalog.ts";
import { receiverChecks } from "./checks_receivers.ts";
import { senderChecks } from "./checks_senders.ts";
import { fuzzChecks, type FuzzTarget } from "./checks_fuzz.ts";
import {
  type Capture,
  type CapturedItem,
  startCapture,
  wiresharkChecks,
} from "./checks_wireshark.ts";
import {
  type Binary,
  branchOf,
  type Certs,
  createHarness,
  findBinary,
  freePorts,
  generateCerts,
  type Harness,
  ipv6Loopback,
  type Proc,
  runSync,
  waitListening,
} from "./harness.ts";
import { Column, Group, type GroupResult, type SuiteResult } from "./model.ts";
import { type EchoReceiver, type Receiver, startEchoReceiver, startReceiver } from "./net.ts";
import {
  haproxyConfig,
  type HaproxyPorts,
  nginxConfig,
  type NginxPorts,
  streamModule,
} from "./templates.ts";

/** Options for {@linkcode runSuite}. */
export interface SuiteOptions {
  /** haproxy binary (path or name); default `haproxy` on PATH or in an sbin directory. */
  readonly haproxy?: string;
  /** nginx binary; default `nginx`. */
  readonly nginx?: string;
  /** tshark binary; default `tshark`. */
  readonly tshark?: string;
  /** openssl binary; default `openssl`. */
  readonly openssl?: string;
  /** Run part 3 (the fuzz catalog); default true. */
  readonly fuzz?: boolean;
  /** Run part 4 (Wireshark); default true. */
  readonly wireshark?: boolean;
  /** A missing haproxy or nginx skips its checks instead of failing the run. */
  readonly skipMissing?: boolean;
  /** Keep the temporary directory (configs, certificates, logs, capture). */
  readonly keep?: boolean;
  /** Progress lines (stderr in the CLI). */
  readonly log?: (line: string) => void;
}

/** The ALPN protocol haproxy's TLS frontend offers and the client asks for. */
const ALPN = "ppcat-conformance";

function runtimeName(): string {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  if (g.Bun !== undefined) return `bun ${g.Bun.version}`;
  if (g.Deno !== undefined) return `deno ${g.Deno.version.deno}`;
  return `node ${process.version}`;
}

interface Peer {
  readonly binary: Binary | null;
  readonly missing: string | null;
}

function find(name: "haproxy" | "nginx" | "tshark" | "openssl", override?: string): Peer {
  const r = findBinary(name, override);
  return r.ok ? { binary: r.binary, missing: null } : { binary: null, missing: r.reason };
}

/** Whether this haproxy was built with OpenSSL (`haproxy -vv`); custom builds may not be. */
function haproxyHasSsl(bin: Binary, h: Harness): boolean {
  try {
    return /Built with OpenSSL|USE_OPENSSL=1/.test(runSync(bin.path, ["-vv"], h.dir));
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

function versionAtLeast(version: string, min: readonly number[]): boolean {
  const parts = version.split(/[.-]/).map((x) => parseInt(x, 10));
  for (let i = 0; i < min.length; i++) {
    const v = Number.isNaN(parts[i]) || parts[i] === undefined ? 0 : parts[i];
    if (v !== min[i]) return v > min[i];
  }
  return true;
}

async function startNginx(
  h: Harness,
  bin: Binary,
  ports: NginxPorts,
  ipv6: boolean,
): Promise<Proc> {
  const stream = streamModule(bin.details);
  if (stream.kind === "absent") throw new Error("nginx was built without the stream module");
  const conf = h.write(
    "nginx.conf",
    nginxConfig({
      ports,
      ipv6,
      dir: h.dir,
      streamModule: stream.kind === "dynamic" ? stream.path : null,
    }),
  );
  // -e (nginx ≥ 1.19.5): the error log before the configuration is read, not the built-in path.
  const early = versionAtLeast(bin.version, [1, 19, 5]) ? ["-e", `${h.dir}/nginx-error.log`] : [];
  const args = ["-p", h.dir, "-c", conf, ...early, "-g", "daemon off;"];
  runSync(bin.path, ["-t", "-q", ...args], h.dir);
  const proc = h.start("nginx", bin.path, args);
  await Promise.all(
    [ports.streamSend, ports.streamAccept, ports.httpAccept].map((p) =>
      waitListening("127.0.0.1", p, proc)
    ),
  );
  return proc;
}

/**
 * Runs the whole suite and returns the matrix. Never leaves a process or the
 * temporary directory behind (unless `keep`). Peers that cannot be found or
 * started are reported in `errors` (or, with `skipMissing`, skipped).
 */
export async function runSuite(options: SuiteOptions = {}): Promise<SuiteResult> {
  const log = options.log ?? (() => {});
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const errors: string[] = [];
  const haproxyPeer = find("haproxy", options.haproxy);
  const nginxPeer = find("nginx", options.nginx);
  const tsharkPeer = options.wireshark === false ? null : find("tshark", options.tshark);
  const opensslPeer = find("openssl", options.openssl);
  for (const [name, peer] of [["haproxy", haproxyPeer], ["nginx", nginxPeer]] as const) {
    if (peer.missing === null) continue;
    const given = name === "haproxy" ? options.haproxy : options.nginx;
    if (given !== undefined || !options.skipMissing) {
      errors.push(`${name}: ${peer.missing}${given ? "" : ` (install it or pass --${name} PATH)`}`);
    }
  }
  // A tshark asked for by path must be there; only an absent default one is skipped.
  if (options.tshark !== undefined && tsharkPeer?.missing) {
    errors.push(`tshark: ${tsharkPeer.missing}`);
  }
  const peers: Record<string, { path: string; version: string } | { missing: string }> = {};
  for (
    const [name, peer] of [
      ["haproxy", haproxyPeer],
      ["nginx", nginxPeer],
      ["tshark", tsharkPeer],
      ["openssl", opensslPeer],
    ] as const
  ) {
    if (peer === null) continue;
    peers[name] = peer.binary
      ? { path: peer.binary.path, version: peer.binary.version }
      : { missing: peer.missing ?? "" };
  }
  const hv = haproxyPeer.binary ? `haproxy ${branchOf(haproxyPeer.binary.version)}` : "haproxy";
  const nv = nginxPeer.binary ? `nginx ${branchOf(nginxPeer.binary.version)}` : "nginx";
  const columns = {
    [Column.PPCAT]: `ppcat ${VERSION}`,
    [Column.HAPROXY]: hv,
    [Column.NGINX_STREAM]: `${nv} stream`,
    [Column.NGINX_HTTP]: `${nv} http`,
  };

  const groups: GroupResult[] = [];
  const h = createHarness({ keep: options.keep });
  const receivers: (Receiver | EchoReceiver)[] = [];
  let capture: Capture | null = null;
  try {
    log(`temporary directory: ${h.dir}${options.keep ? " (kept)" : ""}`);
    const ipv6 = await ipv6Loopback();
    let certs: Certs | null = null;
    if (opensslPeer.binary !== null) {
      try {
        certs = generateCerts(opensslPeer.binary.path, h);
      } catch (e) {
        errors.push(`openssl: cannot generate certificates: ${(e as Error).message}`);
      }
    }
    const rx = await startReceiver();
    const checkV1 = await startReceiver(false);
    const checkV2 = await startReceiver(false);
    receivers.push(rx, checkV1, checkV2);

    const captured: CapturedItem[] = [];
    const wiresharkSkipped: string[] = [];
    if (tsharkPeer === null) wiresharkSkipped.push("Wireshark: --no-wireshark");
    else if (tsharkPeer.binary === null) {
      wiresharkSkipped.push(`Wireshark: tshark is not installed (${tsharkPeer.missing})`);
    } else {
      try {
        capture = await startCapture(h, tsharkPeer.binary, [rx.port, checkV1.port, checkV2.port]);
        log(`tshark ${tsharkPeer.binary.version} capturing`);
      } catch (e) {
        errors.push(`tshark: ${(e as Error).message}`);
      }
    }

    // One call: every port distinct (8 for haproxy, 3 for nginx).
    const free = await freePorts(11, ipv6);
    const a = free.slice(0, 8);
    const b = free.slice(8);
    let haproxy: HaproxyPorts | null = null;
    let nginx: NginxPorts | null = null;
    const starting: Promise<void>[] = [];
    let haproxyCerts = certs;
    if (haproxyPeer.binary !== null && certs !== null && !haproxyHasSsl(haproxyPeer.binary, h)) {
      haproxyCerts = null;
      log("haproxy was built without OpenSSL: no TLS checks");
    }
    if (haproxyPeer.binary !== null) {
      const ports: HaproxyPorts = {
        v1: a[0],
        v2: a[1],
        v2Options: a[2],
        relayV1: a[3],
        relayV2: a[4],
        tls: a[5],
        tlsCn: a[6],
        accept: a[7],
        receiver: rx.port,
        checkV1: checkV1.port,
        checkV2: checkV2.port,
      };
      const bin = haproxyPeer.binary;
      starting.push(
        startHaproxy(h, bin, ports, ipv6, haproxyCerts).then(() => {
          haproxy = ports;
          log(`haproxy ${bin.version} listening`);
        }, (e) => {
          errors.push(`haproxy: ${(e as Error).message}`);
        }),
      );
    }
    if (nginxPeer.binary !== null) {
      const ports: NginxPorts = {
        streamSend: b[0],
        streamAccept: b[1],
        httpAccept: b[2],
        receiver: rx.port,
      };
      const bin = nginxPeer.binary;
      starting.push(
        startNginx(h, bin, ports, ipv6).then(() => {
          nginx = ports;
          log(`nginx ${bin.version} listening`);
        }, (e) => {
          errors.push(`nginx: ${(e as Error).message}`);
        }),
      );
    }
    await Promise.all(starting);

    log("part 1: senders → ppcat");
    const senders = await senderChecks({
      receiver: rx,
      checkV1,
      checkV2,
      haproxy,
      nginx,
      ipv6,
      certs: haproxyCerts,
      alpn: ALPN,
      log,
      captured,
    });
    groups.push(senders);

    log("part 2: ppcat → receivers");
    groups.push(await receiverChecks({ receiver: rx, haproxy, nginx, log, captured }));

    if (capture !== null && tsharkPeer?.binary) {
      log("part 4: Wireshark");
      const file = await capture.stop();
      capture = null;
      try {
        groups.push(wiresharkChecks(tsharkPeer.binary, file, captured));
      } catch (e) {
        errors.push(`tshark: ${(e as Error).message}`);
      }
    } else {
      groups.push({ group: Group.WIRESHARK, rows: [], skipped: wiresharkSkipped });
    }

    if (options.fuzz === false) {
      groups.push({ group: Group.FUZZ, rows: [], skipped: ["fuzz: --no-fuzz"] });
    } else {
      log(`part 3: fuzz catalog (${fuzzCatalog().length} cases per target)`);
      const echo = await startEchoReceiver();
      receivers.push(echo);
      const targets: FuzzTarget[] = [
        { column: Column.PPCAT, hostname: "127.0.0.1", port: echo.port, mode: "echo" },
      ];
      const hp = haproxy as HaproxyPorts | null;
      const np = nginx as NginxPorts | null;
      if (hp !== null) {
        targets.push({
          column: Column.HAPROXY,
          hostname: "127.0.0.1",
          port: hp.accept,
          mode: "http",
        });
      }
      if (np !== null) {
        targets.push(
          {
            column: Column.NGINX_STREAM,
            hostname: "127.0.0.1",
            port: np.streamAccept,
            mode: "banner",
          },
          { column: Column.NGINX_HTTP, hostname: "127.0.0.1", port: np.httpAccept, mode: "http" },
        );
      }
      groups.push(await fuzzChecks(targets, log));
    }
  } catch (e) {
    errors.push(`harness: ${(e as Error).message}`);
  } finally {
    if (capture !== null) await capture.stop().catch(() => "");
    for (const r of receivers) r.close();
    await h.cleanup();
  }
  const order = [Group.SENDERS, Group.RECEIVERS, Group.FUZZ, Group.WIRESHARK];
  groups.sort((x, y) => order.indexOf(x.group) - order.indexOf(y.group));
  return {
    ppcat: VERSION,
    runtime: runtimeName(),
    startedAt,
    durationMs: Math.round(performance.now() - started),
    peers,
    columns,
    groups,
    errors,
  };
}
