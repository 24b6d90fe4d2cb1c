/**
 * Create Key Pair and Get over real TLS, for every algorithm the relay generates, in both
 * attribute forms (KMIP 1.x Template-Attribute, 2.x Attributes). Keys are parsed from the
 * Get response with node:crypto (test/helpers/keys.ts); labels and usage are read back with
 * pkcs11-tool, a program apart from the relay.
 */
import { type KeyObject, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm,
  KeyFormatType,
  Operation,
  RecommendedCurve,
  ResultReason,
  ResultStatus,
} from "../../../src/kmip/enums.js";
import { build, findChild } from "../../../src/kmip/item.js";
import { CryptographicUsageMask as Mask } from "../../../src/kmip/masks.js";
import type { ProtocolVersion } from "../../../src/kmip/messages.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { publicKeyFromGet, type SignatureScheme, signatureVerifies } from "../../helpers/keys.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import {
  type Attr,
  type AttrForm,
  attr,
  createKeyPairPayload,
  KEY_KINDS,
  Session,
  signPayload,
} from "./session.js";
import { findTokenObject } from "./token-objects.js";

let relay: TestRelay;
let session: Session;
beforeAll(async () => {
  relay = await startTestRelay({ workers: 2 });
  session = await Session.open(relay);
});
afterAll(async () => {
  session?.close();
  await relay?.close();
});

const V1_0: ProtocolVersion = { major: 1, minor: 0 };
const V1_2: ProtocolVersion = { major: 1, minor: 2 };
const V2_1: ProtocolVersion = { major: 2, minor: 1 };
const A = CryptographicAlgorithm;
const UID = /^([0-9A-F]{40})_(priv|pub)$/;

function getPayload(uid: string, format?: number): TtlvItem[] {
  return [
    build.textString(Tag.UniqueIdentifier, uid),
    ...(format === undefined ? [] : [build.enumeration(Tag.KeyFormatType, format)]),
  ];
}

const spkiOf = (key: KeyObject) => key.export({ type: "spki", format: "der" }).toString("hex");

/** What the generated public key must be. */
type Expected =
  | { type: "rsa"; bits: number }
  | { type: "ec"; curve: string; bits: number }
  | { type: "ed25519" };

function checkKey(key: KeyObject, expected: Expected): void {
  expect(key.asymmetricKeyType).toBe(expected.type);
  if (expected.type === "rsa") expect(key.asymmetricKeyDetails?.modulusLength).toBe(expected.bits);
  if (expected.type === "ec") expect(key.asymmetricKeyDetails?.namedCurve).toBe(expected.curve);
}

/** The key's default scheme (no Cryptographic Parameters): SHA-256, PKCS#1 v1.5 for RSA. */
const DEFAULT_SCHEME: Record<Expected["type"], SignatureScheme> = {
  rsa: { kind: "rsa-pkcs1", hash: "sha256" },
  ec: { kind: "ecdsa", hash: "sha256" },
  ed25519: { kind: "ed25519" },
};

/** Signs with the new private key and verifies against the key Get returned. */
async function expectSignsWith(
  privateUid: string,
  key: KeyObject,
  expected: Expected,
  version?: ProtocolVersion,
): Promise<void> {
  const message = randomBytes(48);
  const payload = await session.ok(
    Operation.Sign,
    signPayload(privateUid, { data: message }),
    version?.major === 2 ? version : undefined,
  );
  const signature = findChild(payload, Tag.SignatureData)?.value as Uint8Array;
  expect(signatureVerifies(key, DEFAULT_SCHEME[expected.type], message, signature)).toBe(true);
}

const KEY_BLOCK_ALGORITHM = { rsa: A.RSA, ec: A.ECDSA, ed25519: A.Ed25519 } as const;

interface Case {
  readonly title: string;
  readonly common: readonly Attr[];
  readonly form: AttrForm;
  readonly version: ProtocolVersion;
  readonly expected: Expected;
}

const P = RecommendedCurve;
const rsa = (bits: number): Expected => ({ type: "rsa", bits });
const ec = (curve: string, bits: number): Expected => ({ type: "ec", curve, bits });
const c = (title: string, common: readonly Attr[], form: AttrForm, expected: Expected): Case => ({
  title,
  common,
  form,
  // 1.x forms under 1.0 or 1.2 headers, 2.x forms under 2.1.
  version: form === "v2" ? V2_1 : title.startsWith("P-256") ? V1_0 : V1_2,
  expected,
});
const CASES: Case[] = [
  c("RSA 2048", KEY_KINDS.rsa2048, "v1", rsa(2048)),
  c("RSA 3072", KEY_KINDS.rsa3072, "v2", rsa(3072)),
  c("P-256 by length", [attr.algorithm(A.ECDSA), attr.length(256)], "v1", ec("prime256v1", 256)),
  c("P-256 by curve", [attr.algorithm(A.ECDSA), attr.curve(P.P_256)], "v2", ec("prime256v1", 256)),
  c("P-384 by length", [attr.algorithm(A.EC), attr.length(384)], "v2", ec("secp384r1", 384)),
  c("P-384 by curve", [attr.algorithm(A.ECDSA), attr.curve(P.P_384)], "v1", ec("secp384r1", 384)),
  c("P-521 by length", [attr.algorithm(A.ECDSA), attr.length(521)], "v1", ec("secp521r1", 521)),
  c("P-521 by curve", [attr.algorithm(A.EC), attr.curve(P.P_521)], "v2", ec("secp521r1", 521)),
  {
    ...c("Ed25519 under a 1.0 header", KEY_KINDS.ed25519, "v1", { type: "ed25519" }),
    version: V1_0,
  },
  c("Ed25519 in 2.x form", KEY_KINDS.ed25519, "v2", { type: "ed25519" }),
];

describe("Create Key Pair", () => {
  it.each(CASES)("$title ($form attributes) with names and usage masks", async (c) => {
    const label = `ckp ${c.title} ${c.form}`;
    const payload = await session.ok(
      Operation.CreateKeyPair,
      createKeyPairPayload(
        {
          common: c.common,
          private: [attr.name(`${label} priv`), attr.usage(Mask.Sign)],
          public: [attr.name(`${label} pub`), attr.usage(Mask.Verify)],
        },
        c.form,
      ),
      c.version,
    );
    const fields = (payload.value as TtlvItem[]).map((f) => f.tag);
    expect(fields).toEqual([Tag.PrivateKeyUniqueIdentifier, Tag.PublicKeyUniqueIdentifier]);
    const privateUid = findChild(payload, Tag.PrivateKeyUniqueIdentifier)?.value as string;
    const publicUid = findChild(payload, Tag.PublicKeyUniqueIdentifier)?.value as string;
    const [, privHex, privHalf] = UID.exec(privateUid) ?? [];
    const [, pubHex, pubHalf] = UID.exec(publicUid) ?? [];
    expect([privHalf, pubHalf]).toEqual(["priv", "pub"]);
    expect(privHex).toBe(pubHex);

    const got = publicKeyFromGet(await session.ok(Operation.Get, getPayload(publicUid), c.version));
    checkKey(got.key, c.expected);
    expect(got.algorithm).toBe(KEY_BLOCK_ALGORITHM[c.expected.type]);
    expect(got.length).toBe(c.expected.type === "ed25519" ? 256 : c.expected.bits);
    await expectSignsWith(privateUid, got.key, c.expected, c.version);

    const priv = findTokenObject(relay, privHex!, "Private Key Object");
    const pub = findTokenObject(relay, pubHex!, "Public Key Object");
    expect(priv?.label).toBe(`${label} priv`);
    expect(pub?.label).toBe(`${label} pub`);
    expect(priv?.usage).toContain("sign");
    expect(pub?.usage).toContain("verify");
  });

  it("generates RSA 4096 (the largest modulus accepted)", async () => {
    const { privateUid, publicUid } = await session.createKeyPair({
      common: [attr.algorithm(A.RSA), attr.length(4096)],
    });
    const got = publicKeyFromGet(await session.ok(Operation.Get, getPayload(publicUid)));
    checkKey(got.key, { type: "rsa", bits: 4096 });
    await expectSignsWith(privateUid, got.key, { type: "rsa", bits: 4096 });
  }, 60_000);

  it("refuses RSA 1024 with Invalid Field naming the accepted sizes", async () => {
    const result = await session.call(
      Operation.CreateKeyPair,
      createKeyPairPayload({ common: [attr.algorithm(A.RSA), attr.length(1024)] }, "v1"),
    );
    expect(result.status).toBe(ResultStatus.OperationFailed);
    expect(result.reason).toBe(ResultReason.InvalidField);
    expect(result.message).toMatch(/1024/);
    expect(result.message).toMatch(/2048/);
  });

  it("applies the Cryptographic Usage Mask: a private key without Sign cannot sign", async () => {
    const { privateUid } = await session.createKeyPair({
      common: KEY_KINDS.p256,
      private: [attr.usage(Mask.Decrypt)],
    });
    const hex = UID.exec(privateUid)![1]!;
    expect(findTokenObject(relay, hex, "Private Key Object")?.usage).not.toContain("sign");
    const result = await session.call(
      Operation.Sign,
      signPayload(privateUid, { data: Buffer.from("not allowed") }),
    );
    expect(result.status).toBe(ResultStatus.OperationFailed);
    expect(result.reason).toBe(ResultReason.PermissionDenied);
  });
});

describe("Get", () => {
  const uids: Record<"rsa" | "ec" | "ed", { privateUid: string; publicUid: string }> = {
    rsa: { privateUid: "", publicUid: "" },
    ec: { privateUid: "", publicUid: "" },
    ed: { privateUid: "", publicUid: "" },
  };
  beforeAll(async () => {
    uids.rsa = await session.createKeyPair({ common: KEY_KINDS.rsa2048 });
    uids.ec = await session.createKeyPair({ common: KEY_KINDS.p256 });
    uids.ed = await session.createKeyPair({ common: KEY_KINDS.ed25519 }, "v2");
  });

  async function getAll(uid: string, formats: (number | undefined)[]) {
    const out = [];
    for (const format of formats) {
      out.push(publicKeyFromGet(await session.ok(Operation.Get, getPayload(uid, format))));
    }
    return out;
  }

  it("returns an RSA public key as PKCS_1 by default and in every RSA format, the same key", async () => {
    const F = KeyFormatType;
    const formats = [undefined, F.PKCS_1, F.X_509, F.Raw, F.TransparentRSAPublicKey];
    const got = await getAll(uids.rsa.publicUid, formats);
    expect(got.map((g) => g.format)).toEqual([F.PKCS_1, ...formats.slice(1)]);
    expect(new Set(got.map((g) => spkiOf(g.key))).size).toBe(1);
    expect(got[3]?.material.type).toBe("ByteString"); // Raw holds the DER SubjectPublicKeyInfo
    checkKey(got[0]!.key, { type: "rsa", bits: 2048 });
  });

  it("returns an EC public key as Raw SPKI by default, and as X_509 and Transparent EC", async () => {
    const F = KeyFormatType;
    const formats = [
      undefined,
      F.Raw,
      F.X_509,
      F.TransparentECPublicKey,
      F.TransparentECDSAPublicKey,
    ];
    const got = await getAll(uids.ec.publicUid, formats);
    expect(got.map((g) => g.format)).toEqual([F.Raw, ...formats.slice(1)]);
    expect(new Set(got.map((g) => spkiOf(g.key))).size).toBe(1);
    const transparent = got[3]!.material;
    expect(findChild(transparent, Tag.RecommendedCurve)?.value).toBe(RecommendedCurve.P_256);
    expect((findChild(transparent, Tag.QString)?.value as Uint8Array | undefined)?.length).toBe(65);
    checkKey(got[0]!.key, { type: "ec", curve: "prime256v1", bits: 256 });
  });

  it("returns an Ed25519 public key as Raw SPKI by default and as X_509", async () => {
    const got = await getAll(uids.ed.publicUid, [undefined, KeyFormatType.X_509]);
    expect(got.map((g) => g.format)).toEqual([KeyFormatType.Raw, KeyFormatType.X_509]);
    expect(spkiOf(got[0]!.key)).toBe(spkiOf(got[1]!.key));
    checkKey(got[0]!.key, { type: "ed25519" });
  });

  it("refuses a format that does not fit the key with Key Format Type Not Supported", async () => {
    for (const [uid, format] of [
      [uids.rsa.publicUid, KeyFormatType.TransparentECPublicKey],
      [uids.ec.publicUid, KeyFormatType.PKCS_1],
      [uids.ed.publicUid, KeyFormatType.TransparentRSAPublicKey],
    ] as const) {
      const result = await session.call(Operation.Get, getPayload(uid, format));
      expect(result.reason, uid).toBe(ResultReason.KeyFormatTypeNotSupported);
    }
  });

  it("answers Permission Denied for every private key", async () => {
    for (const { privateUid } of Object.values(uids)) {
      const result = await session.call(Operation.Get, getPayload(privateUid));
      expect(result.status).toBe(ResultStatus.OperationFailed);
      expect(result.reason).toBe(ResultReason.PermissionDenied);
      expect(result.message).toMatch(/private key/);
    }
  });

  it("answers Item Not Found for unknown and malformed UIDs, and keeps serving", async () => {
    const unknown = "00".repeat(20);
    const uidsToTry = [
      `${unknown}_pub`,
      `${unknown}_priv`,
      unknown,
      "not-a-uid",
      "",
      "ABC_pub",
      "_priv",
      "é_pub",
      "x".repeat(5000),
    ];
    for (const uid of uidsToTry) {
      const result = await session.call(Operation.Get, getPayload(uid));
      expect(result.reason, uid.slice(0, 20)).toBe(ResultReason.ItemNotFound);
      expect(result.message?.length ?? 0).toBeLessThan(300);
    }
    const got = publicKeyFromGet(await session.ok(Operation.Get, getPayload(uids.ec.publicUid)));
    checkKey(got.key, { type: "ec", curve: "prime256v1", bits: 256 });
  });
});
