// A connect to a host that drops SYNs must end when its timeout says so, and the process with
// it: nothing may keep it alive until the kernel gives up on the handshake (over two minutes).
//
// The SYN-dropping target is a listener whose accept queue is full (backlog 0, one connection
// waiting): Linux drops further SYNs. It runs in a network namespace of its own (`unshare -n`,
// needs root), so no other process's ports or traffic are involved.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const TRANSPORT = join(dirname(fileURLToPath(import.meta.url)), "transport.ts");

// Listens with a full accept queue, prints the port, waits to be killed.
const TARGET = [
  "import socket, time",
  "l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(0)",
  "filler = socket.socket(); filler.connect(l.getsockname())",
  "print(l.getsockname()[1], flush=True)",
  "time.sleep(60)",
].join("\n");

// Runs the command given as arguments with the target's port appended, inside the namespace.
const DRIVER = `
ip link set lo up || exit 97
coproc TARGET { exec python3 -c "$PPCAT_TARGET" 2>/dev/null; }
read -r port <&"\${TARGET[0]}" || exit 98
start=$(date +%s%N)
"$@" "$port"
echo "elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))"
kill "$TARGET_PID"
`;

function skipReason(): string | false {
  if (process.platform !== "linux") return "needs Linux network namespaces";
  const probe = spawnSync("unshare", ["-n", "bash", "-c", "ip link set lo up && python3 -c ''"]);
  if (probe.error !== undefined || probe.status !== 0) {
    return "needs root, unshare -n, ip, bash and python3 for a SYN-dropping target";
  }
  return false;
}

const runtime = "Bun" in globalThis ? [process.execPath] : [process.execPath, "run", "-A"];

const BENCH_SOCKET = join(dirname(fileURLToPath(import.meta.url)), "bench", "socket.ts");

// What each client does against the target's port (the last argument).
const CLIENTS: Record<string, string> = {
  "transport connect": `import { getTransport } from ${JSON.stringify(TRANSPORT)};
const port = Number(process.argv[process.argv.length - 1]);
try {
  await getTransport().connect({ hostname: "127.0.0.1", port, timeoutMs: 300 });
  console.log("connected");
} catch (e) {
  console.log("code=" + (e as { code?: string }).code);
}
`,
  "bench socket": benchClient(false),
  // Bulk runs on Bun on Linux x86_64 connect through libc (lib/bench/socket_ffi.ts).
  "bench socket, bulk": benchClient(true),
};

function benchClient(bulk: boolean): string {
  return `import { benchConnect } from ${JSON.stringify(BENCH_SOCKET)};
const port = Number(process.argv[process.argv.length - 1]);
const handlers = { onData() {}, onDrain() {}, onClose() {} };
const options = { hostname: "127.0.0.1", port, timeoutMs: 300, nagle: false, bulk: ${bulk} };
try {
  await benchConnect(options, handlers);
  console.log("connected");
} catch (e) {
  console.log("code=" + (e as { code?: string }).code);
}
`;
}

for (const [name, client] of Object.entries(CLIENTS)) {
  test(`${name}: a timeout against a SYN-dropping host rejects with TIMEOUT, the process exits`, {
    skip: skipReason(),
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), "ppcat-syn-"));
    try {
      const script = join(dir, "connect.ts");
      writeFileSync(script, client);
      const r = spawnSync("unshare", ["-n", "bash", "-c", DRIVER, "driver", ...runtime, script], {
        env: { ...process.env, PPCAT_TARGET: TARGET, NO_COLOR: "1" },
        encoding: "utf8",
        timeout: 4_500, // within the test runners' default 5 s per test
      });
      // Without calling the connect off, the kernel retries the SYN for over two minutes.
      assert.equal(
        r.signal,
        null,
        `still running 4.5 s after a 300 ms connect timeout: ${r.stdout}${r.stderr}`,
      );
      assert.match(r.stdout, /code=TIMEOUT/, r.stderr);
      assert.match(r.stdout, /elapsed_ms=\d+/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
