// A PROXY protocol receiver that really crashes, for the fuzz tests: an echo service whose
// header processing kills its process with SIGABRT on a version 2 header carrying a NETNS TLV.
//
//   <runtime> _crash_receiver.ts alone               one process: listens, and dies with it
//   <runtime> _crash_receiver.ts supervised LOGFILE  a parent that owns the socket and hands each
//                                                    header to a child; when the child dies it
//                                                    logs "worker PID killed with signal SIGABRT"
//                                                    and starts a new one
//   <runtime> _crash_receiver.ts child               the child: hex headers in, verdicts out
//
// Each listens on 127.0.0.1, an ephemeral port, and prints "listening PORT PID" on stdout.

import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import process from "node:process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { decodeHeader } from "../decode.ts";
import type { ProxyHeader } from "../header.ts";

const NETNS = 0x30;
const HEADER_TIMEOUT_MS = 3000;

function poisoned(header: ProxyHeader): boolean {
  return header.version === 2 && header.tlvs.some((t) => t.type === NETNS);
}

function abort(): void {
  process.kill(process.pid, "SIGABRT");
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Reads a header off `socket`, then hands it to `decide`; echoes the rest when it says so. */
function serve(socket: Socket, decide: (header: Uint8Array, go: () => void) => void): void {
  let buf = new Uint8Array(0);
  let framed = false;
  const timer = setTimeout(() => socket.destroy(), HEADER_TIMEOUT_MS);
  socket.on("error", () => {});
  socket.on("close", () => clearTimeout(timer));
  socket.on("data", (chunk: Uint8Array) => {
    if (framed) return void socket.write(chunk);
    const next = new Uint8Array(buf.length + chunk.length);
    next.set(buf);
    next.set(chunk, buf.length);
    buf = next;
    const r = decodeHeader(buf);
    if (!r.ok) {
      if (r.error.code !== "TRUNCATED") socket.destroy();
      return;
    }
    framed = true;
    clearTimeout(timer);
    const rest = buf.slice(r.value.headerLength);
    decide(buf.subarray(0, r.value.headerLength), () => {
      if (rest.length > 0) socket.write(rest);
    });
  });
  socket.on("end", () => socket.end());
}

function listen(onSocket: (socket: Socket) => void): void {
  const server = createServer({ allowHalfOpen: true }, onSocket);
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    process.stdout.write(`listening ${port} ${process.pid}\n`);
  });
}

function alone(): void {
  listen((socket) =>
    serve(socket, (bytes, go) => {
      const r = decodeHeader(bytes);
      if (r.ok && poisoned(r.value)) abort();
      go();
    })
  );
}

function child(): void {
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    const [id, hex] = line.split(" ");
    const bytes = Uint8Array.from((hex ?? "").match(/../g) ?? [], (h) => parseInt(h, 16));
    const r = decodeHeader(bytes);
    if (r.ok && poisoned(r.value)) abort();
    process.stdout.write(`${id} ok\n`);
  });
}

function supervised(log: string): void {
  const self = fileURLToPath(import.meta.url);
  const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
  const argv = isDeno ? ["run", "-A", self, "child"] : [self, "child"];
  const pending = new Map<number, { line: string; socket: Socket; go: () => void }>();
  let nextId = 0;
  let worker: ChildProcess;
  const start = () => {
    worker = spawn(process.execPath, argv, { stdio: ["pipe", "pipe", "inherit"] });
    const pid = worker.pid;
    createInterface({ input: worker.stdout! }).on("line", (line) => {
      const id = Number(line.split(" ")[0]);
      const p = pending.get(id);
      pending.delete(id);
      p?.go();
    });
    worker.once("exit", (code, signal) => {
      appendFileSync(
        log,
        signal !== null
          ? `worker ${pid} killed with signal ${signal}\n`
          : `worker ${pid} exited with code ${code}\n`,
      );
      // The header being processed died with the worker: its connection goes too.
      const first = pending.keys().next();
      if (!first.done) {
        pending.get(first.value)?.socket.destroy();
        pending.delete(first.value);
      }
      start();
      for (const p of pending.values()) worker.stdin!.write(p.line);
    });
  };
  start();
  listen((socket) =>
    serve(socket, (bytes, go) => {
      const id = nextId++;
      const line = `${id} ${toHex(bytes)}\n`;
      pending.set(id, { line, socket, go });
      worker.stdin!.write(line);
    })
  );
}

if (import.meta.main) {
  const [mode, arg] = process.argv.slice(2).filter((a) => !a.endsWith(".ts"));
  if (mode === "alone") alone();
  else if (mode === "child") child();
  else if (mode === "supervised" && arg !== undefined) supervised(arg);
  else {
    process.stderr.write("usage: _crash_receiver.ts alone | supervised LOGFILE | child\n");
    process.exit(2);
  }
}
