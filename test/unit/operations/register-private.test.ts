import { createECDH, generateKeyPairSync, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm as A,
  KeyFormatType as F,
  HashingAlgorithm,
  ObjectType,
  PaddingMethod,
  RecommendedCurve,
  ResultReason,
} from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { CryptographicUsageMask as M } from "../../../src/kmip/masks.js";
import { Tag } from "../../../src/kmip/tags.js";
import { mechanismList } from "../../../src/operations/create.js";
import { register } from "../../../src/operations/register.js";
import { CKA, CKK, CKM, CKO, CKR } from "../../../src/pkcs11/constants.js";
import { Pkcs11Error } from "../../../src/pkcs11/errors.js";
import type { Attr } from "../../../src/pkcs11/types.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { argsOf, contextFor, FakeClient, nameValue, payload, rejection } from "./fake.js";

const b64 = (s: string | undefined) => new Uint8Array(Buffer.from(s ?? "", "base64url"));
const big = (s: string | undefined) =>
  BigInt(`0x${Buffer.from(s ?? "", "base64url").toString("hex")}`);
const attrOf = (template: Attr[], type: number) => template.find((a) => a.type === type)?.value;

function privateKey(format: number, material: TtlvItem): TtlvItem {
  return build.structure(Tag.PrivateKey, [
    build.structure(Tag.KeyBlock, [
      build.enumeration(Tag.KeyFormatType, format),
      build.structure(Tag.KeyValue, [material]),
    ]),
  ]);
}

function der(key: KeyObject, type: "pkcs1" | "pkcs8" | "sec1"): TtlvItem {
  return build.byteString(Tag.KeyMaterial, key.export({ format: "der", type }));
}

function request(obj: TtlvItem, attrs: TtlvItem[] = []): TtlvItem[] {
  return [
    build.enumeration(Tag.ObjectType, ObjectType.PrivateKey),
    build.structure(Tag.Attributes, attrs),
    obj,
  ];
}

async function run(fields: TtlvItem[], client = new FakeClient()) {
  const result = await register.run(payload(...fields), contextFor(client));
  const template = argsOf(client, "createObject")[1] as Attr[];
  return { template, uid: result.payload[0]?.value as string, client };
}

async function failure(fields: TtlvItem[]): Promise<KmipError> {
  const err = await rejection(() => run(fields));
  if (!(err instanceof KmipError)) throw err;
  return err;
}

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;

describe("Register of a Private Key", () => {
  it("RSA PKCS_1 -> CKO_PRIVATE_KEY, sensitive, not extractable, all CRT parts, _priv UID", async () => {
    const { template, uid } = await run(
      request(privateKey(F.PKCS_1, der(rsa, "pkcs1")), [nameValue("imported")]),
    );
    const jwk = rsa.export({ format: "jwk" });
    expect(uid).toMatch(/^[0-9A-F]{40}_priv$/);
    expect(
      Buffer.from(attrOf(template, CKA.ID) as Uint8Array)
        .toString("hex")
        .toUpperCase(),
    ).toBe(uid.slice(0, 40));
    expect(attrOf(template, CKA.CLASS)).toBe(CKO.PRIVATE_KEY);
    expect(attrOf(template, CKA.KEY_TYPE)).toBe(CKK.RSA);
    expect(attrOf(template, CKA.TOKEN)).toBe(true);
    expect(attrOf(template, CKA.PRIVATE)).toBe(true);
    expect(attrOf(template, CKA.SENSITIVE)).toBe(true);
    expect(attrOf(template, CKA.EXTRACTABLE)).toBe(false);
    expect(attrOf(template, CKA.LABEL)).toBe("imported");
    expect(attrOf(template, CKA.MODULUS)).toEqual(b64(jwk.n));
    expect(attrOf(template, CKA.PRIVATE_EXPONENT)).toEqual(b64(jwk.d));
    expect(attrOf(template, CKA.PRIME_1)).toEqual(b64(jwk.p));
    expect(attrOf(template, CKA.COEFFICIENT)).toEqual(b64(jwk.qi));
    expect(attrOf(template, CKA.SIGN)).toBe(true);
    for (const type of [CKA.DECRYPT, CKA.UNWRAP, CKA.DERIVE]) {
      expect(attrOf(template, type)).toBe(false);
    }
  });

  it("PKCS_8 and Transparent RSA Private Key give the same material; the mask sets Decrypt", async () => {
    const jwk = rsa.export({ format: "jwk" });
    const parts: [number, string | undefined][] = [
      [Tag.Modulus, jwk.n],
      [Tag.PrivateExponent, jwk.d],
      [Tag.PublicExponent, jwk.e],
      [Tag.P, jwk.p],
      [Tag.Q, jwk.q],
      [Tag.PrimeExponentP, jwk.dp],
      [Tag.PrimeExponentQ, jwk.dq],
      [Tag.CRTCoefficient, jwk.qi],
    ];
    const transparent = build.structure(
      Tag.KeyMaterial,
      parts.map(([tag, v]) => build.bigInteger(tag, big(v))),
    );
    const mask = build.integer(Tag.CryptographicUsageMask, M.Decrypt);
    const a = await run(request(privateKey(F.TransparentRSAPrivateKey, transparent), [mask]));
    const b = await run(request(privateKey(F.PKCS_8, der(rsa, "pkcs8"))));
    for (const type of [CKA.MODULUS, CKA.PRIVATE_EXPONENT, CKA.EXPONENT_2, CKA.PUBLIC_EXPONENT]) {
      expect(attrOf(a.template, type)).toEqual(attrOf(b.template, type));
    }
    expect(attrOf(a.template, CKA.DECRYPT)).toBe(true);
    expect(attrOf(a.template, CKA.SIGN)).toBe(false);
  });

  it("EC (PKCS_8, EC Private Key, Transparent EC) and Ed25519 -> CKA_EC_PARAMS and CKA_VALUE", async () => {
    const d = b64(p256.export({ format: "jwk" }).d);
    const forms = [
      privateKey(F.PKCS_8, der(p256, "pkcs8")),
      privateKey(F.ECPrivateKey, der(p256, "sec1")),
      privateKey(
        F.TransparentECPrivateKey,
        build.structure(Tag.KeyMaterial, [
          build.enumeration(Tag.RecommendedCurve, RecommendedCurve.P_256),
          build.bigInteger(Tag.D, BigInt(`0x${Buffer.from(d).toString("hex")}`)),
        ]),
      ),
    ];
    for (const form of forms) {
      const { template } = await run(
        request(form, [build.enumeration(Tag.CryptographicAlgorithm, A.ECDSA)]),
      );
      expect(attrOf(template, CKA.KEY_TYPE)).toBe(CKK.EC);
      expect(Buffer.from(attrOf(template, CKA.EC_PARAMS) as Uint8Array).toString("hex")).toBe(
        "06082a8648ce3d030107",
      );
      expect(attrOf(template, CKA.VALUE)).toEqual(d);
    }
    const ed = generateKeyPairSync("ed25519").privateKey;
    const { template } = await run(request(privateKey(F.PKCS_8, der(ed, "pkcs8"))));
    expect(attrOf(template, CKA.KEY_TYPE)).toBe(CKK.EC_EDWARDS);
    expect(attrOf(template, CKA.VALUE)).toEqual(b64(ed.export({ format: "jwk" }).d));
  });

  it("a Transparent EC D shorter than the field is left-padded (leading zero bytes)", async () => {
    const ecdh = createECDH("prime256v1");
    const d = Buffer.alloc(32);
    d[31] = 7;
    ecdh.setPrivateKey(d);
    const material = build.structure(Tag.KeyMaterial, [
      build.enumeration(Tag.RecommendedCurve, RecommendedCurve.P_256),
      build.bigInteger(Tag.D, 7n),
    ]);
    const { template } = await run(request(privateKey(F.TransparentECPrivateKey, material)));
    expect(attrOf(template, CKA.VALUE)).toEqual(new Uint8Array(d));
  });

  it("refuses bad material without quoting it, a stated algorithm that disagrees, other formats", async () => {
    const secret = Buffer.alloc(40, 0xab);
    const bad = await failure(
      request(privateKey(F.PKCS_8, build.byteString(Tag.KeyMaterial, secret))),
    );
    expect(bad.reason).toBe(ResultReason.InvalidField);
    expect(bad.message).toBe("Key Material is not a valid PKCS_8 private key");
    expect(bad.message).not.toMatch(/ab/i);
    const wrong = await failure(
      request(privateKey(F.PKCS_1, der(rsa, "pkcs1")), [
        build.enumeration(Tag.CryptographicAlgorithm, A.ECDSA),
      ]),
    );
    expect(wrong.message).toMatch(/does not match the RSA key material/);
    const raw = await failure(
      request(privateKey(F.Raw, build.byteString(Tag.KeyMaterial, secret))),
    );
    expect(raw.reason).toBe(ResultReason.KeyFormatTypeNotSupported);
    const small = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey;
    expect((await failure(request(privateKey(F.PKCS_1, der(small, "pkcs1"))))).message).toMatch(
      /1024 bits is not accepted/,
    );
  });

  it("records Cryptographic Parameters for signing as CKA_ALLOWED_MECHANISMS (Sign's default)", async () => {
    const params = (padding: number) =>
      build.structure(Tag.CryptographicParameters, [
        build.enumeration(Tag.PaddingMethod, padding),
        build.enumeration(Tag.HashingAlgorithm, HashingAlgorithm.SHA_256),
      ]);
    const pss = await run(
      request(privateKey(F.PKCS_1, der(rsa, "pkcs1")), [params(PaddingMethod.PSS)]),
    );
    expect(attrOf(pss.template, CKA.ALLOWED_MECHANISMS)).toEqual(
      mechanismList([CKM.SHA256_RSA_PKCS_PSS, CKM.RSA_PKCS_PSS]),
    );
    const none = await run(request(privateKey(F.PKCS_1, der(rsa, "pkcs1"))));
    expect(attrOf(none.template, CKA.ALLOWED_MECHANISMS)).toBeUndefined();
    const oaep = await run(
      request(privateKey(F.PKCS_1, der(rsa, "pkcs1")), [params(PaddingMethod.OAEP)]),
    );
    expect(attrOf(oaep.template, CKA.ALLOWED_MECHANISMS)).toBeUndefined();
  });

  it("retries once without the false usage values when the token refuses the template", async () => {
    let calls = 0;
    const client = new FakeClient({
      createObject: () => {
        calls += 1;
        if (calls === 1) throw new Pkcs11Error(CKR.ATTRIBUTE_VALUE_INVALID, "C_CreateObject");
      },
    });
    await run(request(privateKey(F.PKCS_1, der(rsa, "pkcs1"))), client);
    const second = argsOf(client, "createObject", 1)[1] as Attr[];
    expect(attrOf(second, CKA.UNWRAP)).toBeUndefined();
    expect(attrOf(second, CKA.DERIVE)).toBeUndefined();
    expect(attrOf(second, CKA.DECRYPT)).toBe(false);
    expect(attrOf(second, CKA.SENSITIVE)).toBe(true);
    const other = new FakeClient({
      createObject: () => {
        throw new Pkcs11Error(CKR.DEVICE_ERROR, "C_CreateObject");
      },
    });
    const err = await rejection(() => run(request(privateKey(F.PKCS_1, der(rsa, "pkcs1"))), other));
    expect(err).toBeInstanceOf(Pkcs11Error);
    expect(other.callsOf("createObject")).toHaveLength(1);
  });
});
