// End-to-end: spawn the real CLI (deno run -A cli/main.ts / bun cli/main.ts) and check
// exit statuses, streams and bytes exactly as a shell would see them.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { hexBytes, spawnCli, V2_TCP4_JSON } from "./_testing.ts";

const V2_TCP4 = "0d0a0d0a000d0a515549540a2111000cc0000201c000020bdc0401bb";
const decoder = new TextDecoder();

describe("ppcat (spawned)", () => {
  it("--version: stdout, exit 0", () => {
    const r = spawnCli(["--version"]);
    assert.equal(r.status, 0);
    assert.equal(decoder.decode(r.stdout), "ppcat 0.1.0\n");
    assert.equal(r.stderr, "");
  });

  it("--help: stdout, exit 0", () => {
    const r = spawnCli(["--help"]);
    assert.equal(r.status, 0);
    assert.match(decoder.decode(r.stdout), /^ppcat 0\.1\.0 - .*\n\nUSAGE\n/);
    assert.equal(r.stderr, "");
  });

  it("unknown command: one line on stderr, exit 2", () => {
    const r = spawnCli(["nope"]);
    assert.equal(r.status, 2);
    assert.equal(r.stdout.length, 0);
    assert.equal(r.stderr, 'ppcat: unknown command "nope" (see ppcat --help)\n');
  });

  it("unknown flag: exit 2, error line + hint, no stack trace", () => {
    const r = spawnCli(["decode", "--nope"]);
    assert.equal(r.status, 2);
    assert.equal(r.stdout.length, 0);
    assert.equal(r.stderr, 'ppcat decode: unknown flag "--nope" (see ppcat decode --help)\n');
  });

  it("an unknown command: one line, exit 2", () => {
    const r = spawnCli(["benchmark", "127.0.0.1:1"]);
    assert.equal(r.status, 2);
    assert.equal(r.stdout.length, 0);
    assert.equal(r.stderr, 'ppcat: unknown command "benchmark" (see ppcat --help)\n');
  });

  it("encode writes raw bytes to a pipe; decode reads them from stdin", () => {
    const enc = spawnCli(["encode", "--src", "192.0.2.1:56324", "--dst", "192.0.2.11:443"]);
    assert.equal(enc.status, 0, enc.stderr);
    assert.deepEqual(enc.stdout, hexBytes(V2_TCP4));
    const dec = spawnCli(["decode", "--json"], enc.stdout);
    assert.equal(dec.status, 0, dec.stderr);
    assert.deepEqual(JSON.parse(decoder.decode(dec.stdout)), V2_TCP4_JSON);
  });

  it("decode: empty stdin is TRUNCATED, exit 1", () => {
    const r = spawnCli(["decode", "--json"], "");
    assert.equal(r.status, 1);
    assert.deepEqual(JSON.parse(decoder.decode(r.stdout)).error.code, "TRUNCATED");
    assert.match(r.stderr, /^ppcat decode: TRUNCATED: .* \(at byte 0\)\n$/);
  });

  it("decode: invalid hex header, exit 1 with the JSON error object", () => {
    const r = spawnCli(["decode", "--json", "--hex", V2_TCP4.replace("2111", "2f11")]);
    assert.equal(r.status, 1);
    const json = JSON.parse(decoder.decode(r.stdout));
    assert.deepEqual(Object.keys(json.error), ["code", "message", "offset"]);
    assert.equal(json.error.code, "V2_BAD_COMMAND");
    assert.equal(json.error.offset, 12);
  });

  it("decode: a real FILE, and a missing one (one line, exit 1)", () => {
    const dir = mkdtempSync(join(tmpdir(), "ppcat-cli-"));
    try {
      const file = join(dir, "header.bin");
      writeFileSync(file, hexBytes(V2_TCP4));
      const ok = spawnCli(["decode", file]);
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(decoder.decode(ok.stdout), /^destination: +192\.0\.2\.11:443$/m);
      const missing = join(dir, "missing.bin");
      const bad = spawnCli(["decode", missing]);
      assert.equal(bad.status, 1);
      assert.equal(bad.stdout.length, 0);
      assert.equal(
        bad.stderr,
        `ppcat decode: cannot read ${JSON.stringify(missing)}: no such file or directory\n`,
      );
      const isDir = spawnCli(["decode", dir]);
      assert.equal(isDir.status, 1);
      assert.equal(isDir.stderr.split("\n").length, 2, isDir.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
