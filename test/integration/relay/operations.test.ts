/**
 * Create Key Pair over real TLS, for every algorithm the relay generates, in both attribute
 * forms (KMIP 1.x Template-Attribute, 2.x Attributes). Keys are parsed from the Get response
 * with node:crypto (test/helpers/keys.ts) and must verify a signature of their private key;
 * labels and usage are read back with pkcs11-tool, a program apart from the relay. Get in
 * every format: get.test.ts.
 */
import { type KeyObject, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm,
  Operation,
  RecommendedCurve,
  ResultReason,
  ResultStatus,
} from "../../../src/kmip/enums.js";
import { findChild } from "../../../src/kmip/item.js";
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
  getPayload,
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
