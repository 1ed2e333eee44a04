// The findings the suite reports about real receivers that accept bad headers,
// reproduced by hand: each bad header is sent with `ppcat send --header-hex`
// (the CLI, as a user would) to a peer started from its conformance/peers/ file,
// and the peer's own log says what it made of it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { toHex } from "../lib/_bytes.ts";
import { encodeHeader } from "../lib/encode.ts";
import { createHarness, findBinary, freePorts, generateCerts, type Harness } from "./harness.ts";
import { readText } from "./logged.ts";
import { startReceiver } from "./net.ts";
import { apache2 } from "./peers/apache2.ts";
import { lighttpd } from "./peers/lighttpd.ts";
import type { PeerDef } from "./peers/peer.ts";
import { postfix } from "./peers/postfix.ts";
import { squid } from "./peers/squid.ts";
import { ppcat } from "./_testing.ts";

const PEERS_USED: readonly PeerDef[] = [apache2, lighttpd, postfix, squid];
const missing = PEERS_USED.filter((p) => !findBinary(p.program, undefined, p).ok);
const skip = missing.length > 0
  ? `apt-get install ${missing.flatMap((p) => p.packages).join(" ")}`
  : false;

/** Where each peer logs, under the run's directory. */
const LOGS: Readonly<Record<string, string>> = {
  apache2: "apache2-access.log",
  lighttpd: "lighttpd-access.log",
  postfix: "postfix/maillog",
  squid: "squid/access.log",
};

const HTTP = (marker: string) => `GET /${marker} HTTP/1.0\r\nHost: conformance.ppcat.test\r\n\r\n`;

const text = (s: string) => new TextEncoder().encode(s);

/** A copy of a valid v2 TCP4 header 192.0.2.1:56324 -> 198.51.100.7:443, to be altered. */
function v2Tcp4(crc32c: boolean): Uint8Array {
  const r = encodeHeader({
    version: 2,
    protocol: "TCP4",
    source: { address: "192.0.2.1", port: 56324 },
    destination: { address: "198.51.100.7", port: 443 },
    crc32c,
  });
  assert.ok(r.ok);
  return r.value.slice();
}

/** A valid v2 TCP4 header with a CRC32C, then one source-address byte changed. */
function crcTampered(): Uint8Array {
  const bytes = v2Tcp4(true);
  bytes[19] = 9; // 192.0.2.1 → 192.0.2.9; the checksum still covers .1
  return bytes;
}

/** A valid v2 TCP4 header whose family nibble is 4 (§2.2: only 0-3 are defined). */
function family4(): Uint8Array {
  const bytes = v2Tcp4(false);
  bytes[13] = 0x41;
  return bytes;
}

describe("findings reproduced with ppcat send", { skip }, () => {
  let h: Harness;
  const ports: Record<string, number> = {};

  async function startAll() {
    h = createHarness({ keep: true });
    const free = await freePorts(PEERS_USED.length, false);
    const rx = await startReceiver();
    const unix = await startReceiver(true, { path: `${h.dir}/rx.sock` });
    const openssl = findBinary("openssl");
    const certs = openssl.ok ? generateCerts(openssl.binary.path, h) : null;
    await Promise.all(PEERS_USED.map((p, i) => {
      const found = findBinary(p.program, undefined, p);
      assert.ok(found.ok);
      ports[p.name] = free[i] as number;
      return p.start({
        h,
        bin: found.binary,
        ports: [free[i] as number],
        ipv6: false,
        certs,
        ppcat: { rx, rx6: null, unix, unixPath: `${h.dir}/rx.sock`, checkV1: rx, checkV2: rx },
        log: () => {},
      });
    }));
    return () => {
      rx.close();
      unix.close();
    };
  }

  /** `ppcat send --header-hex HEX 127.0.0.1:PORT` with `payload` on stdin; its stdout. */
  async function send(peer: string, header: Uint8Array, payload: string): Promise<string> {
    const r = await ppcat(
      ["send", "--header-hex", toHex(header), "--timeout", "3", `127.0.0.1:${ports[peer]}`],
      payload,
    );
    return r.out;
  }

  it("port 65536, a lowercase protocol with a lone LF, family 4, a CRC32C that does not match", {
    timeout: 60_000,
  }, async () => {
    const closeReceivers = await startAll();
    const replies: Record<string, string> = {};
    try {
      const v1Port = text("PROXY TCP4 192.0.2.1 198.51.100.7 65536 443\r\n");
      replies.apache2Port = await send("apache2", v1Port, HTTP("port-65536"));
      replies.lighttpdPort = await send("lighttpd", v1Port, HTTP("port-65536"));
      replies.postfixLower = await send(
        "postfix",
        text("PROXY tcp4 192.0.2.3 198.51.100.7 56399 25\n"),
        "QUIT\r\n",
      );
      replies.lighttpdFamily = await send("lighttpd", family4(), HTTP("family-4"));
      for (const peer of ["apache2", "lighttpd", "squid"]) {
        replies[`${peer}Crc`] = await send(peer, crcTampered(), HTTP("crc-tampered"));
      }
      replies.postfixCrc = await send("postfix", crcTampered(), "QUIT\r\n");
    } finally {
      closeReceivers();
      await h.cleanup(); // stops the peers: lighttpd writes out its buffered log
    }
    const log = (peer: string) => readText(`${h.dir}/${LOGS[peer]}`);
    try {
      // §2.1: a port is 0..65535; both accept 65536 and log it as port 0.
      assert.match(replies.apache2Port ?? "", /^HTTP\/1\.1 404/);
      assert.match(log("apache2"), /^ppcat 192\.0\.2\.1 0 \S+ "GET \/port-65536 /m);
      assert.match(replies.lighttpdPort ?? "", /^HTTP\/1\.0 404/);
      assert.match(log("lighttpd"), /^ppcat 192\.0\.2\.1 0 "GET \/port-65536 /m);
      // §2.1: "TCP4" in upper case and CRLF; postfix takes "tcp4" and a lone LF.
      assert.match(replies.postfixLower ?? "", /^220 /);
      assert.match(log("postfix"), /connect from unknown\[192\.0\.2\.3\]:56399$/m);
      // §2.2: families other than 0-3 must not be emitted, and a receiver must drop them.
      assert.match(replies.lighttpdFamily ?? "", /^HTTP\/1\.0 404/);
      assert.match(log("lighttpd"), /"GET \/family-4 /);
      // §2.2.3: a CRC32C that does not match must make the receiver drop the connection;
      // each accepts it and logs the tampered address.
      assert.match(log("apache2"), /^ppcat 192\.0\.2\.9 56324 \S+ "GET \/crc-tampered /m);
      assert.match(log("lighttpd"), /^ppcat 192\.0\.2\.9 56324 "GET \/crc-tampered /m);
      assert.match(log("squid"), /^ppcat 192\.0\.2\.9 56324 "GET \S+\/crc-tampered"/m);
      assert.match(replies.postfixCrc ?? "", /^220 /);
      assert.match(log("postfix"), /connect from unknown\[192\.0\.2\.9\]:56324$/m);
    } finally {
      rmSync(h.dir, { recursive: true, force: true });
    }
  });
});
