import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { catalogCase, type FuzzCase, fuzzCatalog } from "./mod.ts";
import {
  type CaseRun,
  createMarker,
  estimateCaseMs,
  HTTP_ERROR_STATUSES,
  httpStatus,
  MARKER_LENGTH,
  NONE_SETTLE_MS,
  observeCase,
  type ObserveOptions,
  PRE_HEADER_GRACE_MS,
  probeTarget,
  runCases,
} from "./mod.ts";
import { fakeCase } from "./_testing.ts";
import { judge, type Observation } from "./mod.ts";
import { acceptProxy } from "../server.ts";
import { echoBack, proxyThenEcho, serveTcp, type TestServer } from "../_socket_testing.ts";
import { type Conn, getTransport, type NetAddr, TransportError } from "../transport.ts";

// ---------------------------------------------------------------------------
// Test targets: real sockets on 127.0.0.1, every connection tracked and closed.

/** Runs `fn` against a fresh server of `handle`, closed afterwards whatever happens. */
async function withServer(
  handle: (conn: Conn) => Promise<void>,
  fn: (server: TestServer) => Promise<void>,
): Promise<void> {
  const server = await serveTcp(handle);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

/** An echo service that knows nothing of the PROXY protocol. */
const plainEcho = (conn: Conn) => echoBack(conn);

/** Reads (and drops) everything until the peer closes; never answers, never times out. */
const silent = async (conn: Conn) => {
  const buf = new Uint8Array(65536);
  while (await conn.read(buf) !== null) { /* drop */ }
};

const text = (s: string) => new TextEncoder().encode(s);

async function observe(
  c: FuzzCase,
  server: TestServer,
  options: Partial<ObserveOptions> = {},
): Promise<Observation> {
  const r = await observeCase(c, { target: server.target, deadlineMs: 2000, ...options });
  assert.equal(r.status, "done", JSON.stringify(r));
  return (r as Extract<CaseRun, { status: "done" }>).observation;
}

function named(name: string): FuzzCase {
  const c = catalogCase(name);
  assert.ok(c !== undefined, name);
  return c;
}

// ---------------------------------------------------------------------------

describe("observeCase: echo mode", () => {
  it("ppcat's receiver: valid headers come back accepted with the payload intact", async () => {
    await withServer(proxyThenEcho, async (server) => {
      const names = [
        "v2-tcp4",
        "v1-tcp6-max-length",
        "delivery-v1-second-header-v1",
        "delivery-v2-payload-same-write",
        "delivery-v2-fragmented-mid-tlv",
        "v2-max-length-65551-bytes",
      ];
      const seen = await Promise.all(names.map((name) => observe(named(name), server)));
      names.forEach((name, i) => {
        const o = seen[i];
        assert.ok(o, name);
        assert.equal(o.outcome, "accepted", name);
        assert.equal(o.payloadIntact, true, name);
        assert.equal(o.spokeFirst, undefined, name);
        // a separate marker follows the header 100 ms later; same-write: at once
        const min = named(name).marker === "separate" ? 100 : 0;
        assert.ok(o.afterMs >= min && o.afterMs < 1500, `${name}: ${o.afterMs} ms`);
      });
    });
  });

  it("ppcat's receiver: invalid and half-closed partial headers are closed at once", async () => {
    await withServer(proxyThenEcho, async (server) => {
      const bad = await observe(named("v1-ipv4-leading-zero-source"), server);
      assert.equal(bad.outcome, "closed");
      assert.ok(bad.afterMs < 500, `${bad.afterMs}`);
      const halfClosed = await observe(named("delivery-v2-truncated-at-16-close"), server);
      assert.equal(halfClosed.outcome, "closed");
      assert.ok(halfClosed.afterMs < 500, `${halfClosed.afterMs}`);
      // (Held partial headers, closed by its 3 s header timeout: cli/fuzz_test.ts.)
    });
  });

  it("a target that never closes is still open at the deadline", async () => {
    await withServer(silent, async (server) => {
      const started = performance.now();
      const o = await observe(named("cve-2021-23409-silent-connection"), server, {
        deadlineMs: 300,
      });
      const took = performance.now() - started;
      assert.equal(o.outcome, "timeout");
      assert.ok(o.afterMs >= 300 && o.afterMs < 700, `${o.afterMs}`);
      assert.ok(took < 1000, `observeCase took ${took} ms`);
    });
  });

  it("a receiver that mis-locates the end of the header alters the payload", async () => {
    // Drops one byte more than the header: the echo comes back without its first byte.
    await withServer(async (conn) => {
      const r = await acceptProxy(conn);
      if (!r.ok) return;
      const buf = new Uint8Array(1);
      await r.conn.read(buf);
      await echoBack(r.conn);
    }, async (server) => {
      const o = await observe(named("v2-tcp4"), server);
      assert.equal(o.outcome, "accepted");
      assert.equal(o.payloadIntact, false);
      assert.equal(judge(named("v2-tcp4"), o).verdict, "violation");
    });
  });

  it("an echo service without PROXY support: the header comes back", async () => {
    await withServer(plainEcho, async (server) => {
      // Whole delivery: the header and the marker come back, the payload is not intact.
      const whole = await observe(named("v2-tcp4"), server);
      assert.equal(whole.outcome, "accepted");
      assert.equal(whole.payloadIntact, false);
      // Fragments: the first one comes back before the header is complete.
      const frag = await observe(named("delivery-v1-fragmented-after-proxy"), server);
      assert.deepEqual([frag.outcome, frag.spokeFirst], ["accepted", true]);
      assert.ok(frag.afterMs < 150, `${frag.afterMs}`);
      // A partial header held open: echoed, so processed before it was complete.
      const held = await observe(named("delivery-v1-truncated-at-20-hold"), server);
      assert.deepEqual([held.outcome, held.spokeFirst], ["accepted", true]);
      // Invalid input is accepted.
      const bad = await observe(named("v2-command-f"), server);
      assert.equal(bad.outcome, "accepted");
      assert.equal(judge(named("v2-command-f"), bad).verdict, "violation");
    });
  });

  it("bytes before the header: spoke first, unless the target closes right away", async () => {
    const greeter = await serveTcp(async (conn) => {
      await conn.write(text("hello, I speak first\r\n"));
      await silent(conn);
    });
    const complainer = await serveTcp(async (conn) => {
      await conn.write(text("ERROR bad header\r\n"));
    });
    try {
      const c = named("delivery-v2-truncated-at-12-hold");
      const spoke = await observe(c, greeter);
      assert.deepEqual([spoke.outcome, spoke.spokeFirst], ["accepted", true]);
      assert.ok(spoke.afterMs < PRE_HEADER_GRACE_MS, `${spoke.afterMs}`);
      const replied = await observe(c, complainer);
      assert.equal(replied.outcome, "error-reply");
      assert.equal(replied.spokeFirst, undefined);
    } finally {
      await greeter.close();
      await complainer.close();
    }
  });
});

describe("observeCase: http mode", () => {
  async function readRequest(conn: Conn): Promise<string> {
    const buf = new Uint8Array(4096);
    let got = "";
    while (!got.includes("\r\n\r\n")) {
      const n = await conn.read(buf);
      if (n === null) break;
      got += new TextDecoder("latin1").decode(buf.subarray(0, n));
    }
    return got;
  }

  const respond = (status: string) => async (conn: Conn) => {
    const r = await acceptProxy(conn);
    if (!r.ok) return;
    const request = await readRequest(r.conn);
    const firstLine = request.split("\r\n")[0];
    const code = firstLine === "GET / HTTP/1.1" ? status : "400 Bad Request";
    await r.conn.write(text(`HTTP/1.1 ${code}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`));
  };

  it("a response to the request is acceptance; 404 included", async () => {
    for (const status of ["200 OK", "404 Not Found", "500 Internal Server Error"]) {
      await withServer(respond(status), async (server) => {
        const o = await observe(named("v2-tcp4"), server, { mode: "http" });
        assert.equal(o.outcome, "accepted", status);
        const bad = await observe(named("v1-lone-lf"), server, { mode: "http" });
        assert.equal(bad.outcome, "closed", status);
      });
    }
  });

  it("a 400-class parse error to a valid header is an error reply", async () => {
    // An HTTP server without PROXY support: "PROXY TCP4 …" is no request line.
    await withServer(async (conn) => {
      await readRequest(conn);
      await conn.write(text("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"));
    }, async (server) => {
      const c = named("v1-tcp4");
      const o = await observe(c, server, { mode: "http" });
      assert.equal(o.outcome, "error-reply");
      assert.equal(judge(c, o).verdict, "violation");
    });
  });

  it("bytes after the header must reach the server: it refuses them, or it never saw them", async () => {
    const c = named("delivery-v1-second-header-v1");
    const passes = await serveTcp(respond("200 OK")); // sees "PROXY TCP4 …" first: 400
    // Swallows the second line as if it were part of the header, then answers the request.
    const swallows = await serveTcp(async (conn) => {
      const r = await acceptProxy(conn);
      if (!r.ok) return;
      const request = await readRequest(r.conn);
      assert.ok(request.startsWith("PROXY TCP4 203.0.113.66"));
      await r.conn.write(text("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"));
    });
    try {
      const good = await observe(c, passes, { mode: "http" });
      assert.deepEqual([good.outcome, good.payloadIntact], ["accepted", true]);
      const bad = await observe(c, swallows, { mode: "http" });
      assert.deepEqual([bad.outcome, bad.payloadIntact], ["accepted", false]);
      assert.equal(judge(c, bad).verdict, "violation");
    } finally {
      await passes.close();
      await swallows.close();
    }
  });

  it("a 408 sent while giving up on a partial header is an error reply", async () => {
    const answers = await serveTcp(async (conn) => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      await conn.write(text("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n"));
    });
    try {
      const o = await observe(named("delivery-v2-truncated-at-20-hold"), answers, { mode: "http" });
      assert.equal(o.outcome, "error-reply");
      assert.equal(o.spokeFirst, undefined);
      assert.ok(o.afterMs >= 150 && o.afterMs < 500, `${o.afterMs}`);
    } finally {
      await answers.close();
    }
  });

  it("statuses that say the request did not parse", () => {
    assert.deepEqual([...HTTP_ERROR_STATUSES].sort(), [400, 405, 408, 413, 414, 431, 501, 505]);
    assert.equal(httpStatus(text("HTTP/1.0 200 OK\r\n")), 200);
    assert.equal(httpStatus(text("HTTP/1.1 2000 OK\r\n")), null);
    assert.equal(httpStatus(text("http/1.1 200 OK\r\n")), null);
    assert.equal(httpStatus(text("SSH-2.0-x\r\n")), null);
  });
});

describe("observeCase: banner mode", () => {
  const smtp = (banner: string, speakFirst = false) => async (conn: Conn) => {
    if (speakFirst) {
      await conn.write(text(banner));
      return await silent(conn);
    }
    const r = await acceptProxy(conn);
    if (!r.ok) return;
    await r.conn.write(text(banner));
    await silent(r.conn);
  };

  it("the banner after a valid header is acceptance; invalid headers are closed", async () => {
    await withServer(smtp("220 mail.example ESMTP\r\n"), async (server) => {
      const o = await observe(named("v2-tcp6"), server, { mode: "banner" });
      assert.equal(o.outcome, "accepted");
      assert.ok(o.afterMs < 100, `no marker delay in banner mode: ${o.afterMs}`);
      const bad = await observe(named("v2-version-1"), server, { mode: "banner" });
      assert.equal(bad.outcome, "closed");
    });
  });

  it("a banner before the header is complete is a violation", async () => {
    await withServer(smtp("220 mail.example ESMTP\r\n", true), async (server) => {
      const c = named("delivery-v2-fragmented-after-fixed-header");
      const o = await observe(c, server, { mode: "banner" });
      assert.deepEqual([o.outcome, o.spokeFirst], ["accepted", true]);
      assert.equal(judge(c, o).verdict, "violation");
    });
  });

  it("a 4xx/5xx reply line is an error reply", async () => {
    await withServer(async (conn) => {
      const r = await acceptProxy(conn);
      if (!r.ok) return;
      await r.conn.write(text("421 4.3.2 Service not available\r\n"));
    }, async (server) => {
      const o = await observe(named("v1-tcp4"), server, { mode: "banner" });
      assert.equal(o.outcome, "error-reply");
    });
  });
});

describe("observeCase: none mode", () => {
  it("still open a while after a complete header counts as accepted", async () => {
    await withServer(async (conn) => {
      const r = await acceptProxy(conn);
      if (r.ok) await silent(r.conn);
    }, async (server) => {
      const [o, bad, held] = await Promise.all([
        observe(named("v2-tcp4"), server, { mode: "none", deadlineMs: 3000 }),
        observe(named("v2-family-4"), server, { mode: "none" }),
        // A partial header is never "accepted" by silence: it waits for the deadline.
        observe(named("delivery-v2-truncated-at-20-hold"), server, {
          mode: "none",
          deadlineMs: 1200,
        }),
      ]);
      assert.equal(o.outcome, "accepted");
      assert.ok(o.afterMs >= NONE_SETTLE_MS && o.afterMs < NONE_SETTLE_MS + 400, `${o.afterMs}`);
      assert.equal(bad.outcome, "closed");
      assert.equal(held.outcome, "timeout");
    });
  });
});

describe("observeCase: resets, errors and aborts", () => {
  // A connection whose reads follow a script: data chunks at given times, then EOF or a RST.
  function scriptedConnect(
    script: { data?: string; atMs: number }[],
    end: "eof" | "reset",
    endAtMs: number,
  ) {
    const written: Uint8Array[] = [];
    const addr: NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 1 };
    const connect = (): Promise<Conn> => {
      const started = performance.now();
      let closed = false;
      let step = 0;
      const timers = new Set<ReturnType<typeof setTimeout>>();
      const wait = (ms: number) =>
        new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            timers.delete(t);
            resolve();
          }, Math.max(0, ms - (performance.now() - started)));
          timers.add(t);
        });
      let wakeClosed: () => void = () => {};
      const onClose = new Promise<void>((resolve) => (wakeClosed = resolve));
      return Promise.resolve({
        localAddr: addr,
        remoteAddr: addr,
        async read(buf: Uint8Array) {
          if (closed) return null;
          const next = script[step];
          await Promise.race([wait(next?.atMs ?? endAtMs), onClose]);
          if (closed) return null;
          if (next !== undefined) {
            step++;
            const bytes = text(next.data ?? "");
            buf.set(bytes);
            return bytes.length;
          }
          if (end === "eof") return null;
          throw new TransportError("RESET", "read", "127.0.0.1:1");
        },
        write(data: Uint8Array) {
          if (closed) return Promise.reject(new TransportError("CLOSED", "write", ""));
          written.push(data.slice());
          return Promise.resolve();
        },
        closeWrite: () => Promise.resolve(),
        close() {
          closed = true;
          for (const t of timers) clearTimeout(t);
          wakeClosed();
        },
        setNoDelay() {},
      });
    };
    return { connect, written };
  }

  it("a RST is reset, a FIN is closed, each with its time", async () => {
    const target = { hostname: "127.0.0.1", port: 1 };
    const c = named("v2-command-3");
    const rst = scriptedConnect([], "reset", 40);
    const a = await observeCase(c, { target, connect: rst.connect });
    assert.equal(a.status, "done");
    assert.equal(a.status === "done" && a.observation.outcome, "reset");
    const afterMs = a.status === "done" ? a.observation.afterMs : -1;
    assert.ok(afterMs >= 40 && afterMs < 200, `${afterMs}`);
    assert.equal(rst.written.length, 1, "the marker is never sent after the reset");
    const fin = scriptedConnect([], "eof", 20);
    const b = await observeCase(c, { target, connect: fin.connect });
    assert.equal(b.status === "done" && b.observation.outcome, "closed");
  });

  it("an error reply followed by a RST is an error reply", async () => {
    const target = { hostname: "127.0.0.1", port: 1 };
    const s = scriptedConnect([{ data: "no thanks\r\n", atMs: 10 }], "reset", 30);
    const r = await observeCase(named("delivery-v1-truncated-at-05-hold"), {
      target,
      connect: s.connect,
    });
    assert.equal(r.status === "done" && r.observation.outcome, "error-reply");
  });

  it("a connect failure is reported, not judged", async () => {
    const server = await serveTcp(silent);
    const target = server.target;
    await server.close(); // nothing listens there any more
    const r = await observeCase(named("v2-tcp4"), { target, deadlineMs: 1000 });
    assert.equal(r.status, "error");
    assert.equal(r.status === "error" && r.error.code, "CONNECTION_REFUSED");
    assert.equal((await probeTarget(target, 1000))?.code, "CONNECTION_REFUSED");
  });

  it("an abort ends a case at once and closes its connection", async () => {
    await withServer(silent, async (server) => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = performance.now();
      const r = await observeCase(named("cve-2021-23409-silent-connection"), {
        target: server.target,
        deadlineMs: 5000,
        signal: controller.signal,
      });
      assert.equal(r.status, "aborted");
      assert.ok(performance.now() - started < 1000);
    });
  });

  it("refuses a non-positive deadline", async () => {
    await assert.rejects(
      observeCase(fakeCase(), { target: { hostname: "127.0.0.1", port: 1 }, deadlineMs: 0 }),
      RangeError,
    );
  });
});

describe("runCases", () => {
  it("never has more than `concurrency` connections open", async () => {
    await withServer(proxyThenEcho, async (server) => {
      const cases = fuzzCatalog().filter((c) => c.section === "2.2.3"); // 11 quick cases
      assert.equal(cases.length, 11);
      // Count on our side: the server sees a close a moment after we made it.
      let open = 0;
      let maxOpen = 0;
      const connect = async (o: Parameters<ReturnType<typeof getTransport>["connect"]>[0]) => {
        const conn = await getTransport().connect(o);
        maxOpen = Math.max(maxOpen, ++open);
        let closed = false;
        return Object.assign(Object.create(conn) as Conn, {
          read: (buf: Uint8Array) => conn.read(buf),
          write: (data: Uint8Array) => conn.write(data),
          closeWrite: () => conn.closeWrite(),
          close() {
            if (!closed) open--;
            closed = true;
            conn.close();
          },
        });
      };
      const run = await runCases(cases, { target: server.target, concurrency: 3, connect });
      assert.equal(maxOpen, 3);
      assert.equal(open, 0, "every connection is closed when the run ends");
      assert.equal(server.accepted, 11);
      assert.deepEqual(run.results.map((r) => r.case.name), cases.map((c) => c.name));
      assert.ok(run.results.every((r) => r.status === "done"));
      assert.equal(run.timedOut, false);
    });
  });

  it("held cases wait in their own pool beside the others, each pool longest first", async () => {
    await withServer(silent, async (server) => {
      const quick = named("v2-command-2");
      const longer = named("delivery-v1-fragmented-2500ms");
      const slow = named("delivery-v2-truncated-at-16-hold");
      const order: string[] = [];
      const started = performance.now();
      const run = await runCases([quick, longer, slow], {
        target: server.target,
        concurrency: 1,
        deadlineMs: 300,
        holdMs: 1000,
        retry: false,
        onResult: (r) => order.push(r.case.name),
      });
      const took = performance.now() - started;
      assert.deepEqual(order, [longer.name, quick.name, slow.name]);
      assert.deepEqual(run.results.map((r) => r.case.name), [quick.name, longer.name, slow.name]);
      const windows = run.results.map((r) => r.status === "done" ? r.observation.windowMs : 0);
      assert.deepEqual(windows, [300, 300, 1000]);
      assert.ok(took < 1500, `the held case overlapped the others: ${took} ms`);
    });
  });

  it("runs inconclusive cases again: invalid input with the hold window, valid headers alone", async () => {
    // Reads everything, answers nothing, closes 1 s after connecting.
    const closesAt1s = async (conn: Conn) => {
      const timer = setTimeout(() => conn.close(), 1000);
      try {
        const buf = new Uint8Array(1024);
        while ((await conn.read(buf)) !== null) { /* keep reading */ }
      } finally {
        clearTimeout(timer);
      }
    };
    await withServer(closesAt1s, async (server) => {
      const invalid = named("v2-command-f");
      const valid = named("v2-tcp4");
      const run = await runCases([invalid, valid], {
        target: server.target,
        deadlineMs: 400,
        holdMs: 2000,
      });
      const [bad, good] = run.results.map((r) => r.status === "done" ? r.observation : null);
      // The invalid case, open at 400 ms, ran again with the hold window and saw the close.
      assert.equal(bad?.retried, true);
      assert.equal(bad?.outcome, "closed");
      assert.ok((bad?.afterMs ?? 0) >= 1000 && bad?.windowMs === 2000, JSON.stringify(bad));
      assert.equal(judge(invalid, bad!).verdict, "pass");
      // The valid one got no reply either time: inconclusive, never a violation.
      assert.equal(good?.retried, true);
      assert.equal(good?.outcome, "timeout");
      assert.equal(judge(valid, good!).verdict, "note");
      const off = await runCases([invalid], {
        target: server.target,
        deadlineMs: 400,
        retry: false,
      });
      const once = off.results[0]!;
      assert.equal(once.status === "done" && once.observation.retried, undefined);
    });
  });

  it("the total timeout stops the run and reports the rest as not run", async () => {
    await withServer(silent, async (server) => {
      const held = fuzzCatalog().filter((c) =>
        c.delivery.kind === "truncated" && c.delivery.then === "hold"
      ).slice(0, 6);
      const started = performance.now();
      const run = await runCases(held, {
        target: server.target,
        concurrency: 2,
        holdConcurrency: 2,
        deadlineMs: 5000,
        totalTimeoutMs: 300,
      });
      const took = performance.now() - started;
      assert.ok(took < 1500, `took ${took} ms`);
      assert.equal(run.timedOut, true);
      assert.deepEqual(run.results.map((r) => r.status), Array(6).fill("not-run"));
      assert.equal(server.accepted, 2);
    });
  });

  it("refuses a concurrency out of range", async () => {
    const options = { target: { hostname: "127.0.0.1", port: 1 } };
    await assert.rejects(runCases([], { ...options, concurrency: 0 }), RangeError);
    await assert.rejects(runCases([], { ...options, concurrency: 257 }), RangeError);
    await assert.rejects(runCases([], { ...options, totalTimeoutMs: -1 }), RangeError);
    await assert.rejects(runCases([], { ...options, holdMs: 0 }), RangeError);
    await assert.rejects(runCases([], { ...options, holdConcurrency: 0 }), RangeError);
  });

  it("estimates: the deadline for waits on the target, the delivery time otherwise", () => {
    assert.equal(estimateCaseMs(named("delivery-v2-slowloris"), 5000), 12_000);
    assert.equal(estimateCaseMs(named("delivery-v2-slowloris"), 5000, 100, 4000), 4000);
    assert.equal(estimateCaseMs(named("delivery-v1-fragmented-2500ms"), 5000), 2600);
    assert.equal(estimateCaseMs(named("delivery-v1-fragmented-2500ms"), 1000), 1000);
    assert.equal(estimateCaseMs(named("v1-tcp4"), 5000, 0), 0);
  });
});

describe("markers", () => {
  it("are long, unique and free of CR, LF, NUL and space", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const m = createMarker();
      assert.equal(m.length, MARKER_LENGTH);
      for (const b of m) assert.ok(b > 0x20 && b < 0x7f, `byte ${b}`);
      seen.add(new TextDecoder().decode(m));
    }
    assert.equal(seen.size, 50);
  });
});
