/**
 * Create Key Pair + Get + Sign through the handlers on a fresh SoftHSM2 token; every
 * signature is verified with node:crypto against the public key that Get returned.
 */
import { constants, createHash, type KeyObject, verify } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm as A,
  DigitalSignatureAlgorithm as DSA,
  HashingAlgorithm as H,
  KeyFormatType,
  Operation,
  PaddingMethod as P,
  RecommendedCurve,
} from "../../../src/kmip/enums.js";
import { build } from "../../../src/kmip/item.js";
import { CryptographicUsageMask } from "../../../src/kmip/masks.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { SupervisedPkcs11Client } from "../../../src/pkcs11/supervisor.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { openTokenClient, type SoftHsmToken } from "../../helpers/softhsm.js";
import { call, fieldOf, keyBlockOf, keyObjectFromGet } from "./harness.js";

let hsm: SoftHsmToken;
let client: SupervisedPkcs11Client;
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ hsm, client, close } = await openTokenClient("ops-signing", "1234"));
});

afterAll(async () => {
  await close?.();
});

const run = (op: number, fields: TtlvItem[], version = { major: 1, minor: 2 }) =>
  call(client, hsm.label, op, fields, version);

/** KMIP 1.x Attribute{Attribute Name, Attribute Value}. */
function attr(name: string, value: TtlvItem): TtlvItem {
  return build.structure(Tag.Attribute, [
    build.textString(Tag.AttributeName, name),
    { ...value, tag: Tag.AttributeValue },
  ]);
}

/** Cascade's Create Key Pair request (1.x form). */
function cascadeCreate(algorithm: number, length: number, name: string): TtlvItem[] {
  const nameValue = (n: string) =>
    build.structure(Tag.Name, [
      build.textString(Tag.NameValue, n),
      build.enumeration(Tag.NameType, 1),
    ]);
  return [
    build.structure(Tag.CommonTemplateAttribute, [
      attr("Cryptographic Algorithm", build.enumeration(0, algorithm)),
      attr("Cryptographic Length", build.integer(0, length)),
    ]),
    build.structure(Tag.PrivateKeyTemplateAttribute, [
      attr("Name", nameValue(`${name}-priv`)),
      attr("Cryptographic Usage Mask", build.integer(0, CryptographicUsageMask.Sign)),
    ]),
    build.structure(Tag.PublicKeyTemplateAttribute, [
      attr("Name", nameValue(`${name}-pub`)),
      attr("Cryptographic Usage Mask", build.integer(0, CryptographicUsageMask.Verify)),
    ]),
  ];
}

async function createPair(fields: TtlvItem[], version = { major: 1, minor: 2 }) {
  const out = await run(Operation.CreateKeyPair, fields, version);
  return {
    priv: fieldOf(out, Tag.PrivateKeyUniqueIdentifier) as string,
    pub: fieldOf(out, Tag.PublicKeyUniqueIdentifier) as string,
  };
}

async function getKey(uid: string, format?: number) {
  const fields = [build.textString(Tag.UniqueIdentifier, uid)];
  if (format !== undefined) fields.push(build.enumeration(Tag.KeyFormatType, format));
  return run(Operation.Get, fields);
}

const MESSAGE = Buffer.from("example.nl. 3600 IN DNSKEY 257 3 8 AwEAAb...");

async function signWith(
  uid: string,
  extra: TtlvItem[],
  data: TtlvItem = build.byteString(Tag.Data, MESSAGE),
) {
  const out = await run(Operation.Sign, [
    build.textString(Tag.UniqueIdentifier, uid),
    ...extra,
    data,
  ]);
  expect(fieldOf(out, Tag.UniqueIdentifier)).toBe(uid);
  return Buffer.from(fieldOf(out, Tag.SignatureData) as Uint8Array);
}

const params = (...fields: TtlvItem[]) => build.structure(Tag.CryptographicParameters, fields);
const alg = (v: number) => build.enumeration(Tag.CryptographicAlgorithm, v);
const hash = (v: number) => build.enumeration(Tag.HashingAlgorithm, v);
const pad = (v: number) => build.enumeration(Tag.PaddingMethod, v);

const HASHES = [
  [H.SHA_256, "sha256", 32],
  [H.SHA_384, "sha384", 48],
  [H.SHA_512, "sha512", 64],
] as const;

describe("RSA-2048", () => {
  let uids: { priv: string; pub: string };
  let key: KeyObject;

  beforeAll(async () => {
    uids = await createPair(cascadeCreate(A.RSA, 2048, "rsa"));
    key = keyObjectFromGet(await getKey(uids.pub));
  });

  it("Create Key Pair returns UIDs of the incumbent's scheme sharing one CKA_ID", () => {
    expect(uids.priv).toMatch(/^[0-9A-F]{40}_priv$/);
    expect(uids.pub).toBe(uids.priv.replace(/_priv$/, "_pub"));
  });

  it("Get returns PKCS_1 by default, and the same key as X_509, Raw and Transparent", async () => {
    const byDefault = await getKey(uids.pub);
    const block = keyBlockOf(byDefault);
    expect(block.format).toBe(KeyFormatType.PKCS_1);
    expect(block.algorithm).toBe(A.RSA);
    expect(block.length).toBe(2048);
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    for (const format of [
      KeyFormatType.X_509,
      KeyFormatType.Raw,
      KeyFormatType.TransparentRSAPublicKey,
    ]) {
      const other = await getKey(uids.pub, format);
      expect(keyBlockOf(other).format).toBe(format);
      expect(keyObjectFromGet(other).equals(key)).toBe(true);
    }
  });

  it.each(HASHES)("signs PKCS#1 v1.5 with hash %i", async (h, node) => {
    const sig = await signWith(uids.priv, [params(alg(A.RSA), hash(h), pad(P.PKCS1V1_5))]);
    expect(verify(node, MESSAGE, key, sig)).toBe(true);
    expect(verify(node, Buffer.from("other"), key, sig)).toBe(false);
  });

  it.each(HASHES)("signs PSS with hash %i", async (h, node, saltLength) => {
    const sig = await signWith(uids.priv, [params(alg(A.RSA), hash(h), pad(P.PSS))]);
    const pss = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength };
    expect(verify(node, MESSAGE, pss, sig)).toBe(true);
  });

  it("signs without parameters (SHA-256, PKCS#1 v1.5) and with a Digital Signature Algorithm", async () => {
    expect(verify("sha256", MESSAGE, key, await signWith(uids.priv, []))).toBe(true);
    const dsa = build.enumeration(Tag.DigitalSignatureAlgorithm, DSA.SHA_512WithRSAEncryption);
    expect(verify("sha512", MESSAGE, key, await signWith(uids.priv, [params(dsa)]))).toBe(true);
  });

  it("signs Digested Data (CKM_RSA_PKCS over DigestInfo, and PSS)", async () => {
    const digest = createHash("sha384").update(MESSAGE).digest();
    const input = build.byteString(Tag.DigestedData, digest);
    const pkcs1 = await signWith(uids.priv, [params(alg(A.RSA), hash(H.SHA_384))], input);
    expect(verify("sha384", MESSAGE, key, pkcs1)).toBe(true);
    const pss = await signWith(uids.priv, [params(alg(A.RSA), hash(H.SHA_384), pad(P.PSS))], input);
    const opts = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 };
    expect(verify("sha384", MESSAGE, opts, pss)).toBe(true);
  });
});

describe("ECDSA", () => {
  it("P-256 (Cascade's request): Raw SPKI by default, DER signatures, Transparent EC", async () => {
    const uids = await createPair(cascadeCreate(A.ECDSA, 256, "p256"));
    const got = await getKey(uids.pub);
    const block = keyBlockOf(got);
    expect(block.format).toBe(KeyFormatType.Raw);
    expect(block.algorithm).toBe(A.ECDSA);
    expect(block.length).toBe(256);
    const key = keyObjectFromGet(got);
    expect(key.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    const transparent = await getKey(uids.pub, KeyFormatType.TransparentECPublicKey);
    expect(keyObjectFromGet(transparent).equals(key)).toBe(true);

    const sig = await signWith(uids.priv, [params(alg(A.ECDSA), hash(H.SHA_256))]);
    expect(sig[0]).toBe(0x30); // DER SEQUENCE{r, s}
    expect(verify("sha256", MESSAGE, { key, dsaEncoding: "der" }, sig)).toBe(true);
    const noParams = await signWith(uids.priv, []);
    expect(verify("sha256", MESSAGE, { key, dsaEncoding: "der" }, noParams)).toBe(true);
    const digest = createHash("sha256").update(MESSAGE).digest();
    const pre = await signWith(
      uids.priv,
      [params(alg(A.ECDSA))],
      build.byteString(Tag.DigestedData, digest),
    );
    expect(verify("sha256", MESSAGE, { key, dsaEncoding: "der" }, pre)).toBe(true);
  });

  it("P-384 (2.x form, Recommended Curve): signs with SHA-384", async () => {
    const uids = await createPair(
      [
        build.structure(Tag.CommonAttributes, [
          build.enumeration(Tag.CryptographicAlgorithm, A.EC),
          build.structure(Tag.CryptographicDomainParameters, [
            build.enumeration(Tag.RecommendedCurve, RecommendedCurve.P_384),
          ]),
        ]),
      ],
      { major: 2, minor: 1 },
    );
    const got = await getKey(uids.pub);
    expect(keyBlockOf(got).length).toBe(384);
    const key = keyObjectFromGet(got);
    expect(key.asymmetricKeyDetails?.namedCurve).toBe("secp384r1");
    const dsa = build.enumeration(Tag.DigitalSignatureAlgorithm, DSA.ECDSAWithSHA384);
    const sig = await signWith(uids.priv, [params(dsa)]);
    expect(verify("sha384", MESSAGE, { key, dsaEncoding: "der" }, sig)).toBe(true);
  });
});

describe("Ed25519", () => {
  it("creates, returns Raw SPKI, signs pure EdDSA", async () => {
    const uids = await createPair([
      build.structure(Tag.CommonTemplateAttribute, [
        attr("Cryptographic Algorithm", build.enumeration(0, A.Ed25519)),
      ]),
    ]);
    const got = await getKey(uids.pub);
    expect(keyBlockOf(got).algorithm).toBe(A.Ed25519);
    const key = keyObjectFromGet(got);
    expect(key.asymmetricKeyType).toBe("ed25519");
    const sig = await signWith(uids.priv, [params(alg(A.Ed25519))]);
    expect(sig).toHaveLength(64);
    expect(verify(null, MESSAGE, key, sig)).toBe(true);
    const noParams = await signWith(uids.priv, []);
    expect(verify(null, MESSAGE, key, noParams)).toBe(true);
  });
});
