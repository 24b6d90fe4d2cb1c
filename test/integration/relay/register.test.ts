/**
 * Register over real TLS on SoftHSM2: public keys made by node:crypto in every accepted format
 * come back unchanged from Get and verify node:crypto's signatures with Signature Verify; an
 * AES key is registered sensitive and reported by Get Attributes.
 */
import {
  constants,
  createDecipheriv,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BlockCipherMode,
  CryptographicAlgorithm,
  HashingAlgorithm,
  KeyFormatType,
  ObjectType,
  Operation,
  PaddingMethod,
  RecommendedCurve,
  ResultReason,
  ValidityIndicator,
} from "../../../src/kmip/enums.js";
import { build, findChild } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { publicKeyFromGet } from "../../helpers/keys.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import { attr, cryptoParams, getPayload, Session, v1Attribute } from "./session.js";

let relay: TestRelay;
let session: Session;
beforeAll(async () => {
  relay = await startTestRelay({ workers: 1 });
  session = await Session.open(relay);
});
afterAll(async () => {
  session?.close();
  await relay?.close();
});

const b64 = (s: string | undefined) => Buffer.from(s ?? "", "base64url");
const big = (bytes: Buffer) => BigInt(`0x${bytes.toString("hex")}`);

function material(key: KeyObject, format: number): TtlvItem {
  const jwk = key.export({ format: "jwk" });
  switch (format) {
    case KeyFormatType.PKCS_1:
      return build.byteString(Tag.KeyMaterial, key.export({ type: "pkcs1", format: "der" }));
    case KeyFormatType.TransparentRSAPublicKey:
      return build.structure(Tag.KeyMaterial, [
        build.bigInteger(Tag.Modulus, big(b64(jwk.n))),
        build.bigInteger(Tag.PublicExponent, big(b64(jwk.e))),
      ]);
    case KeyFormatType.TransparentECPublicKey:
      return build.structure(Tag.KeyMaterial, [
        build.enumeration(Tag.RecommendedCurve, RecommendedCurve.P_384),
        build.byteString(Tag.QString, Buffer.concat([Buffer.from([4]), b64(jwk.x), b64(jwk.y)])),
      ]);
    default:
      return build.byteString(Tag.KeyMaterial, key.export({ type: "spki", format: "der" }));
  }
}

function registerPayload(objectType: number, object: TtlvItem, attrs = [attr.name("registered")]) {
  return [
    build.enumeration(Tag.ObjectType, objectType),
    build.structure(Tag.TemplateAttribute, attrs.map(v1Attribute)),
    object,
  ];
}

function keyBlock(tag: number, format: number, materialItem: TtlvItem, extra: TtlvItem[] = []) {
  return build.structure(tag, [
    build.structure(Tag.KeyBlock, [
      build.enumeration(Tag.KeyFormatType, format),
      build.structure(Tag.KeyValue, [materialItem]),
      ...extra,
    ]),
  ]);
}

async function registerPublic(key: KeyObject, format: number): Promise<string> {
  const object = keyBlock(Tag.PublicKey, format, material(key, format));
  const payload = await session.ok(
    Operation.Register,
    registerPayload(ObjectType.PublicKey, object),
  );
  return findChild(payload, Tag.UniqueIdentifier)?.value as string;
}

async function verify(uid: string, data: Buffer, signature: Buffer, params?: TtlvItem) {
  const fields = [
    build.textString(Tag.UniqueIdentifier, uid),
    ...(params === undefined ? [] : [params]),
    build.byteString(Tag.Data, data),
    build.byteString(Tag.SignatureData, signature),
  ];
  const payload = await session.ok(Operation.SignatureVerify, fields);
  return findChild(payload, Tag.ValidityIndicator)?.value;
}

const spki = (key: KeyObject) => key.export({ type: "spki", format: "der" }).toString("hex");

describe("Register", () => {
  const data = Buffer.from("registered keys verify node:crypto signatures");
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const ed = generateKeyPairSync("ed25519");
  const cases = [
    ["RSA as PKCS_1", rsa, KeyFormatType.PKCS_1, sign("sha256", data, rsa.privateKey), undefined],
    [
      "RSA as Transparent RSA",
      rsa,
      KeyFormatType.TransparentRSAPublicKey,
      sign("sha256", data, {
        key: rsa.privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      }),
      cryptoParams({ padding: PaddingMethod.PSS }),
    ],
    [
      "P-384 as X_509",
      ec,
      KeyFormatType.X_509,
      sign("sha384", data, ec.privateKey),
      cryptoParams({ algorithm: CryptographicAlgorithm.ECDSA, hash: HashingAlgorithm.SHA_384 }),
    ],
    [
      "P-384 as Transparent EC",
      ec,
      KeyFormatType.TransparentECPublicKey,
      sign("sha256", data, ec.privateKey),
      undefined,
    ],
    ["Ed25519 as X_509", ed, KeyFormatType.X_509, sign(null, data, ed.privateKey), undefined],
  ] as const;

  it.each(cases)(
    "registers %s: Get returns it, it verifies node:crypto's signature",
    async (_, pair, format, signature, params) => {
      const uid = await registerPublic(pair.publicKey, format);
      expect(uid).toMatch(/^[0-9A-F]{40}_pub$/);
      const got = publicKeyFromGet(await session.ok(Operation.Get, getPayload(uid)));
      expect(spki(got.key)).toBe(spki(pair.publicKey));
      expect(await verify(uid, data, signature, params)).toBe(ValidityIndicator.Valid);
      expect(await verify(uid, Buffer.from("other"), signature, params)).toBe(
        ValidityIndicator.Invalid,
      );
    },
  );

  it("refuses a length that contradicts the key material, naming it", async () => {
    const object = keyBlock(
      Tag.PublicKey,
      KeyFormatType.X_509,
      material(ec.publicKey, KeyFormatType.X_509),
    );
    const result = await session.call(
      Operation.Register,
      registerPayload(ObjectType.PublicKey, object, [attr.length(256)]),
    );
    expect(result.reason).toBe(ResultReason.InvalidField);
    expect(result.message).toMatch(/Cryptographic Length 256/);
  });

  it("registers an AES-256 key: sensitive, reported by Get Attributes and found by Locate", async () => {
    const aesKey = randomBytes(32);
    const object = keyBlock(
      Tag.SymmetricKey,
      KeyFormatType.Raw,
      build.byteString(Tag.KeyMaterial, aesKey),
      [
        build.enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.AES),
        build.integer(Tag.CryptographicLength, 256),
      ],
    );
    const payload = await session.ok(
      Operation.Register,
      registerPayload(ObjectType.SymmetricKey, object, [attr.name("aes-registered")]),
    );
    const uid = findChild(payload, Tag.UniqueIdentifier)?.value as string;
    expect(uid).toMatch(/_sec$/);
    const attrs = await session.ok(
      Operation.GetAttributes,
      [build.textString(Tag.UniqueIdentifier, uid)],
      { major: 2, minor: 1 },
    );
    const all = findChild(attrs, Tag.Attributes)!;
    expect(findChild(all, Tag.ObjectType)?.value).toBe(ObjectType.SymmetricKey);
    expect(findChild(all, Tag.CryptographicAlgorithm)?.value).toBe(CryptographicAlgorithm.AES);
    expect(findChild(all, Tag.CryptographicLength)?.value).toBe(256);
    const located = await session.ok(Operation.Locate, [v1Attribute(attr.name("aes-registered"))]);
    expect(findChild(located, Tag.UniqueIdentifier)?.value).toBe(uid);
    // The token holds the value node:crypto has: its CBC encryption decrypts here.
    const iv = randomBytes(16);
    const encrypted = await session.ok(Operation.Encrypt, [
      build.textString(Tag.UniqueIdentifier, uid),
      build.structure(Tag.CryptographicParameters, [
        build.enumeration(Tag.BlockCipherMode, BlockCipherMode.CBC),
      ]),
      build.byteString(Tag.Data, Buffer.from("registered AES")),
      build.byteString(Tag.IVCounterNonce, iv),
    ]);
    const ciphertext = findChild(encrypted, Tag.Data)?.value as Uint8Array;
    const decipher = createDecipheriv("aes-256-cbc", aesKey, iv);
    const plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    expect(plain.toString()).toBe("registered AES");
    const get = await session.call(Operation.Get, getPayload(uid));
    expect(get.reason).toBe(ResultReason.PermissionDenied); // sensitive, not extractable
  });
});
