/**
 * The conformance suite from start to end: find the peers (conformance/peers/),
 * generate the certificates, start ppcat's receivers and tshark, reserve
 * free loopback ports, start every peer in parallel, run the four parts, and
 * stop everything, whatever happens (the harness also cleans up on SIGINT and
 * SIGTERM). A peer whose program is missing is a column of `skip` naming its
 * Debian package.
 *
 * @module
 */

import process from "node:process";
import { join } from "node:path";
import { VERSION } from "../lib/version.ts";
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
  ipv6Loopback,
} from "./harness.ts";
import {
  type Cell,
  type Column,
  Group,
  type GroupResult,
  type Row,
  Status,
  type SuiteResult,
} from "./model.ts";
import { type EchoReceiver, type Receiver, startEchoReceiver, startReceiver } from "./net.ts";
import { PEERS } from "./peers/mod.ts";
import { missingText, type PeerDef, type PeerRun, type Role } from "./peers/peer.ts";

/** Options for {@linkcode runSuite}. */
export interface SuiteOptions {
  /** haproxy binary (path or name); default `haproxy` on PATH or in an sbin directory. */
  readonly haproxy?: string | undefined;
  /** nginx binary; default `nginx`. */
  readonly nginx?: string | undefined;
  /** tshark binary; default `tshark`. */
  readonly tshark?: string | undefined;
  /** openssl binary; default `openssl`. */
  readonly openssl?: string | undefined;
  /** Only these peers (names as in conformance/peers/mod.ts); default all. */
  readonly peers?: readonly string[] | undefined;
  /** The peers to choose from (default: conformance/peers/mod.ts; tests pass their own). */
  readonly definitions?: readonly PeerDef[] | undefined;
  /** Run part 3 (the fuzz catalog); default true. */
  readonly fuzz?: boolean | undefined;
  /** Run part 4 (Wireshark); default true. */
  readonly wireshark?: boolean | undefined;
  /** Keep the temporary directory (configs, certificates, logs, capture). */
  readonly keep?: boolean | undefined;
  /** Progress lines (stderr in the CLI). */
  readonly log?: ((line: string) => void) | undefined;
}

/**
 * The peers `names` selects, in matrix order; an unknown name is an error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selectPeers } from "./suite.ts";
 * const r = selectPeers(["apache2", "haproxy"]);
 * assert.ok(r.ok);
 * assert.deepEqual(r.peers.map((p) => p.name), ["haproxy", "apache2"]);
 * assert.deepEqual(selectPeers(["iis"]), {
 *   ok: false,
 *   error: 'unknown peer "iis" (known: haproxy, nginx, apache2, lighttpd, squid, postfix, stunnel4, curl)',
 * });
 * ```
 */
export function selectPeers(
  names: readonly string[] | undefined,
  all: readonly PeerDef[] = PEERS,
): { ok: true; peers: PeerDef[] } | { ok: false; error: string } {
  if (names === undefined) return { ok: true, peers: [...all] };
  for (const n of names) {
    if (!all.some((p) => p.name === n)) {
      return {
        ok: false,
        error: `unknown peer "${n}" (known: ${all.map((p) => p.name).join(", ")})`,
      };
    }
  }
  return { ok: true, peers: all.filter((p) => names.includes(p.name)) };
}

function runtimeName(): string {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  if (g.Bun !== undefined) return `bun ${g.Bun.version}`;
  if (g.Deno !== undefined) return `deno ${g.Deno.version.deno}`;
  return `node ${process.version}`;
}

function find(name: "tshark" | "openssl", override?: string) {
  const r = findBinary(name, override);
  return r.ok ? { binary: r.binary, missing: null } : { binary: null, missing: r.reason };
}

function peerLabel(peer: PeerDef, bin: Binary | null): string {
  if (bin === null) return peer.name;
  return peer.label ? peer.label(bin.version) : `${peer.name} ${branchOf(bin.version)}`;
}

/** Which part a role takes part in. */
const GROUP_ROLE: Readonly<Record<Group, Role | null>> = {
  [Group.SENDERS]: "sender",
  [Group.RECEIVERS]: "receiver",
  [Group.FUZZ]: "receiver",
  [Group.WIRESHARK]: null,
};

/** Fills the columns of peers that did not run with `skip` cells saying why. */
function addSkipCells(
  group: GroupResult,
  notRun: readonly { peer: PeerDef; why: string }[],
): GroupResult {
  const role = GROUP_ROLE[group.group];
  if (role === null) return group;
  const rows: Row[] = [...group.rows];
  for (const { peer, why } of notRun) {
    const cols = peer.columns.filter((c) => c.roles.includes(role));
    if (cols.length === 0) continue;
    const cell: Cell = { status: Status.SKIP, observed: why };
    if (group.group === Group.SENDERS) {
      // A sender's rows are its own scenarios: one row stands for them.
      const cells: Record<Column, Cell> = {};
      for (const c of cols) cells[c.id] = cell;
      rows.push({
        id: `senders.${peer.name}`,
        group: Group.SENDERS,
        title: `${peer.name} as a sender`,
        section: "2",
        cells,
      });
      continue;
    }
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as Row;
      const cells: Record<Column, Cell> = { ...r.cells };
      for (const c of cols) cells[c.id] ??= cell;
      rows[i] = { ...r, cells };
    }
  }
  return { ...group, rows };
}

/**
 * Runs the whole suite and returns the matrix. Never leaves a process or the
 * temporary directory behind (unless `keep`). A missing peer is skipped (its
 * columns say which package to install); one given by path that is not there,
 * or one that does not start, is an error.
 */
export async function runSuite(options: SuiteOptions = {}): Promise<SuiteResult> {
  const log = options.log ?? (() => {});
  const began = performance.now();
  const startedAt = new Date().toISOString();
  const errors: string[] = [];
  const selected = selectPeers(options.peers, options.definitions);
  if (!selected.ok) throw new Error(selected.error);
  const overrides: Record<string, string | undefined> = {
    haproxy: options.haproxy,
    nginx: options.nginx,
  };
  const peers: Record<string, { path: string; version: string } | { missing: string }> = {};
  const columns: Record<Column, string> = { ppcat: `ppcat ${VERSION}` };
  const columnOrder: Column[] = ["ppcat"];
  const found: { peer: PeerDef; bin: Binary }[] = [];
  const notRun: { peer: PeerDef; why: string }[] = [];
  for (const peer of selected.peers) {
    const given = overrides[peer.name];
    const r = findBinary(peer.program, given, peer);
    const bin = r.ok ? r.binary : null;
    for (const c of peer.columns) {
      const label = peerLabel(peer, bin);
      columns[c.id] = c.suffix === undefined ? label : `${label} ${c.suffix}`;
      columnOrder.push(c.id);
    }
    const why = r.ok ? peer.unavailable?.() ?? null : null;
    if (r.ok && why !== null) {
      peers[peer.name] = { path: r.binary.path, version: r.binary.version };
      notRun.push({ peer, why: `not run: ${why}` });
    } else if (r.ok) {
      found.push({ peer, bin: r.binary });
      peers[peer.name] = { path: r.binary.path, version: r.binary.version };
    } else {
      const why = missingText(peer, r.reason);
      peers[peer.name] = { missing: why };
      // A binary asked for by path must be there; an absent default one is skipped.
      if (given !== undefined) errors.push(`${peer.name}: ${r.reason}`);
      notRun.push({ peer, why });
    }
  }
  const tsharkPeer = options.wireshark === false ? null : find("tshark", options.tshark);
  const opensslPeer = find("openssl", options.openssl);
  if (options.tshark !== undefined && tsharkPeer?.missing) {
    errors.push(`tshark: ${tsharkPeer.missing}`);
  }
  for (const [name, tool] of [["tshark", tsharkPeer], ["openssl", opensslPeer]] as const) {
    if (tool === null) continue;
    peers[name] = tool.binary
      ? { path: tool.binary.path, version: tool.binary.version }
      : { missing: tool.missing ?? "" };
  }

  const groups: GroupResult[] = [];
  const h = createHarness({ keep: options.keep ?? false });
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
    const rx6 = ipv6 ? await startReceiver(true, { hostname: "::1" }) : null;
    if (rx6 !== null) receivers.push(rx6);
    const unixPath = join(h.dir, "ppcat-receiver.sock");
    const unix = await startReceiver(true, { path: unixPath });
    receivers.push(unix);

    const captured: CapturedItem[] = [];
    const wiresharkSkipped: string[] = [];
    const capturePorts = [rx.port, checkV1.port, checkV2.port, ...(rx6 ? [rx6.port] : [])];
    if (tsharkPeer === null) wiresharkSkipped.push("Wireshark: --no-wireshark");
    else if (tsharkPeer.binary === null) {
      wiresharkSkipped.push(`Wireshark: tshark is not installed (${tsharkPeer.missing})`);
    }
    // tshark and the peers start at the same time: both take a while.
    const tsharkStart = tsharkPeer?.binary
      ? startCapture(h, tsharkPeer.binary, capturePorts).then((c) => {
        capture = c;
        log(`tshark ${tsharkPeer.binary?.version} capturing`);
      }, (e) => {
        errors.push(`tshark: ${(e as Error).message}`);
      })
      : Promise.resolve();

    // One call: every port distinct.
    const free = await freePorts(found.reduce((n, f) => n + f.peer.ports, 0), ipv6);
    let next = 0;
    const started: (PeerRun | undefined)[] = found.map(() => undefined);
    const peerStarts = found.map(({ peer, bin }, i) => {
      const ports = free.slice(next, next + peer.ports);
      next += peer.ports;
      const t0 = performance.now();
      return peer.start({
        h,
        bin,
        ports,
        ipv6,
        certs,
        ppcat: { rx, rx6, unix, unixPath, checkV1, checkV2 },
        log,
      }).then((run) => {
        started[i] = run;
        log(`${peer.name} ${bin.version} ready in ${Math.round(performance.now() - t0)} ms`);
      }, (e) => {
        errors.push(`${peer.name}: ${(e as Error).message}`);
        notRun.push({ peer, why: `did not start: ${(e as Error).message}` });
      });
    });
    await Promise.all([tsharkStart, ...peerStarts]);
    // Matrix order, whatever order they became ready in.
    const runs = started.filter((r): r is PeerRun => r !== undefined);

    log("part 1: senders → ppcat");
    const senderCtx = {
      receiver: rx,
      checkV1,
      checkV2,
      ipv6,
      certs,
      log,
      captured,
    };
    groups.push(await senderChecks(senderCtx, runs));

    log("part 2: ppcat → receivers");
    groups.push(
      await receiverChecks({
        receiver: rx,
        targets: runs.flatMap((r) => r.receivers ?? []),
        log,
        captured,
      }),
    );

    const cap = capture as Capture | null;
    if (cap !== null && tsharkPeer?.binary) {
      log("part 4: Wireshark");
      const file = await cap.stop();
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
        { column: "ppcat", hostname: "127.0.0.1", port: echo.port, mode: "echo" },
        ...runs.flatMap((r) => r.fuzz ?? []),
      ];
      groups.push(await fuzzChecks(targets, log));
    }
  } catch (e) {
    errors.push(`harness: ${(e as Error).message}`);
  } finally {
    const cap = capture as Capture | null;
    if (cap !== null) await cap.stop().catch(() => "");
    for (const r of receivers) r.close();
    await h.cleanup();
  }
  const order = [Group.SENDERS, Group.RECEIVERS, Group.FUZZ, Group.WIRESHARK];
  groups.sort((x, y) => order.indexOf(x.group) - order.indexOf(y.group));
  return {
    ppcat: VERSION,
    runtime: runtimeName(),
    startedAt,
    durationMs: Math.round(performance.now() - began),
    peers,
    columns,
    columnOrder,
    groups: groups.map((g) => addSkipCells(g, notRun)),
    errors,
  };
}
