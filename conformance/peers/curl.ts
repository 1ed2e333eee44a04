/**
 * curl as a PROXY sender: `--haproxy-protocol` (v1) over TCP4, TCP6, and over
 * `--unix-socket` (where curl sends `PROXY UNKNOWN`); `--haproxy-clientip`
 * where the installed curl has it (8.2 and later). The receiver answers
 * curl's request with a bare line, which curl takes with `--http0.9`.
 *
 * @module
 */

import { execFile } from "node:child_process";
import { runSync } from "../harness.ts";
import { plain, type Scenario, type SenderExpectation } from "../checks_senders.ts";
import type { Exchange, Receiver } from "../net.ts";
import type { PeerDef } from "./peer.ts";

/** The client address given to `--haproxy-clientip`. */
export const CLIENT_IP = "192.0.2.77";

/** Runs curl to completion (at most 5 s); resolves to its stdout and whether it ran at all. */
function runCurl(path: string, args: readonly string[]): Promise<{ out: string; ran: boolean }> {
  return new Promise((resolve) => {
    execFile(path, [...args], { timeout: 5000, encoding: "utf8" }, (error, stdout) => {
      const e = error as { code?: unknown } | null;
      resolve({ out: stdout ?? "", ran: e === null || typeof e.code === "number" });
    });
  });
}

/**
 * The curl arguments of one scenario.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { curlArgs } from "./curl.ts";
 * assert.deepEqual(curlArgs({ url: "http://127.0.0.1:1/m" }), [
 *   "-sS", "--http0.9", "--max-time", "3", "--haproxy-protocol", "http://127.0.0.1:1/m",
 * ]);
 * ```
 */
export function curlArgs(o: { url: string; unixSocket?: string; clientIp?: string }): string[] {
  const args = ["-sS", "--http0.9", "--max-time", "3", "--haproxy-protocol"];
  if (o.unixSocket !== undefined) args.push("--unix-socket", o.unixSocket);
  if (o.clientIp !== undefined) args.push("--haproxy-clientip", o.clientIp);
  args.push(o.url);
  return args;
}

function scenario(
  id: string,
  title: string,
  path: string,
  receiver: Receiver,
  args: (marker: string) => string[],
  expect: (peer: { address: string; port: number } | null) => SenderExpectation,
): Scenario {
  const by = args("x").map((a) =>
    a.replace(/:\d+\//, ":8080/").replace(/^\/.*\.sock$/, "/tmp/rx.sock")
  );
  const listen = by.includes("--unix-socket")
    ? "/tmp/rx.sock"
    : by.some((a) => a.includes("[::1]"))
    ? "[::1]:8080"
    : "127.0.0.1:8080";
  return {
    id,
    title,
    section: "2.1",
    column: "curl",
    receiver,
    reproduce: `ppcat listen ${listen} & curl ${by.join(" ")}`,
    async run(marker) {
      const r = await runCurl(path, args(marker));
      const got = await receiver.waitFor((x) => x.marker.includes(marker), 1000);
      const peer = got?.peer as { hostname?: string; port?: number } | undefined;
      const client = peer?.hostname !== undefined && peer.port !== undefined
        ? { address: peer.hostname, port: peer.port }
        : null;
      const ex: Exchange = {
        local: client ?? { address: "", port: 0 },
        reply: r.out,
        end: r.ran ? "closed" : "refused",
      };
      return { exchange: ex, expect: expect(client) };
    },
  };
}

/** curl. */
export const curl: PeerDef = {
  name: "curl",
  program: "curl",
  packages: ["curl"],
  versionArgs: ["--version"],
  versionPattern: /^curl (\S+)/,
  columns: [{ id: "curl", roles: ["sender"] }],
  ports: 0,
  start(ctx) {
    const path = ctx.bin.path;
    const help = (() => {
      try {
        return runSync(path, ["--help", "all"], ctx.h.dir);
      } catch {
        return "";
      }
    })();
    const clientIp = help.includes("--haproxy-clientip");
    const { rx, rx6, unix, unixPath } = ctx.ppcat;
    const skipped: string[] = [];
    if (!clientIp) {
      skipped.push(
        `curl --haproxy-clientip: curl ${ctx.bin.version} does not have it (curl 8.2 and later)`,
      );
    }
    return Promise.resolve({
      skipped,
      senders: () => {
        const list: Scenario[] = [
          scenario(
            "senders.curl.haproxy-protocol.ipv4",
            "curl `--haproxy-protocol` (v1), TCP4",
            path,
            rx,
            (m) => curlArgs({ url: `http://127.0.0.1:${rx.port}/${m}` }),
            (peer) =>
              plain(1, 4)(peer ?? { address: "127.0.0.1", port: 0 }, {
                address: "127.0.0.1",
                port: rx.port,
              }),
          ),
        ];
        if (rx6 !== null) {
          list.push(scenario(
            "senders.curl.haproxy-protocol.ipv6",
            "curl `--haproxy-protocol` (v1), TCP6",
            path,
            rx6,
            (m) => curlArgs({ url: `http://[::1]:${rx6.port}/${m}` }),
            (peer) =>
              plain(1, 6)(peer ?? { address: "::1", port: 0 }, {
                address: "::1",
                port: rx6.port,
              }),
          ));
        }
        list.push(scenario(
          "senders.curl.haproxy-protocol.unix",
          "curl `--haproxy-protocol --unix-socket`: `PROXY UNKNOWN` (no addresses to give)",
          path,
          unix,
          (m) => curlArgs({ url: `http://localhost/${m}`, unixSocket: unixPath }),
          () => ({
            version: 1,
            command: "PROXY",
            protocol: "UNKNOWN",
            source: null,
            destination: null,
            tlvs: [],
          }),
        ));
        if (clientIp) {
          list.push(scenario(
            "senders.curl.haproxy-clientip",
            `curl \`--haproxy-clientip ${CLIENT_IP}\`, TCP4`,
            path,
            rx,
            (m) => curlArgs({ url: `http://127.0.0.1:${rx.port}/${m}`, clientIp: CLIENT_IP }),
            (peer) =>
              plain(1, 4)({ address: CLIENT_IP, port: peer?.port ?? 0 }, {
                address: "127.0.0.1",
                port: rx.port,
              }),
          ));
        }
        return list;
      },
    });
  },
};
