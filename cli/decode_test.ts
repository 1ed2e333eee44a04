import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hexBytes, runCli, textBytes, V2_TCP4_JSON } from "./_testing.ts";
import { rssBytes, spawnPpcat, waitFor } from "./_spawn_testing.ts";

const SIG = "0d0a0d0a000d0a515549540a";
// §2.2: PROXY, TCP over IPv4, len 12, 192.0.2.1 -> 192.0.2.11, ports 56324 -> 443.
const V2_TCP4 = `${SIG}2111000cc0000201c000020bdc0401bb`;
// Same header plus a CRC32C TLV; checksum computed independently (Python, RFC 4960 app. B).
const V2_CRC = `${SIG}21110013c0000201c000020bdc0401bb03000469dbc41e`;
const ESC = "\x1b";
const V1_TCP4 = "PROXY TCP4 192.0.2.1 192.0.2.11 56324 443\r\n";

function errorLine(stderr: string): { code: string; message: string; offset: number } {
  const m = /^ppcat decode: ([A-Z0-9_]+): (.+) \(at byte (\d+)\)\n$/.exec(stderr);
  assert.ok(m, `stderr is one error line: ${JSON.stringify(stderr)}`);
  return { code: m[1]!, message: m[2]!, offset: Number(m[3]) };
}

describe("ppcat decode: valid headers", () => {
  it("prints a v1 header in the human form, payload counted as trailing bytes", async () => {
    const r = await runCli(["decode"], { stdin: `${V1_TCP4}GET` });
    assert.equal(r.code, 0);
    assert.equal(r.err, "");
    assert.equal(
      r.out,
      [
        "version:        1",
        "command:        PROXY",
        "protocol:       TCP4",
        "source:         192.0.2.1:56324",
        "destination:    192.0.2.11:443",
        "crc32c:         none",
        "header length:  43 bytes",
        "trailing bytes: 3",
        "",
      ].join("\n"),
    );
  });

  it("prints a v1 header as one JSON line with --json", async () => {
    const hex = Array.from(textBytes(V1_TCP4), (b) => b.toString(16).padStart(2, "0")).join("");
    const r = await runCli(["decode", "--json", "--hex", hex]);
    assert.equal(r.code, 0);
    assert.ok(r.out.endsWith("}\n") && r.out.indexOf("\n") === r.out.length - 1, "one line");
    assert.deepEqual(JSON.parse(r.out), { ...V2_TCP4_JSON, version: 1, headerLength: 43 });
  });

  it("decodes v2 hex with ':' and whitespace separators, as JSON", async () => {
    const spaced = "0D:0A:0D:0A:00:0D:0A:51:55:49:54:0A\n21 11 00 0c\tc0000201 c000020b dc04 01bb";
    const r = await runCli(["decode", "--hex", spaced, "--json"]);
    assert.equal(r.code, 0);
    assert.equal(r.err, "");
    assert.deepEqual(JSON.parse(r.out), V2_TCP4_JSON);
  });

  it("prints a v2 TCP6 header with a TLV in the human form", async () => {
    const hex = `${SIG}21210029` + "20010db8000000000000000000000001" +
      "20010db8000000000000000000000011" + "dc0401bb" + "0100026832";
    const r = await runCli(["decode", "--hex", hex]);
    assert.equal(r.code, 0);
    assert.equal(
      r.out,
      [
        "version:        2",
        "command:        PROXY",
        "protocol:       TCP6",
        "source:         [2001:db8::1]:56324",
        "destination:    [2001:db8::11]:443",
        'tlv:            ALPN (0x01) "h2"',
        "crc32c:         none",
        "header length:  57 bytes",
        "trailing bytes: 0",
        "",
      ].join("\n"),
    );
  });

  it("reads FILE, and stdin for '-'", async () => {
    const bytes = hexBytes(V2_TCP4);
    const f = await runCli(["decode", "--json", "header.bin"], { files: { "header.bin": bytes } });
    assert.equal(f.code, 0);
    assert.deepEqual(JSON.parse(f.out), V2_TCP4_JSON);
    const s = await runCli(["decode", "--json", "-"], { stdin: bytes, tty: { stdin: true } });
    assert.equal(s.code, 0);
    assert.ok(s.stdinRead);
    assert.deepEqual(JSON.parse(s.out), V2_TCP4_JSON);
  });

  it("reports a valid CRC32C", async () => {
    const r = await runCli(["decode", "--json", "--hex", V2_CRC]);
    assert.equal(r.code, 0);
    const json = JSON.parse(r.out);
    assert.equal(json.crc32c, "valid");
    assert.deepEqual(json.tlvs, [{ type: 3, name: "CRC32C", value: 0x69dbc41e, hex: "69dbc41e" }]);
    const human = await runCli(["decode", "--hex", V2_CRC]);
    assert.match(human.out, /^tlv: +CRC32C \(0x03\) 0x69dbc41e$/m);
    assert.match(human.out, /^crc32c: +valid$/m);
  });

  it("colours only when stdout is a terminal and NO_COLOR is unset", async () => {
    const tty = await runCli(["decode", "--hex", V2_CRC], { tty: { stdout: true } });
    assert.ok(tty.out.includes(`${ESC}[32mvalid${ESC}[0m`), tty.out);
    const noColor = await runCli(["decode", "--hex", V2_CRC], {
      tty: { stdout: true },
      noColor: true,
    });
    assert.ok(!noColor.out.includes(ESC));
    const pipe = await runCli(["decode", "--hex", V2_CRC]);
    assert.ok(!pipe.out.includes(ESC));
    const json = await runCli(["decode", "--json", "--hex", V2_CRC], { tty: { stdout: true } });
    assert.ok(!json.out.includes(ESC));
  });

  it("escapes control characters from the wire in the human form", async () => {
    // AUTHORITY = ESC "[2J" (clear screen) followed by U+202E (right-to-left override).
    const hex = `${SIG}21110016c0000201c000020bdc0401bb` + "020007" + "1b5b324ae280ae";
    const r = await runCli(["decode", "--hex", hex], { tty: { stdout: true }, noColor: true });
    assert.equal(r.code, 0);
    assert.ok(!r.out.includes(ESC) && !r.out.includes("\u202e"));
    assert.match(r.out, /^tlv: +AUTHORITY \(0x02\) "\\u001b\[2J\\u202e"$/m);
  });
});

describe("ppcat decode: invalid input", () => {
  it("rejects a non-PROXY input: exit 1, error line on stderr", async () => {
    const r = await runCli(["decode"], { stdin: "GET / HTTP/1.1\r\n\r\n" });
    assert.equal(r.code, 1);
    // The human form on stdout: the bytes, a caret under the offending one.
    assert.equal(
      r.out,
      "  0000  47 45 54 20 2f 20 48 54 54 50 2f 31 2e 31 0d 0a\n" + " ".repeat(8) + "^^ byte 0\n",
    );
    const e = errorLine(r.err);
    assert.equal(e.code, "NOT_PROXY");
    assert.equal(e.offset, 0);
  });

  it("with --json, also prints the error object on stdout", async () => {
    const r = await runCli(["decode", "--json"], {
      stdin: "PROXY TCP4 192.168.0.01 10.0.0.1 1 2\r\n",
    });
    assert.equal(r.code, 1);
    const e = errorLine(r.err);
    assert.equal(e.code, "V1_LEADING_ZERO");
    assert.ok(e.offset >= 11 && e.offset <= 23, `offset ${e.offset} inside the address`);
    assert.ok(r.out.endsWith("}\n") && r.out.indexOf("\n") === r.out.length - 1, "one line");
    assert.deepEqual(JSON.parse(r.out), { error: e });
  });

  it("rejects a truncated v2 header with TRUNCATED", async () => {
    const r = await runCli(["decode", "--json", "--hex", V2_TCP4.slice(0, 40)]);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.out).error.code, "TRUNCATED");
    assert.equal(errorLine(r.err).code, "TRUNCATED");
  });

  it("treats empty input as TRUNCATED at byte 0, not a crash", async () => {
    for (const argv of [["decode", "--json"], ["decode", "--json", "--hex", ""]]) {
      const r = await runCli(argv, { stdin: "" });
      assert.equal(r.code, 1, argv.join(" "));
      const e = errorLine(r.err);
      assert.deepEqual([e.code, e.offset], ["TRUNCATED", 0]);
      assert.deepEqual(JSON.parse(r.out), { error: e });
    }
  });

  it("fails a CRC32C mismatch unless --allow-crc-mismatch", async () => {
    const bad = V2_CRC.replace("dc0401bb", "dc0401bc");
    const strict = await runCli(["decode", "--json", "--hex", bad]);
    assert.equal(strict.code, 1);
    assert.equal(JSON.parse(strict.out).error.code, "CRC_MISMATCH");
    const allowed = await runCli(["decode", "--json", "--allow-crc-mismatch", "--hex", bad]);
    assert.equal(allowed.code, 0);
    assert.equal(JSON.parse(allowed.out).crc32c, "invalid");
    const human = await runCli(["decode", "--allow-crc-mismatch", "--hex", bad]);
    assert.match(human.out, /^crc32c: +invalid \(mismatch allowed by --allow-crc-mismatch\)$/m);
  });

  it("an unreadable FILE is one line on stderr, exit 1", async () => {
    for (const json of [[], ["--json"]]) {
      const r = await runCli(["decode", ...json, "missing.bin"]);
      assert.equal(r.code, 1);
      assert.equal(r.out, "");
      assert.equal(r.err, 'ppcat decode: cannot read "missing.bin": no such file or directory\n');
    }
  });
});

describe("ppcat decode: usage errors (exit 2)", () => {
  const cases: [string, string[], RegExp][] = [
    ["odd hex", ["--hex", "0d0a0"], /^ppcat decode: --hex: odd number of hex digits \(5\)$/],
    ["non-hex", ["--hex", "0d0g"], /^ppcat decode: --hex: not a hex digit: "g" at position 3$/],
    [
      "--hex and FILE",
      ["--hex", "00", "a.bin"],
      /^ppcat decode: --hex and FILE exclude each other$/,
    ],
    ["two files", ["a.bin", "b.bin"], /^ppcat decode: expected at most one FILE, got 2$/],
  ];
  for (const [name, argv, line] of cases) {
    it(name, async () => {
      const r = await runCli(["decode", ...argv]);
      assert.equal(r.code, 2);
      assert.equal(r.out, "");
      const lines = r.err.split("\n");
      assert.deepEqual(lines.slice(1), [""], "one line");
      const [first] = lines;
      assert.ok(first !== undefined);
      const suffix = " (see ppcat decode --help)";
      assert.ok(first.endsWith(suffix), first);
      assert.match(first.slice(0, -suffix.length), line);
    });
  }

  it("no input while stdin is a terminal: usage error, stdin untouched", async () => {
    const r = await runCli(["decode"], { tty: { stdin: true } });
    assert.equal(r.code, 2);
    assert.equal(r.stdinRead, false);
    assert.match(r.err, /^ppcat decode: no input: /);
  });
});

describe("ppcat decode: hex text on stdin", () => {
  const V2_BYTES = hexBytes(V2_TCP4);
  // What the tools print for V2_TCP4 followed by "hi" (30 bytes).
  const withPayload = `${V2_TCP4}6869`;
  const xxdPlain = `${withPayload.slice(0, 60)}\n`;
  const xxd = "00000000: 0d0a 0d0a 000d 0a51 5549 540a 2111 000c  .......QUIT.!...\n" +
    "00000010: c000 0201 c000 020b dc04 01bb 6869       ............hi\n";
  const hexdumpC =
    "00000000  0d 0a 0d 0a 00 0d 0a 51  55 49 54 0a 21 11 00 0c  |.......QUIT.!...|\n" +
    "00000010  c0 00 02 01 c0 00 02 0b  dc 04 01 bb 68 69        |............hi|\n" +
    "0000001e\n";
  const tsharkX = "0000  0d 0a 0d 0a 00 0d 0a 51 55 49 54 0a 21 11 00 0c   .......QUIT.!...\n" +
    "0010  c0 00 02 01 c0 00 02 0b dc 04 01 bb 68 69         ............hi\n";
  const tsharkFields = "0d:0a:0d:0a:00:0d:0a:51:55:49:54:0a:21:11:00:0c:c0:00:02:01:c0:00:02:0b:" +
    "dc:04:01:bb:68:69\n";
  const cases: [string, string][] = [
    ["xxd -p", xxdPlain],
    ["xxd", xxd],
    ["hexdump -C", hexdumpC],
    ["tshark -x", tsharkX],
    ["tshark -T fields -e tcp.payload", tsharkFields],
  ];
  for (const [name, text] of cases) {
    it(`reads ${name} output, auto-detected`, async () => {
      const r = await runCli(["decode", "--json"], { stdin: text });
      assert.equal(r.err, "");
      assert.equal(r.code, 0);
      assert.deepEqual(JSON.parse(r.out), { ...V2_TCP4_JSON, trailingBytes: 2 });
    });
  }

  it("--hex - reads hex from stdin; binary input, even one starting with a digit, is not hex", async () => {
    const r = await runCli(["decode", "--json", "--hex", "-"], { stdin: V2_TCP4 });
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.out), V2_TCP4_JSON);
    const bin = await runCli(["decode", "--json"], { stdin: V2_BYTES });
    assert.deepEqual(JSON.parse(bin.out), V2_TCP4_JSON);
    const digit = await runCli(["decode", "--json"], { stdin: "0d0a\x00\x01binary" });
    assert.equal(JSON.parse(digit.out).error.code, "NOT_PROXY");
  });

  it("malformed hex text: one line naming the line, exit 1", async () => {
    // Hex for its first 64 bytes (so read as hex), then a bad digit.
    const r = await runCli(["decode"], { stdin: `${V2_TCP4}${V2_TCP4.slice(0, 8)}\n00zz\n` });
    assert.equal(r.code, 1);
    assert.equal(r.out, "");
    assert.equal(r.err, 'ppcat decode: hex input: line 2: not a hex digit: "z" at column 3\n');
    const dump = await runCli(["decode"], { stdin: "00000000: 0d0a\n00000040: 0d0a\n" });
    assert.equal(dump.code, 1);
    assert.match(dump.err, /^ppcat decode: hex input: line 2: offset 00000040 does not follow on/);
  });
});

describe("ppcat decode: the error's place", () => {
  it("puts a caret under the offending byte of a v1 line", async () => {
    const line = "PROXY TCP4 192.0.2.01 198.51.100.7 56324 443\r\n";
    const r = await runCli(["decode"], { stdin: line });
    assert.equal(r.code, 1);
    const e = errorLine(r.err);
    assert.equal(e.code, "V1_LEADING_ZERO");
    const [text, caret] = r.out.split("\n");
    assert.equal(text, "  PROXY TCP4 192.0.2.01 198.51.100.7 56324 443\\r\\n");
    // The offset is the zero that breaks §2.1, the caret under it, the same in both lines; its
    // field (the source address) is underlined.
    assert.equal(e.offset, 19);
    assert.equal(line[e.offset], "0");
    assert.equal(caret, `${" ".repeat(2 + 11)}~~~~~~~~^~ byte 19 (in the field at 11)`);
    assert.equal(caret.indexOf("^") - 2, e.offset);
    const json = await runCli(["decode", "--json"], { stdin: line });
    assert.equal(JSON.parse(json.out).error.offset, 19);
  });

  it("says the byte the caret is under, for bytes inside fields and fields as a whole", async () => {
    // [line, offset, the marks under the field]
    const cases: [string, number, string][] = [
      ["PROXY TCP4 1.2.3.4 5.6.7.08 1 2\r\n", 25, "~~~~~~^~"],
      ["PROXY TCP4 1.2.3.4 5.6.7.8 80a 2\r\n", 29, "~~^"],
      ["PROXY TCP44 1.2.3.4 5.6.7.8 1 2\r\n", 10, "~~~~^"],
      ["PROXY TCP4 1.2.3.4 5.6.7.8 99999 2\r\n", 27, "^~~~~"],
    ];
    for (const [line, offset, marks] of cases) {
      const r = await runCli(["decode"], { stdin: line });
      assert.equal(errorLine(r.err).offset, offset, line);
      const caret = r.out.split("\n")[1]!;
      assert.equal(caret.indexOf("^") - 2, offset, line);
      assert.equal(caret.trim().split(" ")[0], marks, line);
      const json = await runCli(["decode", "--json"], { stdin: line });
      assert.equal(JSON.parse(json.out).error.offset, offset, line);
    }
  });

  it("puts a caret under the offending byte of a v2 header", async () => {
    const badVersion = `${SIG}3111000c`; // version nibble 3 at byte 12
    const r = await runCli(["decode", "--hex", badVersion]);
    assert.equal(r.code, 1);
    assert.equal(errorLine(r.err).offset, 12);
    const [row, caret] = r.out.split("\n");
    assert.equal(row, "  0000  0d 0a 0d 0a 00 0d 0a 51 55 49 54 0a 31 11 00 0c");
    assert.equal(caret!.indexOf("^"), row!.indexOf("31"));
  });
});

describe("ppcat decode: streams (spawned)", () => {
  it("prints the header while the writer still holds the pipe open", async () => {
    const child = spawnPpcat(["decode"], { stdin: "pipe" });
    try {
      child.process.stdin!.write(hexBytes(V2_TCP4));
      child.process.stdin!.write(textBytes("hello"));
      await waitFor(() => child.stdout().includes("header length:  28 bytes"), 15_000, "header");
      assert.equal(child.stdout().includes("trailing bytes"), false); // not known yet
      child.process.stdin!.end(textBytes("!"));
      assert.equal(await child.exited, 0, child.stderr());
      assert.match(child.stdout(), /^trailing bytes: 6$/m);
    } finally {
      child.kill();
    }
  });

  it("stops reading at once on an invalid header (a stream that never ends)", async () => {
    const child = spawnPpcat(["decode", "--json"], { stdin: "pipe" });
    try {
      child.process.stdin!.write(textBytes("GET / HTTP/1.1\r\n"));
      assert.equal(await child.exited, 1);
      assert.equal(JSON.parse(child.stdout()).error.code, "NOT_PROXY");
    } finally {
      child.kill();
    }
  });

  it("counts 1 GiB of trailing bytes with bounded memory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ppcat-decode-"));
    const fifo = join(dir, "stream");
    execFileSync("mkfifo", [fifo]);
    const size = 1024 * 1024 * 1024;
    const child = spawnPpcat(["decode", "--json", fifo]);
    const writer = spawn("sh", [
      "-c",
      `{ printf 'PROXY UNKNOWN\\r\\n'; head -c ${size} /dev/zero; } > "$1"`,
      "sh",
      fifo,
    ], { stdio: "ignore" });
    let peak = 0;
    const poll = setInterval(() => {
      peak = Math.max(peak, rssBytes(child.process.pid!) ?? 0);
    }, 50);
    try {
      assert.equal(await child.exited, 0, child.stderr());
      const r = JSON.parse(child.stdout());
      assert.equal(r.trailingBytes, size);
      // One read buffer serves the whole stream (about 60-70 MB here on either runtime); a new
      // buffer per read left 150-220 MB of garbage behind.
      assert.ok(peak > 0 && peak < 128 * 1024 * 1024, `peak RSS ${peak} bytes`);
    } finally {
      clearInterval(poll);
      child.kill();
      writer.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
