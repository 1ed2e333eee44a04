// Helpers for tests over real sockets (transport, send, fuzz): what can run here, test
// certificates, and a tracked TCP server.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { acceptProxy } from "./server.ts";
import { type Conn, getTransport } from "./transport.ts";
import { bounded } from "./_testing.ts";

/** Whether the IPv6 loopback (::1) can be bound here. */
export async function ipv6Available(): Promise<boolean> {
  try {
    (await getTransport().listen({ hostname: "::1", port: 0 })).close();
    return true;
  } catch {
    return false;
  }
}

/** Open socket descriptors of this process (Linux), or null without /proc. */
export function openSockets(): Set<string> | null {
  if (!existsSync("/proc/self/fd")) return null;
  const out = new Set<string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const link = readlinkSync(`/proc/self/fd/${fd}`);
      if (link.startsWith("socket:")) out.add(`${fd} ${link}`);
    } catch {
      // closed while listing
    }
  }
  return out;
}

/**
 * Sockets open now that were not in `before` (from {@linkcode openSockets}), after
 * waiting up to 500 ms for closes that complete a tick later (node:tls server).
 */
export async function socketsLeakedSince(before: Set<string>): Promise<string[]> {
  let leaked: string[] = [];
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    leaked = [...(openSockets() ?? [])].filter((fd) => !before.has(fd));
    if (leaked.length === 0) break;
  }
  return leaked;
}

/**
 * The test that runs last in a file over real sockets: every socket open now was open at the
 * file's start (`before`, from {@linkcode openSockets}); skipped where there is no /proc/self/fd.
 */
export function itLeavesNoSocketOpen(before: Set<string> | null): void {
  it(
    "leaves no socket open (runs last)",
    { skip: before === null && "no /proc/self/fd" },
    () =>
      bounded(5000, async () => {
        assert.deepEqual(await socketsLeakedSince(before ?? new Set()), []);
      }),
  );
}

/** A TCP port on 127.0.0.1 nothing listens on: bind one, note it, close it. */
export async function closedPort(): Promise<number> {
  const l = await getTransport().listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as { port: number }).port;
  l.close();
  return port;
}

/** Why IPv6 tests cannot run here, or false when the loopback ::1 can be bound. */
export async function ipv6Skip(): Promise<string | false> {
  return (await ipv6Available()) ? false : "IPv6 loopback (::1) is not available here";
}

const isDeno = !("Bun" in globalThis);

/** Why UDP tests cannot run here (Deno without --unstable-net), or false. */
export const UDP_SKIP: string | false = !isDeno ||
    typeof (Deno as { listenDatagram?: unknown }).listenDatagram === "function"
  ? false
  : "UDP on Deno needs --unstable-net (deno test -A --unstable-net)";

/** A test CA and a leaf certificate signed by it, for localhost and 127.0.0.1, in PEM. */
export interface TestCertificates {
  /** The CA certificate, to trust. */
  readonly ca: string;
  /** The leaf's private key. */
  readonly key: string;
  /** The leaf certificate. */
  readonly cert: string;
}

function opensslWorks(): boolean {
  try {
    return spawnSync("openssl", ["version"], { encoding: "utf8" }).status === 0;
  } catch {
    return false;
  }
}

const hasOpenssl = opensslWorks();

/** Why TLS tests cannot run here (no openssl CLI to make a certificate), or false. */
export const TLS_SKIP: string | false = hasOpenssl
  ? false
  : "the openssl CLI is not installed: cannot make a certificate";

/**
 * Makes {@linkcode TestCertificates} with the openssl CLI (EC P-256, valid two days) in a
 * temporary directory it removes; null when openssl is missing ({@linkcode TLS_SKIP}).
 */
export function makeTestCertificates(): TestCertificates | null {
  if (!hasOpenssl) return null;
  const dir = mkdtempSync(join(tmpdir(), "ppcat-test-tls-"));
  try {
    const openssl = (args: string[]) => {
      const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
    };
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
      ["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2"]
        .concat(["-subj", "/CN=ppcat test CA"])
        .concat(["-addext", "basicConstraints=critical,CA:TRUE"])
        .concat(["-addext", "keyUsage=critical,keyCertSign"]),
    );
    openssl(["req", ...ec, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost"]);
    writeFileSync(
      join(dir, "ext.cnf"),
      "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n" +
        "extendedKeyUsage=serverAuth\n",
    );
    openssl(
      ["x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key"]
        .concat(["-CAcreateserial", "-out", "leaf.pem", "-days", "2", "-extfile", "ext.cnf"]),
    );
    return {
      ca: readFileSync(join(dir, "ca.pem"), "utf8"),
      key: readFileSync(join(dir, "leaf.key"), "utf8"),
      cert: readFileSync(join(dir, "leaf.pem"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A TCP server on 127.0.0.1 for tests: every connection tracked, handled and closed. */
export interface TestServer {
  /** Where it listens. */
  readonly target: { readonly hostname: string; readonly port: number };
  /** The same as TARGET text for the CLI: "127.0.0.1:PORT". */
  readonly targetText: string;
  /** Most connections open at the same time so far. */
  readonly maxOpen: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Stops listening, closes every connection and waits for the handlers. */
  close(): Promise<void>;
}

/** Serves every connection with `handle` (its errors ignored) until close(). */
export async function serveTcp(handle: (conn: Conn) => Promise<void>): Promise<TestServer> {
  const listener = await getTransport().listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Conn>();
  const tasks = new Set<Promise<void>>();
  let open = 0;
  let maxOpen = 0;
  let accepted = 0;
  const loop = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      accepted++;
      maxOpen = Math.max(maxOpen, ++open);
      const task = handle(conn).catch(() => {}).finally(() => {
        conn.close();
        conns.delete(conn);
        open--;
      });
      tasks.add(task);
      task.finally(() => tasks.delete(task));
    }
  })();
  const port = (listener.addr as { port: number }).port;
  return {
    target: { hostname: "127.0.0.1", port },
    targetText: `127.0.0.1:${port}`,
    get maxOpen() {
      return maxOpen;
    },
    get accepted() {
      return accepted;
    },
    async close() {
      listener.close();
      for (const c of conns) c.close();
      await loop;
      await Promise.allSettled([...tasks]);
    },
  };
}

/** Runs `body` against a {@linkcode serveTcp} server, which is closed afterwards, come what may. */
export async function withTcpServer<T>(
  handle: (conn: Conn) => Promise<void>,
  body: (server: TestServer) => Promise<T>,
): Promise<T> {
  const server = await serveTcp(handle);
  try {
    return await body(server);
  } finally {
    await server.close();
  }
}

/** Writes back everything read from `conn` until its EOF. */
export async function echoBack(conn: Conn): Promise<void> {
  const buf = new Uint8Array(65536);
  for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
    await conn.write(buf.subarray(0, n));
  }
}

/** ppcat's receiver (acceptProxy, what `ppcat listen` uses) in front of {@linkcode echoBack}. */
export async function proxyThenEcho(conn: Conn): Promise<void> {
  const r = await acceptProxy(conn);
  if (r.ok) await echoBack(r.conn);
}
