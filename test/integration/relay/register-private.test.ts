/**
 * Register of private keys over real TLS on SoftHSM2: RSA and P-256 private keys made by
 * node:crypto, registered in several formats, sign through the relay, and node:crypto's own
 * public key verifies the signatures. Get Attributes reports the usage mask asked for (not
 * SoftHSM2's default CKA_UNWRAP), and Get does not hand the private key out.
 */
import { constants, generateKeyPairSync, type KeyObject, verify } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm,
  HashingAlgorithm,
  KeyFormatType,
  ObjectType,
  Operation,
  PaddingMethod,
  RecommendedCurve,
  ResultStatus,
} from "../../../src/kmip/enums.js";
import { build, findChild } from "../../../src/kmip/item.js";
import { CryptographicUsageMask } from "../../../src/kmip/masks.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import { attr, getPayload, Session, signPayload, v1Attribute } from "./session.js";

let relay: TestRelay;
let session: Session;
beforeAll(async () => {
  relay = await startTestRelay({ workers: 1, logLevel: "trace" });
  session = await Session.open(relay);
});
afterAll(async () => {
  session?.close();
  await relay?.close();
});

const big = (s: string | undefined) =>
  BigInt(`0x${Buffer.from(s ?? "", "base64url").toString("hex")}`);

function material(key: KeyObject, format: number): TtlvItem {
  switch (format) {
    case KeyFormatType.PKCS_1:
      return build.byteString(Tag.KeyMaterial, key.export({ type: "pkcs1", format: "der" }));
    case KeyFormatType.ECPrivateKey:
      return build.byteString(Tag.KeyMaterial, key.export({ type: "sec1", format: "der" }));
    case KeyFormatType.TransparentRSAPrivateKey: {
      const jwk = key.export({ format: "jwk" });
      const parts = [
        [Tag.Modulus, jwk.n],
        [Tag.PrivateExponent, jwk.d],
        [Tag.PublicExponent, jwk.e],
        [Tag.P, jwk.p],
        [Tag.Q, jwk.q],
        [Tag.PrimeExponentP, jwk.dp],
        [Tag.PrimeExponentQ, jwk.dq],
        [Tag.CRTCoefficient, jwk.qi],
      ] as const;
      return build.structure(
        Tag.KeyMaterial,
        parts.map(([tag, value]) => build.bigInteger(tag, big(value))),
      );
    }
    case KeyFormatType.TransparentECPrivateKey:
      return build.structure(Tag.KeyMaterial, [
        build.enumeration(Tag.RecommendedCurve, RecommendedCurve.P_256),
        build.bigInteger(Tag.D, big(key.export({ format: "jwk" }).d)),
      ]);
    default:
      return build.byteString(Tag.KeyMaterial, key.export({ type: "pkcs8", format: "der" }));
  }
}

async function registerPrivate(key: KeyObject, format: number, name: string): Promise<string> {
  const object = build.structure(Tag.PrivateKey, [
    build.structure(Tag.KeyBlock, [
      build.enumeration(Tag.KeyFormatType, format),
      build.structure(Tag.KeyValue, [material(key, format)]),
    ]),
  ]);
  const attrs = [attr.name(name), attr.usage(CryptographicUsageMask.Sign)];
  const payload = await session.ok(Operation.Register, [
    build.enumeration(Tag.ObjectType, ObjectType.PrivateKey),
    build.structure(Tag.TemplateAttribute, attrs.map(v1Attribute)),
    object,
  ]);
  return findChild(payload, Tag.UniqueIdentifier)?.value as string;
}

describe("Register of a Private Key", () => {
  const data = Buffer.from("signed by a registered private key");
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const cases = [
    ["RSA-2048 as PKCS_1", rsa, KeyFormatType.PKCS_1],
    ["RSA-2048 as PKCS_8", rsa, KeyFormatType.PKCS_8],
    ["RSA-2048 as Transparent RSA Private Key", rsa, KeyFormatType.TransparentRSAPrivateKey],
    ["P-256 as PKCS_8", p256, KeyFormatType.PKCS_8],
    ["P-256 as EC Private Key (SEC1)", p256, KeyFormatType.ECPrivateKey],
    ["P-256 as Transparent EC Private Key", p256, KeyFormatType.TransparentECPrivateKey],
  ] as const;

  it.each(cases)("registers %s: it signs, node:crypto verifies", async (label, pair, format) => {
    const uid = await registerPrivate(pair.privateKey, format, `priv ${label}`);
    expect(uid).toMatch(/^[0-9A-F]{40}_priv$/);
    const signed = await session.ok(Operation.Sign, signPayload(uid, { data }));
    const signature = findChild(signed, Tag.SignatureData)?.value as Uint8Array;
    // RSA: PKCS#1 v1.5 with SHA-256 (the default); ECDSA: DER {r, s} over SHA-256.
    expect(verify("sha256", data, pair.publicKey, signature)).toBe(true);
    expect(verify("sha256", Buffer.from("other"), pair.publicKey, signature)).toBe(false);
  });

  it("registers Ed25519 as PKCS_8: it signs (pure EdDSA), node:crypto verifies", async () => {
    const ed = generateKeyPairSync("ed25519");
    const uid = await registerPrivate(ed.privateKey, KeyFormatType.PKCS_8, "priv Ed25519");
    const signed = await session.ok(Operation.Sign, signPayload(uid, { data }));
    const signature = findChild(signed, Tag.SignatureData)?.value as Uint8Array;
    expect(verify(null, data, ed.publicKey, signature)).toBe(true);
  });

  it("a key registered with Cryptographic Parameters PSS signs PSS when Sign names none", async () => {
    const object = build.structure(Tag.PrivateKey, [
      build.structure(Tag.KeyBlock, [
        build.enumeration(Tag.KeyFormatType, KeyFormatType.PKCS_1),
        build.structure(Tag.KeyValue, [material(rsa.privateKey, KeyFormatType.PKCS_1)]),
      ]),
    ]);
    const pss = build.structure(Tag.CryptographicParameters, [
      build.enumeration(Tag.PaddingMethod, PaddingMethod.PSS),
      build.enumeration(Tag.HashingAlgorithm, HashingAlgorithm.SHA_256),
    ]);
    const registered = await session.ok(
      Operation.Register,
      [
        build.enumeration(Tag.ObjectType, ObjectType.PrivateKey),
        build.structure(Tag.Attributes, [pss]),
        object,
      ],
      { major: 2, minor: 1 },
    );
    const uid = findChild(registered, Tag.UniqueIdentifier)?.value as string;
    const signed = await session.ok(Operation.Sign, signPayload(uid, { data }));
    const signature = findChild(signed, Tag.SignatureData)?.value as Uint8Array;
    const pssKey = { key: rsa.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
    expect(verify("sha256", data, pssKey, signature)).toBe(true);
    expect(verify("sha256", data, rsa.publicKey, signature)).toBe(false); // not PKCS#1 v1.5
  });

  it("reports the usage asked for, and keeps the private key on the token", async () => {
    const uid = await registerPrivate(rsa.privateKey, KeyFormatType.PKCS_1, "priv attrs");
    const attrs = await session.ok(
      Operation.GetAttributes,
      [build.textString(Tag.UniqueIdentifier, uid)],
      { major: 2, minor: 1 },
    );
    const all = findChild(attrs, Tag.Attributes)!;
    expect(findChild(all, Tag.ObjectType)?.value).toBe(ObjectType.PrivateKey);
    expect(findChild(all, Tag.CryptographicAlgorithm)?.value).toBe(CryptographicAlgorithm.RSA);
    expect(findChild(all, Tag.CryptographicUsageMask)?.value).toBe(CryptographicUsageMask.Sign);
    const got = await session.call(Operation.Get, getPayload(uid));
    expect(got.status).toBe(ResultStatus.OperationFailed);
  });

  it("refuses bad material without the key bytes reaching the answer or the log (trace level)", async () => {
    const jwk = rsa.privateKey.export({ format: "jwk" });
    const der = rsa.privateKey.export({ type: "pkcs1", format: "der" });
    const broken = Buffer.from(der.subarray(0, der.length - 40)); // truncated: does not parse
    const object = build.structure(Tag.PrivateKey, [
      build.structure(Tag.KeyBlock, [
        build.enumeration(Tag.KeyFormatType, KeyFormatType.PKCS_1),
        build.structure(Tag.KeyValue, [build.byteString(Tag.KeyMaterial, broken)]),
      ]),
    ]);
    const result = await session.call(Operation.Register, [
      build.enumeration(Tag.ObjectType, ObjectType.PrivateKey),
      build.structure(Tag.TemplateAttribute, []),
      object,
    ]);
    expect(result.message).toBe("Key Material is not a valid PKCS_1 private key");
    const logs = relay.logs.join("\n");
    expect(logs).toContain("Register"); // the operation was logged
    for (const secret of [
      Buffer.from(jwk.d ?? "", "base64url")
        .toString("hex")
        .slice(0, 32),
      (jwk.d ?? "").slice(0, 24),
      broken.toString("base64").slice(40, 80),
    ]) {
      expect(logs.toLowerCase()).not.toContain(secret.toLowerCase());
    }
  });
});
