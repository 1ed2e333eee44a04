// Listeners under hostile clients: a flood of connections reset before they are accepted (RST
// right after the handshake, SO_LINGER 0) must not end an accept loop, on Deno or Bun.

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
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
