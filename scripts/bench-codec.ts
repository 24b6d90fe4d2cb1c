/**
 * Codec benchmark: decodeTtlv / encodeTtlv of a typical KMIP Sign request and response,
 * against JSON.parse / JSON.stringify of the same messages in the KMIP JSON encoding
 * (KMIP Additional Message Encodings v1.0, section 4.1.6), measured in the same run.
 *
 * Run: `npm run bench:codec` (builds, then `node dist/scripts/bench-codec.js`).
 * Each operation gets a warm-up, then ROUNDS timed rounds interleaved with the others; the
 * median ops/s is reported.
 */
import { bytesToHex, decodeTtlv, encodeTtlv, type TtlvItem } from "../src/ttlv/index.js";

/** KMIP 1.4 section 9.1.3.1 tag values of the items used here. */
const TAG = {
  Authentication: 0x42000c,
  BatchCount: 0x42000d,
  BatchItem: 0x42000f,
  Credential: 0x420023,
  CredentialType: 0x420024,
  CredentialValue: 0x420025,
  CryptographicParameters: 0x42002b,
  HashingAlgorithm: 0x420038,
  Operation: 0x42005c,
  ProtocolVersion: 0x420069,
  ProtocolVersionMajor: 0x42006a,
  ProtocolVersionMinor: 0x42006b,
  RequestHeader: 0x420077,
  RequestMessage: 0x420078,
  RequestPayload: 0x420079,
  ResponseHeader: 0x42007a,
  ResponseMessage: 0x42007b,
  ResponsePayload: 0x42007c,
  ResultStatus: 0x42007f,
  TimeStamp: 0x420092,
  UniqueIdentifier: 0x420094,
  Username: 0x420099,
  Password: 0x4200a1,
  DigitalSignatureAlgorithm: 0x4200ae,
  Data: 0x4200c2,
  SignatureData: 0x4200c3,
} as const;

type TagName = keyof typeof TAG;
const TAG_NAMES = new Map<number, TagName>(
  (Object.entries(TAG) as [TagName, number][]).map(([name, tag]) => [tag, name]),
);

/** Enumeration values used here (KMIP 1.4 section 9.1.3.2), with their JSON names. */
const ENUM = {
  CredentialType: { UsernameAndPassword: 1 },
  Operation: { Sign: 0x21 },
  HashingAlgorithm: { SHA_256: 6 },
  DigitalSignatureAlgorithm: { SHA_256WithRSAEncryptionPKCS_1V1_5: 5 },
  ResultStatus: { Success: 0 },
} as const;

const UNIQUE_ID = "3F1E9A6C2B7D4E8F9A0B1C2D3E4F5A6B_priv";
const TIMESTAMP = 1_764_156_000n; // 2025-11-26T11:20:00Z, POSIX seconds

function patternBytes(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);
}

function struct(tag: TagName, value: TtlvItem[]): TtlvItem {
  return { tag: TAG[tag], type: "Structure", value };
}
function int(tag: TagName, value: number): TtlvItem {
  return { tag: TAG[tag], type: "Integer", value };
}
function enumeration(tag: TagName, value: number): TtlvItem {
  return { tag: TAG[tag], type: "Enumeration", value };
}
function text(tag: TagName, value: string): TtlvItem {
  return { tag: TAG[tag], type: "TextString", value };
}
function bytes(tag: TagName, value: Uint8Array): TtlvItem {
  return { tag: TAG[tag], type: "ByteString", value };
}

const protocolVersion = struct("ProtocolVersion", [
  int("ProtocolVersionMajor", 1),
  int("ProtocolVersionMinor", 2),
]);

const SIGN_REQUEST = struct("RequestMessage", [
  struct("RequestHeader", [
    protocolVersion,
    struct("Authentication", [
      struct("Credential", [
        enumeration("CredentialType", ENUM.CredentialType.UsernameAndPassword),
        struct("CredentialValue", [text("Username", "token"), text("Password", "1234")]),
      ]),
    ]),
    int("BatchCount", 1),
  ]),
  struct("BatchItem", [
    enumeration("Operation", ENUM.Operation.Sign),
    struct("RequestPayload", [
      text("UniqueIdentifier", UNIQUE_ID),
      struct("CryptographicParameters", [
        enumeration("HashingAlgorithm", ENUM.HashingAlgorithm.SHA_256),
        enumeration(
          "DigitalSignatureAlgorithm",
          ENUM.DigitalSignatureAlgorithm.SHA_256WithRSAEncryptionPKCS_1V1_5,
        ),
      ]),
      bytes("Data", patternBytes(100, 7)),
    ]),
  ]),
]);

const SIGN_RESPONSE = struct("ResponseMessage", [
  struct("ResponseHeader", [
    protocolVersion,
    { tag: TAG.TimeStamp, type: "DateTime", value: TIMESTAMP },
    int("BatchCount", 1),
  ]),
  struct("BatchItem", [
    enumeration("Operation", ENUM.Operation.Sign),
    enumeration("ResultStatus", ENUM.ResultStatus.Success),
    struct("ResponsePayload", [
      text("UniqueIdentifier", UNIQUE_ID),
      bytes("SignatureData", patternBytes(256, 11)),
    ]),
  ]),
]);

/** KMIP JSON object for one item (Additional Message Encodings v1.0, section 4.1.6). */
type KmipJson = { tag: string; type: string; value: KmipJson[] | string | number | boolean };

function enumName(tagName: string, value: number): string {
  const names = (ENUM as Record<string, Record<string, number>>)[tagName] ?? {};
  const found = Object.entries(names).find(([, v]) => v === value);
  return found?.[0] ?? `0x${value.toString(16).padStart(8, "0")}`;
}

function toKmipJson(item: TtlvItem): KmipJson {
  const tag = TAG_NAMES.get(item.tag) ?? `0x${item.tag.toString(16)}`;
  switch (item.type) {
    case "Structure":
      return { tag, type: item.type, value: item.value.map(toKmipJson) };
    case "Enumeration":
      return { tag, type: item.type, value: enumName(tag, item.value) };
    case "ByteString":
      return { tag, type: item.type, value: bytesToHex(item.value).toUpperCase() };
    case "DateTime":
      return { tag, type: item.type, value: new Date(Number(item.value) * 1000).toISOString() };
    case "LongInteger":
    case "BigInteger":
    case "DateTimeExtended":
      return { tag, type: item.type, value: `0x${item.value.toString(16)}` };
    default:
      return { tag, type: item.type, value: item.value };
  }
}

// ---- timing harness ----

const WARMUP_MS = 400;
const ROUND_MS = 250;
const ROUNDS = 9;
const BATCH = 200;

/** Keeps results observable so the JIT cannot drop the work. */
let sink = 0;

interface Case {
  readonly name: string;
  readonly run: () => number;
  readonly samples: number[];
}

function timeFor(run: () => number, ms: number): number {
  const deadline = process.hrtime.bigint() + BigInt(ms) * 1_000_000n;
  const start = process.hrtime.bigint();
  let ops = 0;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < BATCH; i++) sink += run();
    ops += BATCH;
    now = process.hrtime.bigint();
  }
  return (ops * 1e9) / Number(now - start);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? 0;
}

function measure(cases: readonly Case[]): void {
  for (const c of cases) timeFor(c.run, WARMUP_MS);
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of cases) c.samples.push(timeFor(c.run, ROUND_MS));
  }
}

function casesFor(label: string, item: TtlvItem): Case[] {
  const ttlv = encodeTtlv(item);
  const json = toKmipJson(item);
  const jsonText = JSON.stringify(json);
  console.log(`${label}: TTLV ${ttlv.length} bytes, KMIP JSON ${jsonText.length} chars`);
  return [
    { name: `${label} decodeTtlv`, run: () => decodeTtlv(ttlv).tag, samples: [] },
    {
      name: `${label} JSON.parse`,
      run: () => (JSON.parse(jsonText) as KmipJson).tag.length,
      samples: [],
    },
    { name: `${label} encodeTtlv`, run: () => encodeTtlv(item).length, samples: [] },
    { name: `${label} JSON.stringify`, run: () => JSON.stringify(json).length, samples: [] },
  ];
}

function report(cases: readonly Case[]): void {
  const rate = new Map(cases.map((c) => [c.name, median(c.samples)]));
  console.log("\n| operation | median ops/s | µs/op | spread (min-max ops/s) |");
  console.log("|---|---:|---:|---:|");
  for (const c of cases) {
    const m = rate.get(c.name) ?? 0;
    const spread = `${Math.round(Math.min(...c.samples))}-${Math.round(Math.max(...c.samples))}`;
    console.log(`| ${c.name} | ${Math.round(m)} | ${(1e6 / m).toFixed(2)} | ${spread} |`);
  }
  console.log("\n| message | decodeTtlv ÷ JSON.parse | encodeTtlv ÷ JSON.stringify |");
  console.log("|---|---:|---:|");
  for (const label of ["Sign request", "Sign response"]) {
    const r = (a: string, b: string): string =>
      ((rate.get(`${label} ${a}`) ?? 0) / (rate.get(`${label} ${b}`) ?? 1)).toFixed(2);
    console.log(
      `| ${label} | ${r("decodeTtlv", "JSON.parse")} | ${r("encodeTtlv", "JSON.stringify")} |`,
    );
  }
  console.log("\n(ratios of ops/s: above 1.00 means TTLV is faster)");
}

function main(): void {
  console.log(
    `node ${process.version}, ${ROUNDS} rounds of ${ROUND_MS} ms after ${WARMUP_MS} ms warm-up`,
  );
  const cases = [
    ...casesFor("Sign request", SIGN_REQUEST),
    ...casesFor("Sign response", SIGN_RESPONSE),
  ];
  measure(cases);
  report(cases);
  if (sink === 0) console.log("(sink)");
}

main();
