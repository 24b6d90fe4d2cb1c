import { createPublicKey, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm,
  KeyFormatType,
  ObjectType,
  RecommendedCurve,
  ResultReason,
} from "../../../src/kmip/enums.js";
import type { KmipError } from "../../../src/kmip/errors.js";
import { build, findChild } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { get } from "../../../src/operations/get.js";
import { forgetPublicKey } from "../../../src/operations/public-key.js";
import { CKA, CKK, CKO } from "../../../src/pkcs11/constants.js";
import { ObjectNotFoundError } from "../../../src/pkcs11/errors.js";
import type { ObjectRef } from "../../../src/pkcs11/types.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import {
  argsOf,
  attrValues,
  contextFor,
  FakeClient,
  payload,
  rejection,
  ulongBytes,
} from "./fake.js";
import { ecKey, ed25519Key, rsaKey, type TokenKey } from "./keys.js";

const UID = "0A0B0C_pub";
/** One RSA key for the whole file (generation costs ~100 ms). */
const RSA = rsaKey(2048);

async function getKey(key: TokenKey, format?: number, extra: TtlvItem[] = []) {
  const client = new FakeClient({ getAttributes: () => key.attributes });
  const fields = [build.textString(Tag.UniqueIdentifier, UID), ...extra];
  if (format !== undefined) fields.push(build.enumeration(Tag.KeyFormatType, format));
  const result = await get.run(payload(...fields), contextFor(client));
  return { result, client };
}

function keyBlock(items: readonly TtlvItem[]) {
  const publicKey = items.find((i) => i.tag === Tag.PublicKey);
  const block = publicKey && findChild(publicKey, Tag.KeyBlock);
  if (block === undefined) throw new Error("no Key Block");
  const value = findChild(block, Tag.KeyValue);
  const material = value && findChild(value, Tag.KeyMaterial);
  if (material === undefined) throw new Error("no Key Material");
  return {
    format: findChild(block, Tag.KeyFormatType)?.value,
    algorithm: findChild(block, Tag.CryptographicAlgorithm)?.value,
    length: findChild(block, Tag.CryptographicLength)?.value,
    material,
  };
}

function bytes(item: TtlvItem): Buffer {
  if (item.type !== "ByteString") throw new Error(`expected ByteString, got ${item.type}`);
  return Buffer.from(item.value);
}

function sameKey(a: KeyObject, b: KeyObject): boolean {
  return a.equals(b);
}

function big(item: TtlvItem | undefined): string {
  if (item?.type !== "BigInteger") throw new Error("expected BigInteger");
  const hex = item.value.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, "hex").toString("base64url");
}

describe("Get", () => {
  it("reads the key's type, then only its kind's attributes, on the public key object", async () => {
    forgetPublicKey("tok", { id: new Uint8Array([10, 11, 12]), cls: CKO.PUBLIC_KEY });
    const key = RSA;
    const { client, result } = await getKey(key);
    const reads = client.callsOf("getAttributes").map((c) => c.args);
    expect(reads).toHaveLength(2);
    const [token, ref] = reads[0] as [string, ObjectRef];
    expect(token).toBe("tok");
    expect(ref).toEqual({ id: new Uint8Array([10, 11, 12]), cls: CKO.PUBLIC_KEY });
    expect(reads.map((r) => r[2])).toEqual([
      [CKA.KEY_TYPE],
      [CKA.KEY_TYPE, CKA.MODULUS, CKA.PUBLIC_EXPONENT],
    ]);
    expect(result.payload[0]).toEqual(build.enumeration(Tag.ObjectType, ObjectType.PublicKey));
    expect(result.payload[1]).toEqual(build.textString(Tag.UniqueIdentifier, UID));
  });

  it("reads a key it read before in one C_GetAttributeValue, and sees a changed key", async () => {
    const first = await getKey(RSA);
    const again = await getKey(RSA);
    expect(again.client.callsOf("getAttributes").map((c) => c.args[2])).toEqual([
      [CKA.KEY_TYPE, CKA.MODULUS, CKA.PUBLIC_EXPONENT],
    ]);
    expect(again.result).toEqual(first.result);
    // Another key under the same identifier (destroyed and re-made outside the relay).
    const other = ecKey("P-256");
    const block = keyBlock((await getKey(other)).result.payload);
    expect(block.algorithm).toBe(CryptographicAlgorithm.ECDSA);
    const parsed = createPublicKey({ key: bytes(block.material), format: "der", type: "spki" });
    expect(sameKey(parsed, other.publicKey)).toBe(true);
  });

  it("returns RSA as PKCS_1 by default, with algorithm and modulus length", async () => {
    const key = RSA;
    const block = keyBlock((await getKey(key)).result.payload);
    expect(block.format).toBe(KeyFormatType.PKCS_1);
    expect(block.algorithm).toBe(CryptographicAlgorithm.RSA);
    expect(block.length).toBe(2048);
    const parsed = createPublicKey({ key: bytes(block.material), format: "der", type: "pkcs1" });
    expect(sameKey(parsed, key.publicKey)).toBe(true);
  });

  it.each([
    ["P-256", 256],
    ["P-384", 384],
    ["P-521", 521],
  ] as const)("returns EC %s as Raw SubjectPublicKeyInfo by default", async (curve, bits) => {
    for (const wrapped of [true, false]) {
      const key = ecKey(curve, wrapped);
      const block = keyBlock((await getKey(key)).result.payload);
      expect(block.format).toBe(KeyFormatType.Raw);
      expect(block.algorithm).toBe(CryptographicAlgorithm.ECDSA);
      expect(block.length).toBe(bits);
      const parsed = createPublicKey({ key: bytes(block.material), format: "der", type: "spki" });
      expect(sameKey(parsed, key.publicKey)).toBe(true);
    }
  });

  it("returns Ed25519 as Raw SubjectPublicKeyInfo by default", async () => {
    const key = ed25519Key();
    const block = keyBlock((await getKey(key)).result.payload);
    expect(block.format).toBe(KeyFormatType.Raw);
    expect(block.algorithm).toBe(CryptographicAlgorithm.Ed25519);
    const parsed = createPublicKey({ key: bytes(block.material), format: "der", type: "spki" });
    expect(sameKey(parsed, key.publicKey)).toBe(true);
  });

  it("honours X_509 and Raw for RSA (SubjectPublicKeyInfo)", async () => {
    const key = RSA;
    for (const format of [KeyFormatType.X_509, KeyFormatType.Raw]) {
      const block = keyBlock((await getKey(key, format)).result.payload);
      expect(block.format).toBe(format);
      const parsed = createPublicKey({ key: bytes(block.material), format: "der", type: "spki" });
      expect(sameKey(parsed, key.publicKey)).toBe(true);
    }
  });

  it("honours Transparent RSA Public Key", async () => {
    const key = RSA;
    const block = keyBlock(
      (await getKey(key, KeyFormatType.TransparentRSAPublicKey)).result.payload,
    );
    expect(block.format).toBe(KeyFormatType.TransparentRSAPublicKey);
    const jwk = key.publicKey.export({ format: "jwk" });
    expect(big(findChild(block.material, Tag.Modulus))).toBe(jwk.n);
    expect(big(findChild(block.material, Tag.PublicExponent))).toBe(jwk.e);
  });

  it("honours Transparent EC Public Key", async () => {
    const key = ecKey("P-384");
    const block = keyBlock(
      (await getKey(key, KeyFormatType.TransparentECPublicKey)).result.payload,
    );
    expect(findChild(block.material, Tag.RecommendedCurve)?.value).toBe(RecommendedCurve.P_384);
    const q = bytes(findChild(block.material, Tag.QString) as TtlvItem);
    const jwk = key.publicKey.export({ format: "jwk" });
    expect(q.subarray(1, 49).toString("base64url")).toBe(jwk.x);
    expect(q[0]).toBe(4);
  });

  it.each([
    ["PKCS_1 for EC", () => ecKey("P-256"), KeyFormatType.PKCS_1],
    ["Transparent RSA for EC", () => ecKey("P-256"), KeyFormatType.TransparentRSAPublicKey],
    ["Transparent EC for RSA", () => RSA, KeyFormatType.TransparentECPublicKey],
    ["PKCS_8 for RSA", () => RSA, KeyFormatType.PKCS_8],
    ["PKCS_1 for Ed25519", () => ed25519Key(), KeyFormatType.PKCS_1],
  ])("refuses %s with Key Format Type Not Supported", async (_name, make, format) => {
    const err = await rejection(() => getKey(make(), format));
    expect((err as KmipError).reason).toBe(ResultReason.KeyFormatTypeNotSupported);
    expect((err as KmipError).message).toContain("Key Format Type");
  });

  it("refuses private keys with Permission Denied once it knows they exist", async () => {
    const client = new FakeClient({
      getAttributes: () => attrValues([[CKA.KEY_TYPE, ulongBytes(CKK.RSA)]]),
    });
    const req = payload(build.textString(Tag.UniqueIdentifier, "0A0B_priv"));
    const err = await rejection(() => get.run(req, contextFor(client)));
    expect((err as KmipError).reason).toBe(ResultReason.PermissionDenied);
    expect((argsOf(client, "getAttributes")[1] as ObjectRef).cls).toBe(CKO.PRIVATE_KEY);
  });

  it("lets Item Not Found through for a missing key (mapped by the error table)", async () => {
    const client = new FakeClient({
      getAttributes: () => {
        throw new ObjectNotFoundError();
      },
    });
    const req = payload(build.textString(Tag.UniqueIdentifier, "0A0B_pub"));
    expect(await rejection(() => get.run(req, contextFor(client)))).toBeInstanceOf(
      ObjectNotFoundError,
    );
  });

  it("answers Item Not Found for a UID of another scheme without calling PKCS#11", async () => {
    const client = new FakeClient();
    const req = payload(build.textString(Tag.UniqueIdentifier, "my-key-1"));
    const err = await rejection(() => get.run(req, contextFor(client)));
    expect((err as KmipError).reason).toBe(ResultReason.ItemNotFound);
    expect(client.calls).toHaveLength(0);
  });

  it("names a missing Unique Identifier", async () => {
    const err = await rejection(() => get.run(payload(), contextFor(new FakeClient())));
    expect((err as KmipError).reason).toBe(ResultReason.MissingData);
    expect((err as KmipError).message).toContain("Unique Identifier");
  });

  it("refuses key wrapping and compressed EC points", async () => {
    const wrap = build.structure(Tag.KeyWrappingSpecification, []);
    const err = await rejection(() => getKey(RSA, undefined, [wrap]));
    expect((err as KmipError).reason).toBe(ResultReason.FeatureNotSupported);
    const compressed = build.enumeration(Tag.KeyCompressionType, 2);
    const err2 = await rejection(() => getKey(ecKey("P-256"), undefined, [compressed]));
    expect((err2 as KmipError).reason).toBe(ResultReason.KeyCompressionTypeNotSupported);
  });

  it("reports a malformed CKA_EC_POINT as General Failure", async () => {
    const key = ecKey("P-256");
    const broken = new Map(key.attributes);
    broken.set(CKA.EC_POINT, new Uint8Array(10));
    const err = await rejection(() => getKey({ ...key, attributes: broken }));
    expect((err as KmipError).reason).toBe(ResultReason.GeneralFailure);
    expect((err as KmipError).message).toContain("CKA_EC_POINT");
  });
});
