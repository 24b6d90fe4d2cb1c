import { createHmac, generateKeyPairSync, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm as A,
  BlockCipherMode,
  KeyFormatType as F,
  ObjectType,
  RecommendedCurve,
  ResultReason,
} from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { CryptographicUsageMask as M } from "../../../src/kmip/masks.js";
import { Tag } from "../../../src/kmip/tags.js";
import { mechanismList } from "../../../src/operations/create.js";
import { register } from "../../../src/operations/register.js";
import { CKA, CKK, CKM, CKO } from "../../../src/pkcs11/constants.js";
import type { Attr } from "../../../src/pkcs11/types.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import {
  argsOf,
  contextFor,
  FakeClient,
  nameValue,
  payload,
  rejection,
  v1Attribute,
} from "./fake.js";

const b64 = (s: string | undefined) => new Uint8Array(Buffer.from(s ?? "", "base64url"));

function object(tag: number, format: number, material: TtlvItem, extra: TtlvItem[] = []): TtlvItem {
  return build.structure(tag, [
    build.structure(Tag.KeyBlock, [
      build.enumeration(Tag.KeyFormatType, format),
      build.structure(Tag.KeyValue, [material]),
      ...extra,
    ]),
  ]);
}

function request(
  objectType: number,
  obj: TtlvItem,
  attrs: TtlvItem[] = [],
  v2 = false,
): TtlvItem[] {
  const container = v2
    ? build.structure(Tag.Attributes, attrs)
    : build.structure(
        Tag.TemplateAttribute,
        attrs.map((a) => v1Attribute(a.tag === Tag.Name ? "Name" : attributeName(a.tag), a)),
      );
  return [build.enumeration(Tag.ObjectType, objectType), container, obj];
}

function attributeName(tag: number): string {
  const names: Record<number, string> = {
    [Tag.CryptographicUsageMask]: "Cryptographic Usage Mask",
    [Tag.CryptographicLength]: "Cryptographic Length",
    [Tag.CryptographicAlgorithm]: "Cryptographic Algorithm",
    [Tag.Sensitive]: "Sensitive",
    [Tag.Extractable]: "Extractable",
  };
  return names[tag] ?? "?";
}

async function run(fields: TtlvItem[]) {
  const client = new FakeClient();
  const result = await register.run(payload(...fields), contextFor(client));
  const template = argsOf(client, "createObject")[1] as Attr[];
  const uid = result.payload[0]?.value as string;
  return { template, uid, result };
}

const attrOf = (template: Attr[], type: number) => template.find((a) => a.type === type)?.value;

async function failure(fields: TtlvItem[]): Promise<KmipError> {
  const err = await rejection(() => run(fields));
  if (!(err instanceof KmipError)) throw err;
  return err;
}

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey;
const rsaJwk = rsa.export({ format: "jwk" });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey;
const ecJwk = ec.export({ format: "jwk" });
const ed = generateKeyPairSync("ed25519").publicKey;

describe("Register: public keys", () => {
  it("RSA PKCS_1 -> CKK_RSA with modulus and exponent, Name, default Verify, a fresh CKA_ID", async () => {
    const der = build.byteString(Tag.KeyMaterial, rsa.export({ type: "pkcs1", format: "der" }));
    const { template, uid } = await run(
      request(ObjectType.PublicKey, object(Tag.PublicKey, F.PKCS_1, der), [nameValue("imported")]),
    );
    const id = attrOf(template, CKA.ID) as Uint8Array;
    expect(id).toHaveLength(20);
    expect(uid).toBe(`${Buffer.from(id).toString("hex").toUpperCase()}_pub`);
    expect(template).toEqual([
      { type: CKA.CLASS, value: CKO.PUBLIC_KEY },
      { type: CKA.KEY_TYPE, value: CKK.RSA },
      { type: CKA.ID, value: id },
      { type: CKA.TOKEN, value: true },
      { type: CKA.LABEL, value: "imported" },
      { type: CKA.VERIFY, value: true },
      { type: CKA.ENCRYPT, value: false },
      { type: CKA.WRAP, value: false },
      { type: CKA.MODULUS, value: b64(rsaJwk.n) },
      { type: CKA.PUBLIC_EXPONENT, value: b64(rsaJwk.e) },
    ]);
  });

  it("Transparent RSA and X_509 give the same material; the usage mask sets CKA_ENCRYPT/CKA_WRAP", async () => {
    const transparent = build.structure(Tag.KeyMaterial, [
      build.bigInteger(Tag.Modulus, BigInt(`0x${Buffer.from(b64(rsaJwk.n)).toString("hex")}`)),
      build.bigInteger(Tag.PublicExponent, 65537n),
    ]);
    const mask = build.integer(Tag.CryptographicUsageMask, M.Encrypt | M.WrapKey);
    const a = await run(
      request(
        ObjectType.PublicKey,
        object(Tag.PublicKey, F.TransparentRSAPublicKey, transparent),
        [mask],
        true,
      ),
    );
    const spki = build.byteString(Tag.KeyMaterial, rsa.export({ type: "spki", format: "der" }));
    const b = await run(request(ObjectType.PublicKey, object(Tag.PublicKey, F.X_509, spki)));
    expect(attrOf(a.template, CKA.MODULUS)).toEqual(attrOf(b.template, CKA.MODULUS));
    expect(attrOf(a.template, CKA.VERIFY)).toBe(false);
    expect(attrOf(a.template, CKA.ENCRYPT)).toBe(true);
    expect(attrOf(a.template, CKA.WRAP)).toBe(true);
  });

  it("EC (Transparent EC, X_509) and Ed25519 -> CKA_EC_PARAMS and the point in an OCTET STRING", async () => {
    const q = new Uint8Array([4, ...b64(ecJwk.x), ...b64(ecJwk.y)]);
    const material = build.structure(Tag.KeyMaterial, [
      build.enumeration(Tag.RecommendedCurve, RecommendedCurve.P_256),
      build.byteString(Tag.QString, q),
    ]);
    const { template } = await run(
      request(ObjectType.PublicKey, object(Tag.PublicKey, F.TransparentECPublicKey, material)),
    );
    expect(attrOf(template, CKA.KEY_TYPE)).toBe(CKK.EC);
    expect(attrOf(template, CKA.EC_PARAMS)).toEqual(
      new Uint8Array(Buffer.from("06082a8648ce3d030107", "hex")),
    );
    expect(attrOf(template, CKA.EC_POINT)).toEqual(new Uint8Array([4, 65, ...q]));
    const edDer = build.byteString(Tag.KeyMaterial, ed.export({ type: "spki", format: "der" }));
    const edRun = await run(request(ObjectType.PublicKey, object(Tag.PublicKey, F.X_509, edDer)));
    expect(attrOf(edRun.template, CKA.KEY_TYPE)).toBe(CKK.EC_EDWARDS);
    expect(attrOf(edRun.template, CKA.EC_PARAMS)).toEqual(new Uint8Array([6, 3, 0x2b, 0x65, 0x70]));
    expect(attrOf(edRun.template, CKA.EC_POINT)).toEqual(
      new Uint8Array([4, 32, ...b64(ed.export({ format: "jwk" }).x)]),
    );
  });

  it("refuses material that does not parse, disagrees with the stated algorithm or length, or is too weak", async () => {
    const junk = await failure(
      request(
        ObjectType.PublicKey,
        object(Tag.PublicKey, F.X_509, build.byteString(Tag.KeyMaterial, new Uint8Array([1, 2]))),
      ),
    );
    expect(junk.reason).toBe(ResultReason.InvalidField);
    expect(junk.message).toMatch(/X_509/);
    const spki = build.byteString(Tag.KeyMaterial, ec.export({ type: "spki", format: "der" }));
    const wrongAlg = await failure(
      request(
        ObjectType.PublicKey,
        object(Tag.PublicKey, F.X_509, spki, [
          build.enumeration(Tag.CryptographicAlgorithm, A.RSA),
        ]),
      ),
    );
    expect(wrongAlg.message).toMatch(/Cryptographic Algorithm RSA does not match the P-256/);
    const wrongLength = await failure(
      request(ObjectType.PublicKey, object(Tag.PublicKey, F.X_509, spki), [
        build.integer(Tag.CryptographicLength, 384),
      ]),
    );
    expect(wrongLength.message).toMatch(/Cryptographic Length 384/);
    const small = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey;
    const weak = await failure(
      request(
        ObjectType.PublicKey,
        object(
          Tag.PublicKey,
          F.PKCS_1,
          build.byteString(Tag.KeyMaterial, small.export({ type: "pkcs1", format: "der" })),
        ),
      ),
    );
    expect(weak.message).toMatch(/1024 bits is not accepted/);
    const format = await failure(
      request(ObjectType.PublicKey, object(Tag.PublicKey, F.PKCS_8, spki)),
    );
    expect(format.reason).toBe(ResultReason.KeyFormatTypeNotSupported);
    const ecPkcs1 = await failure(
      request(ObjectType.PublicKey, object(Tag.PublicKey, F.PKCS_1, spki)),
    );
    expect(ecPkcs1.reason).toBe(ResultReason.InvalidField);
  });
});

describe("Register: Key Block errors", () => {
  it("names the field: wrapped material, a bare Key Value, a bad Q String, an unsupported curve", async () => {
    const spki = build.byteString(Tag.KeyMaterial, ec.export({ type: "spki", format: "der" }));
    const wrapped = await failure(
      request(
        ObjectType.PublicKey,
        object(Tag.PublicKey, F.X_509, spki, [build.structure(Tag.KeyWrappingData, [])]),
      ),
    );
    expect(wrapped.reason).toBe(ResultReason.FeatureNotSupported);
    expect(wrapped.message).toMatch(/Key Wrapping Data/);
    const bare = build.structure(Tag.PublicKey, [
      build.structure(Tag.KeyBlock, [
        build.enumeration(Tag.KeyFormatType, F.X_509),
        build.byteString(Tag.KeyValue, new Uint8Array([1])),
      ]),
    ]);
    const bareErr = await failure(request(ObjectType.PublicKey, bare));
    expect(bareErr.reason).toBe(ResultReason.InvalidField);
    expect(bareErr.message).toMatch(/Key Value/);
    const q = (curve: number, bytes: Uint8Array) =>
      build.structure(Tag.KeyMaterial, [
        build.enumeration(Tag.RecommendedCurve, curve),
        build.byteString(Tag.QString, bytes),
      ]);
    const short = await failure(
      request(
        ObjectType.PublicKey,
        object(
          Tag.PublicKey,
          F.TransparentECPublicKey,
          q(RecommendedCurve.P_256, new Uint8Array(33)),
        ),
      ),
    );
    expect(short.message).toMatch(/Q String/);
    const offCurve = new Uint8Array(65).fill(1);
    offCurve[0] = 4;
    const off = await failure(
      request(
        ObjectType.PublicKey,
        object(Tag.PublicKey, F.TransparentECPublicKey, q(RecommendedCurve.P_256, offCurve)),
      ),
    );
    expect(off.reason).toBe(ResultReason.InvalidField);
    const curve = await failure(
      request(
        ObjectType.PublicKey,
        object(
          Tag.PublicKey,
          F.TransparentECPublicKey,
          q(RecommendedCurve.P_192, new Uint8Array(49)),
        ),
      ),
    );
    expect(curve.reason).toBe(ResultReason.FeatureNotSupported);
    expect(curve.message).toMatch(/Recommended Curve P_192/);
  });
});

describe("Register: secret keys", () => {
  it("AES Raw -> CKK_AES with CKA_VALUE, sensitive and not extractable by default, _sec UID", async () => {
    const key = randomBytes(32);
    const obj = object(Tag.SymmetricKey, F.Raw, build.byteString(Tag.KeyMaterial, key), [
      build.enumeration(Tag.CryptographicAlgorithm, A.AES),
      build.integer(Tag.CryptographicLength, 256),
    ]);
    const { template, uid } = await run(request(ObjectType.SymmetricKey, obj));
    expect(uid).toMatch(/^[0-9A-F]{40}_sec$/);
    expect(attrOf(template, CKA.CLASS)).toBe(CKO.SECRET_KEY);
    expect(attrOf(template, CKA.KEY_TYPE)).toBe(CKK.AES);
    expect(attrOf(template, CKA.VALUE)).toEqual(new Uint8Array(key));
    expect(attrOf(template, CKA.SENSITIVE)).toBe(true);
    expect(attrOf(template, CKA.EXTRACTABLE)).toBe(false);
    expect(attrOf(template, CKA.ENCRYPT)).toBe(true);
    expect(attrOf(template, CKA.SIGN)).toBe(false);
    expect(template.some((a) => a.type === CKA.VALUE_LEN)).toBe(false);
  });

  it("HMAC (Transparent Symmetric Key) -> CKK_GENERIC_SECRET with its one allowed mechanism", async () => {
    const key = randomBytes(48);
    const obj = object(
      Tag.SymmetricKey,
      F.TransparentSymmetricKey,
      build.structure(Tag.KeyMaterial, [build.byteString(Tag.Key, key)]),
    );
    const attrs = [
      build.enumeration(Tag.CryptographicAlgorithm, A.HMAC_SHA384),
      build.boolean(Tag.Extractable, true),
    ];
    const { template } = await run(request(ObjectType.SymmetricKey, obj, attrs, true));
    expect(attrOf(template, CKA.KEY_TYPE)).toBe(CKK.GENERIC_SECRET);
    expect(attrOf(template, CKA.ALLOWED_MECHANISMS)).toEqual(mechanismList([CKM.SHA384_HMAC]));
    expect(attrOf(template, CKA.SIGN)).toBe(true);
    expect(attrOf(template, CKA.VERIFY)).toBe(true);
    expect(attrOf(template, CKA.EXTRACTABLE)).toBe(true);
  });

  it("AES with Cryptographic Parameters {HMAC_SHA256} -> CKK_GENERIC_SECRET kept to CKM_SHA256_HMAC", async () => {
    const key = randomBytes(16);
    const obj = object(Tag.SymmetricKey, F.Raw, build.byteString(Tag.KeyMaterial, key), [
      build.enumeration(Tag.CryptographicAlgorithm, A.AES),
      build.integer(Tag.CryptographicLength, 128),
    ]);
    const hmacParams = build.structure(Tag.CryptographicParameters, [
      build.enumeration(Tag.CryptographicAlgorithm, A.HMAC_SHA256),
    ]);
    const { template } = await run(request(ObjectType.SymmetricKey, obj, [hmacParams], true));
    expect(attrOf(template, CKA.KEY_TYPE)).toBe(CKK.GENERIC_SECRET);
    expect(attrOf(template, CKA.ALLOWED_MECHANISMS)).toEqual(mechanismList([CKM.SHA256_HMAC]));
    // Zero-padded to 32 bytes (SoftHSM2's HMAC-SHA256 minimum): the same HMAC key (RFC 2104).
    const stored = attrOf(template, CKA.VALUE) as Uint8Array;
    expect(stored).toEqual(new Uint8Array([...key, ...new Uint8Array(16)]));
    const data = randomBytes(40);
    expect(createHmac("sha256", stored).update(data).digest()).toEqual(
      createHmac("sha256", key).update(data).digest(),
    );
    // Without parameters naming an HMAC the key stays AES.
    const plain = await run(request(ObjectType.SymmetricKey, obj, [], true));
    expect(attrOf(plain.template, CKA.KEY_TYPE)).toBe(CKK.AES);
  });

  it("DES3: 24 bytes (168 bits) -> CKK_DES3; 16 bytes (112) stored as K1 K2 K1; a mode is kept", async () => {
    const three = randomBytes(24);
    const obj3 = object(Tag.SymmetricKey, F.Raw, build.byteString(Tag.KeyMaterial, three), [
      build.enumeration(Tag.CryptographicAlgorithm, A.DES3),
      build.integer(Tag.CryptographicLength, 168),
    ]);
    const { template } = await run(request(ObjectType.SymmetricKey, obj3));
    expect(attrOf(template, CKA.KEY_TYPE)).toBe(CKK.DES3);
    expect(attrOf(template, CKA.VALUE)).toEqual(new Uint8Array(three));
    expect(attrOf(template, CKA.ENCRYPT)).toBe(true);
    expect(attrOf(template, CKA.ALLOWED_MECHANISMS)).toBeUndefined();
    const two = randomBytes(16);
    const cbc = build.structure(Tag.CryptographicParameters, [
      build.enumeration(Tag.BlockCipherMode, BlockCipherMode.CBC),
    ]);
    const obj2 = object(Tag.SymmetricKey, F.Raw, build.byteString(Tag.KeyMaterial, two), [
      build.enumeration(Tag.CryptographicAlgorithm, A.DES3),
      build.integer(Tag.CryptographicLength, 112),
    ]);
    const kept = await run(request(ObjectType.SymmetricKey, obj2, [cbc], true));
    expect(attrOf(kept.template, CKA.VALUE)).toEqual(
      new Uint8Array([...two, ...two.subarray(0, 8)]),
    );
    expect(attrOf(kept.template, CKA.ALLOWED_MECHANISMS)).toEqual(
      mechanismList([CKM.DES3_CBC_PAD]),
    );
    const wrongLength = object(Tag.SymmetricKey, F.Raw, build.byteString(Tag.KeyMaterial, three), [
      build.enumeration(Tag.CryptographicAlgorithm, A.DES3),
      build.integer(Tag.CryptographicLength, 192),
    ]);
    const err = await failure(request(ObjectType.SymmetricKey, wrongLength));
    expect(err.reason).toBe(ResultReason.InvalidField);
    expect(err.message).toMatch(
      /Cryptographic Length 192 does not match the key material \(168 bits\)/,
    );
    const gcm = build.structure(Tag.CryptographicParameters, [
      build.enumeration(Tag.BlockCipherMode, BlockCipherMode.GCM),
    ]);
    const noGcm = await failure(request(ObjectType.SymmetricKey, obj3, [gcm], true));
    expect(noGcm.reason).toBe(ResultReason.FeatureNotSupported);
  });

  it("refuses wrong sizes, unknown algorithms and other object types, naming them", async () => {
    const raw = (n: number, alg?: number) =>
      object(
        Tag.SymmetricKey,
        F.Raw,
        build.byteString(Tag.KeyMaterial, randomBytes(n)),
        alg === undefined ? [] : [build.enumeration(Tag.CryptographicAlgorithm, alg)],
      );
    expect((await failure(request(ObjectType.SymmetricKey, raw(20, A.AES)))).message).toMatch(
      /AES key is 16, 24 or 32 bytes, not 20/,
    );
    expect((await failure(request(ObjectType.SymmetricKey, raw(16)))).reason).toBe(
      ResultReason.MissingData,
    );
    expect((await failure(request(ObjectType.SymmetricKey, raw(16, A.DSA)))).reason).toBe(
      ResultReason.FeatureNotSupported,
    );
    expect((await failure(request(ObjectType.SymmetricKey, raw(20, A.DES3)))).message).toMatch(
      /DES3 key is 16 or 24 bytes, not 20/,
    );
    expect(
      (await failure(request(ObjectType.SymmetricKey, raw(16, A.HMAC_SHA256)))).message,
    ).toMatch(/HMAC_SHA256 key of 16 bytes/);
    const cert = await failure(request(ObjectType.Certificate, raw(16)));
    expect(cert.reason).toBe(ResultReason.FeatureNotSupported);
    expect(cert.message).toMatch(/Certificate/);
    const missing = await failure([build.enumeration(Tag.ObjectType, ObjectType.PublicKey)]);
    expect(missing.reason).toBe(ResultReason.MissingData);
    expect(missing.message).toMatch(/Public Key/);
  });
});
