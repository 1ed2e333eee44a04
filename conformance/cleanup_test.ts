import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { findBinary, sleep } from "./harness.ts";
import { PEERS } from "./peers/mod.ts";
import { processesIn, runtimeCommand } from "./_testing.ts";

// Every installed peer that runs a server (curl runs only per request).
const servers = PEERS.filter((p) => p.name !== "curl" && findBinary(p.program, undefined, p).ok);

/**
 * Starts the suite in a child process, waits until every peer is up (part 1
 * begins), sends `signal`, and returns the exit code, the temporary directory
 * and its stderr.
 */
function interrupt(signal: "SIGINT" | "SIGTERM"): Promise<{
  code: number | null;
  signal: string | null;
  dir: string;
  err: string;
}> {
  const [cmd, pre] = runtimeCommand("conformance/main.ts");
  const args = ["--peers", servers.map((p) => p.name).join(","), "--no-fuzz", "--no-wireshark"];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    let sent = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the suite did not reach part 1 in 30 s: ${err}`));
    }, 30_000);
    child.stderr.on("data", (d: unknown) => {
      err += String(d);
      if (!sent && err.includes("part 1:")) {
        sent = true;
        child.kill(signal);
      }
    });
    child.on("close", (code: number | null, sig: string | null) => {
      clearTimeout(timer);
      const dir = /temporary directory: (\S+)/.exec(err)?.[1] ?? "";
      resolve({ code, signal: sig, dir, err });
    });
  });
}

describe("an interrupted run", () => {
  for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
    it(`stops every peer and removes its directory on ${signal}`, {
      skip: servers.length === 0 ? "no peer is installed" : false,
      timeout: 60_000,
    }, async () => {
      const r = await interrupt(signal);
      // 128 + the signal; Deno's child_process reports that exit status as the signal itself.
      assert.ok(r.code === code || (r.code === null && r.signal === signal), `${r.code} ${r.err}`);
      assert.notEqual(r.dir, "", r.err);
      // The peers' own children (postfix's daemons, apache2's workers) may take a moment.
      let left = processesIn(r.dir);
      for (let i = 0; i < 20 && left.length > 0; i++) {
        await sleep(100);
        left = processesIn(r.dir);
      }
      assert.deepEqual(left, [], "no process left");
      assert.equal(existsSync(r.dir), false, `${r.dir} removed`);
      for (const p of servers) assert.match(r.err, new RegExp(`^${p.name} \\S+ ready`, "m"));
    });
  }
});
