import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toHex } from "../lib/_bytes.ts";
import { hexBytes, runCli, textBytes, V2_TCP4_JSON } from "./_testing.ts";

const SIG = "0d0a0d0a000d0a515549540a";
const TCP4 = ["--src", "192.0.2.1:56324", "--dst", "192.0.2.11:443"];

async function encodeHex(argv: string[]): Promise<string> {
  const r = await runCli(["encode", "--hex", ...argv]);
  assert.equal(r.err, "", `encode ${argv.join(" ")}`);
  assert.equal(r.code, 0);
  assert.match(r.out, /^[0-9a-f]+\n$/);
  return r.out.trimEnd();
}

/** encode → decode --json, in-process. */
async function roundTrip(argv: string[], files?: Record<string, Uint8Array>) {
  const enc = await runCli(["encode", ...argv], files === undefined ? {} : { files });
  assert.equal(enc.err, "", `encode ${argv.join(" ")}`);
  assert.equal(enc.code, 0);
  const dec = await runCli(["decode", "--json"], { stdin: enc.outBytes });
  assert.equal(dec.err, "");
  assert.equal(dec.code, 0);
  return { bytes: enc.outBytes, json: JSON.parse(dec.out) };
}

describe("ppcat encode: version 1", () => {
  it("TCP4, exact line (§2.1)", async () => {
    const r = await runCli(["encode", "--v1", ...TCP4]);
    assert.equal(r.code, 0);
    assert.equal(r.out, "PROXY TCP4 192.0.2.1 192.0.2.11 56324 443\r\n");
  });

  it("TCP6 in canonical form, and back through decode", async () => {
    const argv = ["--v1", "--src", "[2001:DB8:0:0::1]:56324", "--dst", "[2001:db8::11]:443"];
    const r = await runCli(["encode", ...argv]);
    assert.equal(r.out, "PROXY TCP6 2001:db8::1 2001:db8::11 56324 443\r\n");
    const { json } = await roundTrip(argv);
    assert.deepEqual(json, {
      ...V2_TCP4_JSON,
      version: 1,
      protocol: "TCP6",
      source: { address: "2001:db8::1", port: 56324 },
      destination: { address: "2001:db8::11", port: 443 },
      headerLength: 47,
    });
  });

  it("UNKNOWN, short form", async () => {
    for (const argv of [["--v1", "--unknown"], ["--v1", "--protocol", "unknown"]]) {
      const r = await runCli(["encode", ...argv]);
      assert.equal(r.out, "PROXY UNKNOWN\r\n");
      const { json } = await roundTrip(argv);
      assert.deepEqual(
        [json.version, json.command, json.protocol, json.source, json.headerLength],
        [1, "PROXY", "UNKNOWN", null, 15],
      );
    }
  });
});

describe("ppcat encode: version 2", () => {
  it("TCP4, exact bytes (§2.2), raw and --hex", async () => {
    const expected = `${SIG}2111000cc0000201c000020bdc0401bb`;
    assert.equal(await encodeHex(TCP4), expected);
    const raw = await runCli(["encode", "--v2", ...TCP4]);
    assert.deepEqual(raw.outBytes, hexBytes(expected));
  });

  const protocols: [string, string[], number, object, object][] = [
    ["TCP4", TCP4, 0x11, { address: "192.0.2.1", port: 56324 }, {
      address: "192.0.2.11",
      port: 443,
    }],
    [
      "TCP6",
      ["--src", "[2001:db8::1]:1", "--dst", "[::ffff:192.0.2.1]:2"],
      0x21,
      { address: "2001:db8::1", port: 1 },
      { address: "::ffff:192.0.2.1", port: 2 },
    ],
    [
      "UDP4",
      ["--protocol", "UDP4", "--src", "10.0.0.1:5353", "--dst", "10.0.0.2:53"],
      0x12,
      { address: "10.0.0.1", port: 5353 },
      { address: "10.0.0.2", port: 53 },
    ],
    [
      "UDP6",
      ["--protocol", "udp6", "--src", "[fe80::1]:0", "--dst", "[fe80::2]:65535"],
      0x22,
      { address: "fe80::1", port: 0 },
      { address: "fe80::2", port: 65535 },
    ],
    [
      "UNIX_STREAM",
      ["--src", "/run/client.sock", "--dst", "@abstract"],
      0x31,
      { path: "/run/client.sock" },
      { path: "@abstract" },
    ],
    [
      "UNIX_DGRAM",
      ["--protocol", "UNIX_DGRAM", "--src", "/a", "--dst", "/b"],
      0x32,
      { path: "/a" },
      { path: "/b" },
    ],
  ];
  for (const [protocol, argv, fam, source, destination] of protocols) {
    it(`${protocol}: fam byte 0x${fam.toString(16)}, round trip`, async () => {
      const { bytes, json } = await roundTrip(argv);
      assert.equal(bytes[12], 0x21);
      assert.equal(bytes[13], fam);
      assert.equal(json.protocol, protocol);
      assert.equal(json.command, "PROXY");
      assert.deepEqual(json.source, source);
      assert.deepEqual(json.destination, destination);
      const len = { 1: 12, 2: 36, 3: 216 }[fam >> 4];
      assert.equal(json.headerLength, 16 + len!);
    });
  }

  it("UNSPEC via --unknown: no addresses, fam 0x00", async () => {
    assert.equal(await encodeHex(["--unknown"]), `${SIG}21000000`);
    const { json } = await roundTrip(["--unknown"]);
    assert.deepEqual([json.command, json.protocol, json.source], ["PROXY", "UNSPEC", null]);
  });

  it("LOCAL: exact bytes, and LOCAL with addresses round-trips", async () => {
    assert.equal(await encodeHex(["--local"]), `${SIG}20000000`);
    const { bytes, json } = await roundTrip(["--local", ...TCP4]);
    assert.deepEqual(bytes, hexBytes(`${SIG}2011000cc0000201c000020bdc0401bb`));
    // header.ts: a decoded LOCAL header has no endpoints (§2.2: the receiver discards them).
    assert.deepEqual([json.command, json.protocol, json.source], ["LOCAL", "TCP4", null]);
  });

  it("--crc32c: exact checksum (computed independently) and decode says valid", async () => {
    assert.equal(
      await encodeHex([...TCP4, "--crc32c"]),
      `${SIG}21110013c0000201c000020bdc0401bb03000469dbc41e`,
    );
    const { json } = await roundTrip([...TCP4, "--crc32c"]);
    assert.equal(json.crc32c, "valid");
  });

  it("every TLV flag: exact bytes and decoded values", async () => {
    const cert = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05]);
    const argv = [
      ...TCP4,
      "--alpn=h2",
      "--authority=example.com",
      "--noop=3",
      "--unique-id=conn-42",
      "--ssl-version=TLSv1.3",
      "--ssl-cn=client.example",
      "--ssl-cipher=ECDHE-RSA-AES128-GCM-SHA256",
      "--ssl-sig-alg=RSA-SHA256",
      "--ssl-key-alg=RSA2048",
      "--ssl-group=secp256r1",
      "--ssl-sig-scheme=rsa_pss_rsae_sha256",
      "--ssl-client-cert=client.der",
      "--ssl-verify=1",
      "--ssl-client=0x07",
      "--netns=blue",
      "--gcp-psc=1234567890123456789",
      "--aws-vpce=vpce-08d2bf15fac5001c9",
      "--azure-linkid=305419896",
      "--tlv=0xe5=0xdead",
      "--tlv=240=hello",
      "--crc32c",
    ];
    // Built independently (Python struct + bitwise CRC32C).
    const expected = SIG +
      "211100f9c0000201c000020bdc0401bb010002683202000b6578616d706c652e636f6d" +
      "040003000000050007636f6e6e2d343220007f0700000001210007544c5376312e3322000e636c69656e742e" +
      "6578616d706c6523001b45434448452d5253412d4145533132382d47434d2d53484132353624000a5253412d" +
      "534841323536250007525341323034382600097365637032353672312700137273615f7073735f727361655f" +
      "7368613235362800053003020105300004626c7565e00008112210f47de98115ea001701767063652d303864" +
      "3262663135666163353030316339ee00050178563412e50002deadf0000568656c6c6f0300049d4cf14f";
    const files = { "client.der": cert };
    const hex = await runCli(["encode", "--hex", ...argv], { files });
    assert.equal(hex.err, "");
    assert.equal(hex.out, `${expected}\n`);
    const { json } = await roundTrip(argv, files);
    assert.equal(json.crc32c, "valid");
    // A text sub-TLV: its bytes are its value in UTF-8.
    const sub = (type: number, name: string, value: string) => ({
      type,
      name,
      value,
      hex: toHex(textBytes(value)),
    });
    assert.deepEqual(json.tlvs, [
      { type: 0x01, name: "ALPN", value: "h2", hex: "6832" },
      { type: 0x02, name: "AUTHORITY", value: "example.com", hex: "6578616d706c652e636f6d" },
      { type: 0x04, name: "NOOP", value: null, hex: "000000" },
      { type: 0x05, name: "UNIQUE_ID", value: "conn-42", hex: "636f6e6e2d3432" },
      {
        type: 0x20,
        name: "SSL",
        value: {
          client: 7,
          clientFlags: ["SSL", "CERT_CONN", "CERT_SESS"],
          verify: 1,
          tlvs: [
            sub(0x21, "VERSION", "TLSv1.3"),
            sub(0x22, "CN", "client.example"),
            sub(0x23, "CIPHER", "ECDHE-RSA-AES128-GCM-SHA256"),
            sub(0x24, "SIG_ALG", "RSA-SHA256"),
            sub(0x25, "KEY_ALG", "RSA2048"),
            sub(0x26, "GROUP", "secp256r1"),
            sub(0x27, "SIG_SCHEME", "rsa_pss_rsae_sha256"),
            // Binary: the JSON value is base64.
            { type: 0x28, name: "CLIENT_CERT", value: "MAMCAQU=", hex: "3003020105" },
          ],
        },
        hex: "0700000001210007544c5376312e3322000e636c69656e742e6578616d706c6523001b45434448452d" +
          "5253412d4145533132382d47434d2d53484132353624000a5253412d534841323536250007525341323034" +
          "382600097365637032353672312700137273615f7073735f727361655f7368613235362800053003020105",
      },
      { type: 0x30, name: "NETNS", value: "blue", hex: "626c7565" },
      {
        type: 0xe0,
        name: "GCP",
        value: { pscConnectionId: "1234567890123456789" },
        hex: "112210f47de98115",
      },
      {
        type: 0xea,
        name: "AWS",
        value: { subtype: 1, vpceId: "vpce-08d2bf15fac5001c9" },
        hex: "01767063652d3038643262663135666163353030316339",
      },
      {
        type: 0xee,
        name: "AZURE",
        value: { subtype: 1, linkId: 305419896 },
        hex: "0178563412",
      },
      { type: 0xe5, name: "CUSTOM", value: null, hex: "dead" },
      { type: 0xf0, name: "EXPERIMENT", value: null, hex: "68656c6c6f" },
      { type: 0x03, name: "CRC32C", value: 0x9d4cf14f, hex: "9d4cf14f" },
    ]);
  });

  it("any --ssl-* flag defaults the client byte to SSL and verify to 0", async () => {
    const { json } = await roundTrip([...TCP4, "--ssl-cipher", "X"]);
    assert.deepEqual(json.tlvs[0].value, {
      client: 1,
      clientFlags: ["SSL"],
      verify: 0,
      tlvs: [{ type: 0x23, name: "CIPHER", value: "X", hex: "58" }],
    });
  });

  it("the human form of a TLV-rich header shows every TLV", async () => {
    const enc = await runCli(["encode", ...TCP4, "--alpn", "h2", "--ssl-version", "TLSv1.3"]);
    const dec = await runCli(["decode"], { stdin: enc.outBytes });
    assert.equal(dec.code, 0);
    assert.match(dec.out, /^tlv: +ALPN \(0x01\) "h2"$/m);
    assert.match(dec.out, /^tlv: +SSL \(0x20\) client=0x01 \(SSL\) verify=0$/m);
    assert.match(dec.out, /^ {2}ssl: +VERSION \(0x21\) "TLSv1.3"$/m);
  });

  it("refuses raw v2 bytes on a terminal, but not hex or v1", async () => {
    const raw = await runCli(["encode", ...TCP4], { tty: { stdout: true } });
    assert.equal(raw.code, 2);
    assert.equal(raw.out, "");
    assert.match(raw.err, /^ppcat encode: refusing to write binary to a terminal/);
    const hex = await runCli(["encode", "--hex", ...TCP4], { tty: { stdout: true } });
    assert.equal(hex.code, 0);
    const v1 = await runCli(["encode", "--v1", ...TCP4], { tty: { stdout: true } });
    assert.equal(v1.code, 0);
  });
});

describe("ppcat encode: usage errors (exit 2)", () => {
  const cases: [string, string[], RegExp][] = [
    ["no addresses", [], /a PROXY header needs --src and --dst/],
    ["--src without --dst", ["--src", "192.0.2.1:1"], /^--src needs --dst$/],
    ["--dst without --src", ["--dst", "192.0.2.1:1"], /^--dst needs --src$/],
    ["--v1 and --v2", ["--v1", "--v2", ...TCP4], /--v1 and --v2 exclude each other/],
    ["v1 with a TLV", ["--v1", ...TCP4, "--alpn", "h2"], /^--alpn: version 1 cannot carry TLVs/],
    ["v1 with --crc32c", ["--v1", ...TCP4, "--crc32c"], /^--crc32c: version 1 cannot carry TLVs/],
    [
      "v1 with UDP",
      ["--v1", "--protocol", "UDP4", ...TCP4],
      /version 1 carries only TCP4, TCP6 and UNKNOWN.*not UDP4/,
    ],
    ["v1 with UNIX", ["--v1", "--src", "/a", "--dst", "/b"], /version 1 carries only .* not UNIX/],
    ["v1 LOCAL", ["--v1", "--local"], /version 1 has no LOCAL command/],
    [
      "bad address",
      ["--src", "192.0.2.300:1", "--dst", "192.0.2.1:2"],
      /^--src: "192\.0\.2\.300" is not an IPv4 or IPv6 address$/,
    ],
    [
      "leading zero",
      ["--src", "192.0.2.01:1", "--dst", "192.0.2.1:2"],
      /^--src: "192\.0\.2\.01" is not/,
    ],
    [
      "no port",
      ["--src", "192.0.2.1", "--dst", "192.0.2.1:2"],
      /^--src: "192\.0\.2\.1" has no port/,
    ],
    [
      "port too big",
      ["--src", "192.0.2.1:65536", "--dst", "192.0.2.1:2"],
      /^--src: port "65536" is not in 0\.\.65535$/,
    ],
    [
      "IPv6 without brackets",
      ["--src", "2001:db8::1:80", "--dst", "[::1]:2"],
      /^--src: write IPv6 in brackets/,
    ],
    [
      "family mismatch",
      ["--src", "192.0.2.1:1", "--dst", "[::1]:2"],
      /^--dst: IPv6 does not match --src, IPv4$/,
    ],
    [
      "protocol vs family",
      ["--protocol", "TCP4", "--src", "[::1]:1", "--dst", "[::1]:2"],
      /^--src: TCP4 needs IPv4$/,
    ],
    ["unknown protocol", ["--protocol", "SCTP", ...TCP4], /^--protocol: unknown protocol "SCTP"/],
    [
      "protocol without addresses",
      ["--protocol", "TCP4"],
      /^--protocol TCP4 needs --src and --dst$/,
    ],
    ["UNSPEC with addresses", ["--unknown", ...TCP4], /UNSPEC carries no addresses/],
    [
      "--unknown vs --protocol",
      ["--unknown", "--protocol", "TCP6"],
      /--unknown conflicts with --protocol TCP6/,
    ],
    [
      "--noop not a number",
      [...TCP4, "--noop", "abc"],
      /^--noop: "abc" is not a whole number$/,
    ],
    ["--noop too big", [...TCP4, "--noop", "65536"], /^--noop: 65536 is not in 0\.\.65535$/],
    [
      "--unique-id too long",
      [...TCP4, "--unique-id", "x".repeat(129)],
      /^--unique-id: 129 bytes, the limit is 128/,
    ],
    [
      "--ssl-client too big",
      [...TCP4, "--ssl-client", "256"],
      /^--ssl-client: 256 is not in 0\.\.255$/,
    ],
    [
      "--ssl-verify negative",
      [...TCP4, "--ssl-verify=-1"],
      /^--ssl-verify: "-1" is not a whole number$/,
    ],
    [
      "--azure-linkid too big",
      [...TCP4, "--azure-linkid", "4294967296"],
      /^--azure-linkid: 4294967296 is not in 0\.\.4294967295$/,
    ],
    [
      "--gcp-psc too big",
      [...TCP4, "--gcp-psc", "18446744073709551616"],
      /^--gcp-psc: 18446744073709551616 is not in 0\.\.18446744073709551615$/,
    ],
    [
      "--gcp-psc not a number",
      [...TCP4, "--gcp-psc", "1e3"],
      /^--gcp-psc: "1e3" is not a whole number$/,
    ],
    ["--tlv without =", [...TCP4, "--tlv", "5"], /^--tlv: expected TYPE=VALUE, got "5"$/],
    ["--tlv type too big", [...TCP4, "--tlv", "256=x"], /^--tlv: TYPE "256" is not in 0\.\.255/],
    [
      "--tlv odd hex",
      [...TCP4, "--tlv", "5=0xabc"],
      /^--tlv: VALUE: odd number of hex digits \(3\)$/,
    ],
    [
      "--ssl-client-cert missing",
      [...TCP4, "--ssl-client-cert", "nope.der"],
      /^--ssl-client-cert: cannot read "nope\.der": no such file or directory$/,
    ],
    ["positional argument", [...TCP4, "extra"], /^unexpected argument "extra"$/],
  ];
  for (const [name, argv, message] of cases) {
    it(name, async () => {
      const r = await runCli(["encode", ...argv]);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.out, "");
      // One line: the command, the reason in the CLI's words (never a codec code), the help.
      const prefix = "ppcat encode: ";
      const suffix = " (see ppcat encode --help)\n";
      assert.ok(r.err.startsWith(prefix) && r.err.endsWith(suffix), r.err);
      const reason = r.err.slice(prefix.length, -suffix.length);
      assert.ok(!reason.includes("\n"), r.err);
      assert.doesNotMatch(reason, /ENCODE_|DECODE_|V[12]_/);
      assert.match(reason, message);
    });
  }

  it("a header too large for its length field is a usage error in words, no codec code", async () => {
    const r = await runCli(["encode", ...TCP4, "--noop", "65535"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /^ppcat encode: [^\n]+ \(see ppcat encode --help\)\n$/);
    assert.doesNotMatch(r.err, /ENCODE_/);
  });
});
