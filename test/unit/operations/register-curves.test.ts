/**
 * secp256k1 (SEC 2, OID 1.3.132.0.10) beside the NIST curves: Register of its public and
 * private keys (CKA_EC_PARAMS, point, private value) and Signature Verify of node:crypto's
 * ECDSA signature on it (r||s of 32-byte halves for C_Verify).
 */
import {
  createHash,
  generateKeyPairSync,
  sign as nodeSign,
  verify as nodeVerify,
} from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm as A,
  KeyFormatType as F,
  ObjectType,
  RecommendedCurve,
  ResultReason,
  ValidityIndicator,
} from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import {
  CURVE_KMIP_NAMES,
  CURVE_NAMES,
  curveByParams,
} from "../../../src/operations/algorithms.js";
import { register } from "../../../src/operations/register.js";
import { signatureVerify } from "../../../src/operations/signature-verify.js";
import { CKA, CKK, CKM } from "../../../src/pkcs11/constants.js";
import type { Attr } from "../../../src/pkcs11/types.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { argsOf, contextFor, FakeClient, field, payload, rejection, ulongBytes } from "./fake.js";

const SECP256K1_OID = new Uint8Array(Buffer.from("06052b8104000a", "hex"));
const pair = generateKeyPairSync("ec", { namedCurve: "secp256k1" });
const jwk = pair.publicKey.export({ format: "jwk" });
const b64 = (s: string | undefined) => new Uint8Array(Buffer.from(s ?? "", "base64url"));
const point = new Uint8Array([4, ...b64(jwk.x), ...b64(jwk.y)]);

function keyObject(tag: number, format: number, material: TtlvItem): TtlvItem {
  return build.structure(tag, [
    build.structure(Tag.KeyBlock, [
      build.enumeration(Tag.KeyFormatType, format),
      build.structure(Tag.KeyValue, [material]),
      build.enumeration(Tag.CryptographicAlgorithm, A.EC),
      build.integer(Tag.CryptographicLength, 256),
    ]),
  ]);
}

async function registered(objectType: number, object: TtlvItem): Promise<Attr[]> {
  const client = new FakeClient();
  await register.run(
    payload(
      build.enumeration(Tag.ObjectType, objectType),
      build.structure(Tag.Attributes, []),
      object,
    ),
    contextFor(client),
  );
  return argsOf(client, "createObject")[1] as Attr[];
}

const attrOf = (template: Attr[], type: number) => template.find((a) => a.type === type)?.value;

describe("secp256k1", () => {
  it("is tabled after the NIST curves, found by its CKA_EC_PARAMS, and named in refusals", () => {
    expect(curveByParams(SECP256K1_OID)?.name).toBe("secp256k1");
    expect(CURVE_NAMES).toBe("P-256, P-384, P-521, secp256k1");
    expect(CURVE_KMIP_NAMES).toBe("P_256, P_384, P_521, SECP256K1");
  });

  it("Register of an X_509 public key: CKK_EC, its OID, the point in an OCTET STRING", async () => {
    const spki = pair.publicKey.export({ type: "spki", format: "der" });
    const t = await registered(
      ObjectType.PublicKey,
      keyObject(Tag.PublicKey, F.X_509, build.byteString(Tag.KeyMaterial, spki)),
    );
    expect(attrOf(t, CKA.KEY_TYPE)).toBe(CKK.EC);
    expect(attrOf(t, CKA.EC_PARAMS)).toEqual(SECP256K1_OID);
    expect(attrOf(t, CKA.EC_POINT)).toEqual(new Uint8Array([0x04, 65, ...point]));
  });

  it("Register of a Transparent EC Public Key with Recommended Curve SECP256K1", async () => {
    const material = build.structure(Tag.KeyMaterial, [
      build.enumeration(Tag.RecommendedCurve, RecommendedCurve.SECP256K1),
      build.byteString(Tag.QString, point),
    ]);
    const t = await registered(
      ObjectType.PublicKey,
      keyObject(Tag.PublicKey, F.TransparentECPublicKey, material),
    );
    expect(attrOf(t, CKA.EC_PARAMS)).toEqual(SECP256K1_OID);
  });

  it("Register of an ECPrivateKey (SEC 1) private key: its OID and private value", async () => {
    const sec1 = pair.privateKey.export({ type: "sec1", format: "der" });
    const t = await registered(
      ObjectType.PrivateKey,
      keyObject(Tag.PrivateKey, F.ECPrivateKey, build.byteString(Tag.KeyMaterial, sec1)),
    );
    expect(attrOf(t, CKA.KEY_TYPE)).toBe(CKK.EC);
    expect(attrOf(t, CKA.EC_PARAMS)).toEqual(SECP256K1_OID);
    expect(attrOf(t, CKA.VALUE)).toEqual(b64(pair.privateKey.export({ format: "jwk" }).d));
  });

  it("refuses a curve still not tabled, listing the ones that are", async () => {
    const material = build.structure(Tag.KeyMaterial, [
      build.enumeration(Tag.RecommendedCurve, RecommendedCurve.P_192),
      build.byteString(Tag.QString, new Uint8Array(49)),
    ]);
    const err = await rejection(() =>
      registered(
        ObjectType.PublicKey,
        keyObject(Tag.PublicKey, F.TransparentECPublicKey, material),
      ),
    );
    expect(err).toBeInstanceOf(KmipError);
    expect((err as KmipError).reason).toBe(ResultReason.FeatureNotSupported);
    expect((err as KmipError).message).toMatch(
      /P_192 is not supported \(P_256, P_384, P_521, SECP256K1\)/,
    );
  });

  it("Signature Verify: SHA-256 of the message and r||s (32-byte halves) to C_Verify", async () => {
    const message = Buffer.from("on the Koblitz curve");
    const der = nodeSign("sha256", message, { key: pair.privateKey, dsaEncoding: "der" });
    const fake = new FakeClient({
      getAttributes: (_t, _r, types) =>
        new Map(
          types.map((t): [number, Uint8Array | null] => [
            t,
            t === CKA.KEY_TYPE ? ulongBytes(CKK.EC) : t === CKA.EC_PARAMS ? SECP256K1_OID : null,
          ]),
        ),
      verify: () => true,
    });
    const result = await signatureVerify.run(
      payload(
        build.textString(Tag.UniqueIdentifier, "CD_pub"),
        build.byteString(Tag.Data, message),
        build.byteString(Tag.SignatureData, der),
      ),
      contextFor(fake),
    );
    const [, , mechanism, data, signature] = argsOf(fake, "verify");
    expect(mechanism).toEqual({ type: CKM.ECDSA });
    expect(data).toEqual(new Uint8Array(createHash("sha256").update(message).digest()));
    expect((signature as Uint8Array).length).toBe(64);
    // What C_Verify got is the same signature as r||s (IEEE P1363).
    const p1363 = { key: pair.publicKey, dsaEncoding: "ieee-p1363" as const };
    expect(nodeVerify("sha256", message, p1363, signature as Uint8Array)).toBe(true);
    expect(field(result.payload, Tag.ValidityIndicator)?.value).toBe(ValidityIndicator.Valid);
  });
});
