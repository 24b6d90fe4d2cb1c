/**
 * The `kmip2pkcs11 ttlv` CLI end to end: the compiled bin in a separate process, stdin to stdout,
 * exit codes and the one-line error on stderr.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ttlvToXml, xmlToTtlv } from "../../src/kmip/xml.js";
import { VECTOR_PLACEHOLDERS } from "../../src/kmip/xml-placeholders.js";
import { decodeTtlv } from "../../src/ttlv/decode.js";
import { hexToBytes } from "../../src/ttlv/hex.js";
import { canonical, VECTOR_ROOT, XML_ROOT } from "../unit/kmip/vector-helpers.js";
import { CLI_MAIN, ensureCliBuilt } from "./cli-helpers.js";

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function ttlv(args: string[], input: string): Run {
  const out = spawnSync(process.execPath, [CLI_MAIN, "ttlv", ...args], {
    input,
    encoding: "utf8",
    timeout: 20_000,
  });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}

const firstHex = (): string => {
  const line = readFileSync(join(VECTOR_ROOT, "nlnetlabs-oasis-usecase-hex.jsonl"), "utf8").split(
    "\n",
  )[0]!;
  return (JSON.parse(line) as { hex: string }).hex;
};

function expectOneLineError(run: Run, ...parts: string[]): void {
  expect(run.code).toBe(1);
  expect(run.stdout).toBe("");
  expect(run.stderr.endsWith("\n")).toBe(true);
  expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  for (const part of parts) expect(run.stderr).toContain(part);
}

beforeAll(ensureCliBuilt, 120_000);

describe("kmip2pkcs11 ttlv", () => {
  it("encodes an XML vector file (one hex line a message) and decodes it back", () => {
    const xml = readFileSync(join(XML_ROOT, "v1.4/SKLC-M-1-14.xml"), "utf8");
    const expected = xmlToTtlv(xml, { placeholders: VECTOR_PLACEHOLDERS });
    const encoded = ttlv(["encode", "--placeholders"], xml);
    expect(encoded.code).toBe(0);
    const lines = encoded.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(expected.length);
    expect(lines.every((line) => /^[0-9a-f]+$/.test(line))).toBe(true);
    const decoded = ttlv(["decode", "--placeholders"], encoded.stdout);
    expect(decoded.code).toBe(0);
    const back = xmlToTtlv(decoded.stdout, { placeholders: VECTOR_PLACEHOLDERS });
    expect(back.map((item) => canonical(item))).toEqual(expected.map((item) => canonical(item)));
  });

  it("decodes spaced hex to the XML encoding, or to JSON lines", () => {
    const hex = firstHex();
    const spaced = hex.replace(/(.{16})/g, "$1 \n");
    const run = ttlv(["decode"], spaced);
    expect(run).toEqual({ code: 0, stdout: ttlvToXml(decodeTtlv(hexToBytes(hex))), stderr: "" });
    const json = ttlv(["decode", "--json"], hex);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ tag: "RequestMessage" });
  });

  it("dumps with secrets hidden unless --no-redact", () => {
    const hex = firstHex(); // KMIP 1.0 use case 11.1: Username "Fred", Password "password1"
    const redacted = ttlv(["dump"], hex);
    expect(redacted.code).toBe(0);
    expect(redacted.stdout).toContain('Username (TextString, 4 bytes) "Fred"');
    expect(redacted.stdout).toContain("Password (TextString, 9 bytes) <redacted>");
    expect(redacted.stdout).not.toContain("password1");
    expect(ttlv(["dump", "--no-redact"], hex).stdout).toContain('"password1"');
  });

  it("reports truncated TTLV with the byte offset and the tag path", () => {
    const hex = firstHex();
    expectOneLineError(
      ttlv(["decode"], hex.slice(0, 200)),
      "ttlv decode: Truncated",
      "at byte 0",
      "tag path RequestMessage)",
    );
  });

  it("reports a bad length deep inside a message by offset and tag names", () => {
    // Protocol Version Major (Integer) starts at byte 24: make its length 5 instead of 4.
    const hex = firstHex();
    const bad = `${hex.slice(0, 56)}00000005${hex.slice(64)}`;
    expectOneLineError(
      ttlv(["dump"], bad),
      "ttlv dump: BadLength",
      "byte 24",
      "RequestMessage/RequestHeader/ProtocolVersion/ProtocolVersionMajor",
    );
  });

  it("reports bad hex, malformed XML and invalid KMIP XML in one line", () => {
    expectOneLineError(ttlv(["decode"], "4200zz"), "ttlv decode: BadHex", "character 4");
    expectOneLineError(
      ttlv(["encode"], "<RequestMessage>\n<BatchCount>"),
      "malformed XML",
      "line 2",
    );
    expectOneLineError(
      ttlv(
        ["encode"],
        '<RequestMessage>\n  <Operation type="Enumeration" value="Nope"/>\n</RequestMessage>',
      ),
      "invalid KMIP XML",
      "line 2",
      "RequestMessage/Operation",
    );
  });

  it("exits 2 with the usage on an unknown subcommand or option", () => {
    expect(ttlv(["frobnicate"], "").code).toBe(2);
    const run = ttlv(["decode", "--bogus"], "");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("usage: kmip2pkcs11 ttlv");
  });
});
