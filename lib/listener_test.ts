// Listeners under hostile clients and after crashes: a flood of connections reset before they
// are accepted (RST right after the handshake, SO_LINGER 0) must not end an accept loop, and a
// UNIX socket file left by a killed listener must not block the next one, on Deno or Bun.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, describe, it, test } from "node:test";
import { acceptProxy } from "./server.ts";
import { type Conn, getTransport, type Listener } from "./transport.ts";

/** Connects `count` clients to `port` that reset the connection as soon as it is established. */
function resetFlood(port: number, count: number): Promise<void> {
  return Promise.all(Array.from({ length: count }, () =>
    new Promise<void>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.resetAndDestroy();
        resolve();
      });
      socket.on("error", () => resolve());
    }))).then(() => {});
}

/** A client that sends a v1 header and "hi", and resolves to what the server answered. */
function proxiedClient(port: number, source: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.write(`PROXY TCP4 192.0.2.1 192.0.2.2 ${source} 80\r\nhi`);
    });
    let answer = "";
    socket.on("data", (d) => (answer += d.toString()));
    socket.on("end", () => {
      socket.destroy();
      resolve(answer);
    });
    socket.on("error", reject);
  });
}

function portOf(listener: Listener): number {
  const addr = listener.addr;
  assert.ok(addr.transport === "tcp");
  return addr.port;
}

test("listener: connections reset before accept are skipped, the next one is accepted", async () => {
  const listener = await getTransport().listen({ hostname: "127.0.0.1", port: 0 });
  const port = portOf(listener);
  // All of them wait in the backlog, reset, before the first accept.
  await resetFlood(port, 50);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const good = net.connect(port, "127.0.0.1");
  good.on("error", () => {});
  const accepted: Conn[] = [];
  for await (const conn of listener) {
    accepted.push(conn);
    break;
  }
  assert.equal(accepted.length, 1);
  for (const c of accepted) c.close();
  good.destroy();
  listener.close();
});

test("listener: the README's library loop serves every client through an RST flood", async () => {
  const listener = await getTransport().listen({ hostname: "127.0.0.1", port: 0 });
  const port = portOf(listener);
  const sources: number[] = [];
  // The README's example: one `for await` loop, one serve() per connection.
  const serve = async (accepted: Conn) => {
    const r = await acceptProxy(accepted, { versions: [1], headerTimeoutMs: 3000 });
    if (!r.ok) return;
    const source = r.header?.source;
    sources.push(source && "port" in source ? source.port : -1);
    await r.conn.write(new TextEncoder().encode("ok"));
    r.conn.close();
  };
  // Resets waiting in the backlog before the loop starts, then more while it runs.
  await resetFlood(port, 50);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const loop = (async () => {
    for await (const accepted of listener) void serve(accepted);
  })();
  const answers: Promise<string>[] = [];
  for (let round = 0; round < 10; round++) {
    const flood = resetFlood(port, 20);
    answers.push(proxiedClient(port, 40000 + round));
    await flood;
  }
  assert.deepEqual(await Promise.all(answers), Array(10).fill("ok"));
  assert.deepEqual(sources.sort(), Array.from({ length: 10 }, (_, i) => 40000 + i));
  listener.close();
  await loop; // ends with null once closed, never with an error
});

describe("listener: a UNIX socket file left behind", () => {
  const dir = mkdtempSync(join(tmpdir(), "ppcat-stale-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const transportUrl = new URL("./transport.ts", import.meta.url).href;

  it("by a listener killed with SIGKILL is reclaimed", async () => {
    const path = join(dir, "killed.sock");
    const code = `import { getTransport } from ${JSON.stringify(transportUrl)};
await getTransport().listen({ path: ${JSON.stringify(path)} });
process.kill(process.pid, "SIGKILL");`;
    const args = "Bun" in globalThis ? ["-e", code] : ["eval", code];
    const child = spawnSync(process.execPath, args, { encoding: "utf8" });
    assert.equal(child.signal, "SIGKILL", child.stderr);
    assert.ok(lstatSync(path).isSocket(), "the dead listener left its socket file");
    const listener = await getTransport().listen({ path });
    const client = await getTransport().connect({ path });
    const conn = await listener.accept();
    assert.ok(conn !== null);
    conn.close();
    client.close();
    listener.close();
  });

  it("by a live listener stays in use", async () => {
    const path = join(dir, "live.sock");
    const live = await getTransport().listen({ path });
    await assert.rejects(getTransport().listen({ path }), { code: "ADDRESS_IN_USE" });
    const client = await getTransport().connect({ path });
    assert.ok((await live.accept()) !== null, "the first listener still has its socket");
    client.close();
    live.close();
  });

  it("that is not a socket is never removed", async () => {
    const path = join(dir, "plain-file");
    writeFileSync(path, "data");
    await assert.rejects(getTransport().listen({ path }), { code: "ADDRESS_IN_USE" });
    assert.equal(readFileSync(path, "utf8"), "data");
  });
});

describe("listener: out of file descriptors (EMFILE)", () => {
  const skip = "Bun" in globalThis
    ? "Bun accepts inside its runtime: listener-wide accept failures never reach JavaScript"
    : process.platform !== "linux" && "needs sh and ulimit";

  it("backs off, reports through onAcceptError, and accepts again once descriptors free up", {
    skip,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "ppcat-emfile-"));
    const script = join(dir, "server.ts");
    const transportUrl = new URL("./transport.ts", import.meta.url).href;
    // Holds every connection until an accept fails, then lets them all go.
    writeFileSync(
      script,
      `import { getTransport } from ${JSON.stringify(transportUrl)};
const want = 100;
const errors = [];
const listener = await getTransport().listen({ hostname: "127.0.0.1", port: 0 }, {
  onAcceptError(e, retryInMs) { errors.push(e.message + " retry " + retryInMs); },
});
console.log("port " + listener.addr.port);
const held = [];
const timer = setInterval(() => { if (errors.length > 0) for (const c of held.splice(0)) c.close(); }, 20);
let accepted = 0;
for await (const c of listener) {
  held.push(c);
  if (++accepted === want) break;
}
clearInterval(timer);
console.log("accepted " + accepted + " errors " + errors.length + " first " + errors[0]);
for (const c of held) c.close();
listener.close();
`,
    );
    // The runtime's path goes through the environment: Deno rewrites its own path in arguments.
    const child = spawn("sh", ["-c", 'ulimit -n 64 && exec "$PPCAT_RUNTIME" run -A "$0"', script], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PPCAT_RUNTIME: process.execPath },
    });
    const clients: net.Socket[] = [];
    let out = "";
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    try {
      const exit = new Promise<number | null>((resolve) => child.on("exit", resolve));
      child.stdout.on("data", (d) => {
        out += d;
        const m = /port (\d+)/.exec(out);
        if (m && clients.length === 0) {
          for (let i = 0; i < 100; i++) {
            const s = net.connect(Number(m[1]), "127.0.0.1");
            s.on("error", () => {});
            clients.push(s);
          }
        }
      });
      const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      const code = await exit;
      clearTimeout(killer);
      assert.equal(code, 0, `${out}${err}`);
      assert.match(out, /accepted 100 errors [1-9]\d* first .*EMFILE.* retry \d+/, out);
    } finally {
      for (const s of clients) s.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
