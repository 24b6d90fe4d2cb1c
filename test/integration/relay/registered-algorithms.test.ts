/**
 * Register (KMIP 1.4 section 4.3) of the key kinds the OASIS conformance cases bring (issue
 * #5), over TLS on SoftHSM2, every output checked with node:crypto: an AES-sized key
 * registered with Cryptographic Parameters {HMAC_SHA256} MACs as HMAC-SHA256 without
 * parameters (CS-AC-M-4..6); Signature Verify with SHA-1, also on a key registered for
 * RSA-PSS with SHA-256 (CS-AC-M-3); the Result Reason of a GCM Tag Length of 1 or 32 bytes
 * (CS-BC-M-GCM-1 step 7); secp256k1 key pairs (CS-AC-M-3-ECC): the relay's ECDSA signature
 * verifies in node:crypto, node:crypto's verifies through the relay and a changed one does not;
 * DSA public keys (BL-M-12): node:crypto's DSA signatures verify through the relay; DES3
 * keys (CS-BC-M-4-12-3DES): ECB and CBC ciphertexts equal node:crypto's and decrypt back.
 */
import {
  constants,
  createCipheriv,
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
  randomBytes,
} from "node:crypto";
import { describe, expect, it } from "vitest";
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
import { dsaKeyPair, dsaPublicParts } from "../../helpers/dsa-key.js";
import {
  bytesField,
  cipherParams,
  cipherPayload,
  decryptWith,
  encryptWith,
  macPayload,
  rawSymmetricKey,
} from "./cipher-requests.js";
import { relaySession } from "./relay-session.js";
import { attr, cryptoParams, getPayload } from "./session.js";

const fixture = relaySession({ workers: 1 });

const data = Buffer.from("conformance gaps, closed");

describe("an AES key registered with Cryptographic Parameters {HMAC_SHA256}", () => {
  it("MACs as HMAC-SHA256 of the 16-byte key (node:crypto) and verifies it, not a changed MAC", async () => {
    const key = randomBytes(16);
    const params = build.structure(Tag.CryptographicParameters, [
      build.enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.HMAC_SHA256),
    ]);
    const uid = await fixture.session.register(
      ObjectType.SymmetricKey,
      rawSymmetricKey(key, CryptographicAlgorithm.AES),
      [params],
    );
    const expected = createHmac("sha256", key).update(data).digest();
    const mac = await fixture.session.ok(Operation.MAC, macPayload(uid, data));
    expect(bytesField(mac, Tag.MACData)?.toString("hex")).toBe(expected.toString("hex"));
    const valid = await fixture.session.ok(Operation.MACVerify, macPayload(uid, data, expected));
    expect(findChild(valid, Tag.ValidityIndicator)?.value).toBe(ValidityIndicator.Valid);
    const changed = Buffer.from(expected);
    changed[5] = (changed[5] ?? 0) ^ 0x40;
    const invalid = await fixture.session.ok(Operation.MACVerify, macPayload(uid, data, changed));
    expect(findChild(invalid, Tag.ValidityIndicator)?.value).toBe(ValidityIndicator.Invalid);
  });

  it("gives the OASIS vector's MAC Data (CS-AC-M-4: c911e781...ecf9)", async () => {
    const key = Buffer.from("0123456789abcdef0123456789abcdef", "hex");
    const params = build.structure(Tag.CryptographicParameters, [
      build.enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.HMAC_SHA256),
    ]);
    const uid = await fixture.session.register(
      ObjectType.SymmetricKey,
      rawSymmetricKey(key, CryptographicAlgorithm.AES),
      [params],
    );
    const input = Buffer.from("01020304050607080910111213141516", "hex");
    const mac = await fixture.session.ok(Operation.MAC, macPayload(uid, input));
    expect(bytesField(mac, Tag.MACData)?.toString("hex")).toBe(
      "c911e78196d64c30f631bb079ea37b97a95936d4da764d6a171df030c895ecf9",
    );
  });
});

/** A Public Key object in X_509 (SubjectPublicKeyInfo) form. */
function x509PublicKey(key: KeyObject, algorithm: number): TtlvItem {
  return build.structure(Tag.PublicKey, [
    build.structure(Tag.KeyBlock, [
      build.enumeration(Tag.KeyFormatType, KeyFormatType.X_509),
      build.structure(Tag.KeyValue, [
        build.byteString(Tag.KeyMaterial, key.export({ type: "spki", format: "der" })),
      ]),
      build.enumeration(Tag.CryptographicAlgorithm, algorithm),
    ]),
  ]);
}

/** Signature Verify of `signature` over `data`: the Validity Indicator. */
async function verdict(uid: string, params: TtlvItem, signature: Uint8Array) {
  const payload = await fixture.session.ok(Operation.SignatureVerify, [
    build.textString(Tag.UniqueIdentifier, uid),
    params,
    build.byteString(Tag.Data, data),
    build.byteString(Tag.SignatureData, signature),
  ]);
  return findChild(payload, Tag.ValidityIndicator)?.value;
}

const flip = (bytes: Uint8Array, at: number): Buffer => {
  const out = Buffer.from(bytes);
  out[at] = (out[at] ?? 0) ^ 1;
  return out;
};

describe("Signature Verify with SHA-1 (RSA)", () => {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const A = CryptographicAlgorithm;
  const sha1Pkcs1 = cryptoParams({
    padding: PaddingMethod.PKCS1V1_5,
    hash: HashingAlgorithm.SHA_1,
    algorithm: A.RSA,
  });
  const sha1Pss = cryptoParams({
    padding: PaddingMethod.PSS,
    hash: HashingAlgorithm.SHA_1,
    algorithm: A.RSA,
  });

  it("verifies node:crypto's SHA-1 PKCS#1 v1.5 signature on the token; a changed one is Invalid", async () => {
    const uid = await fixture.session.register(
      ObjectType.PublicKey,
      x509PublicKey(rsa.publicKey, A.RSA),
    );
    const signature = nodeSign("sha1", data, rsa.privateKey);
    expect(await verdict(uid, sha1Pkcs1, signature)).toBe(ValidityIndicator.Valid);
    expect(await verdict(uid, sha1Pkcs1, flip(signature, 40))).toBe(ValidityIndicator.Invalid);
  });

  it("a key registered for PSS with SHA-256: SHA-1 PSS checks (Valid / Invalid), SHA-256's is Invalid as SHA-1", async () => {
    const pss256 = cryptoParams({
      padding: PaddingMethod.PSS,
      hash: HashingAlgorithm.SHA_256,
      algorithm: A.RSA,
    });
    const uid = await fixture.session.register(
      ObjectType.PublicKey,
      x509PublicKey(rsa.publicKey, A.RSA),
      [pss256],
    );
    const pss = (hash: string) =>
      nodeSign(hash, data, {
        key: rsa.privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_MAX_SIGN,
      });
    const sha1 = pss("sha1");
    expect(await verdict(uid, sha1Pss, sha1)).toBe(ValidityIndicator.Valid);
    expect(await verdict(uid, sha1Pss, flip(sha1, 7))).toBe(ValidityIndicator.Invalid);
    const sha256 = pss("sha256");
    expect(await verdict(uid, pss256, sha256)).toBe(ValidityIndicator.Valid);
    expect(await verdict(uid, sha1Pss, sha256)).toBe(ValidityIndicator.Invalid);
  });
});

describe("Encrypt with a GCM Tag Length no cipher takes", () => {
  it("is General Failure for KMIP 1.4 (as CS-BC-M-GCM-1 expects), naming the Tag Length", async () => {
    const uid = await fixture.session.register(
      ObjectType.SymmetricKey,
      rawSymmetricKey(randomBytes(16), CryptographicAlgorithm.AES),
    );
    for (const tagLength of [1, 32]) {
      const params = cipherParams({ mode: BlockCipherMode.GCM, tagLength });
      const result = await fixture.session.call(
        Operation.Encrypt,
        cipherPayload(uid, data, { params, iv: randomBytes(12) }),
        { major: 1, minor: 4 },
      );
      expect(result.reason).toBe(ResultReason.GeneralFailure);
      expect(result.message).toMatch(
        new RegExp(`Tag Length ${tagLength} bytes is not a GCM tag length`),
      );
    }
  });
});

describe("secp256k1 keys", () => {
  it("Register (SEC 1 private, X_509 public): Sign verifies in node:crypto; node:crypto's verifies here", async () => {
    const pair = generateKeyPairSync("ec", { namedCurve: "secp256k1" });
    const ec = CryptographicAlgorithm.EC;
    const privateUid = await fixture.session.register(
      ObjectType.PrivateKey,
      build.structure(Tag.PrivateKey, [
        build.structure(Tag.KeyBlock, [
          build.enumeration(Tag.KeyFormatType, KeyFormatType.ECPrivateKey),
          build.structure(Tag.KeyValue, [
            build.byteString(
              Tag.KeyMaterial,
              pair.privateKey.export({ type: "sec1", format: "der" }),
            ),
          ]),
          build.enumeration(Tag.CryptographicAlgorithm, ec),
          build.integer(Tag.CryptographicLength, 256),
        ]),
      ]),
    );
    const publicUid = await fixture.session.register(
      ObjectType.PublicKey,
      x509PublicKey(pair.publicKey, ec),
    );
    const signed = await fixture.session.ok(Operation.Sign, [
      build.textString(Tag.UniqueIdentifier, privateUid),
      build.byteString(Tag.Data, data),
    ]);
    const signature = bytesField(signed, Tag.SignatureData) ?? Buffer.alloc(0);
    const der = { key: pair.publicKey, dsaEncoding: "der" as const };
    expect(nodeVerify("sha256", data, der, signature)).toBe(true);
    const ecdsa = cryptoParams({
      algorithm: CryptographicAlgorithm.ECDSA,
      hash: HashingAlgorithm.SHA_256,
    });
    const theirs = nodeSign("sha256", data, { key: pair.privateKey, dsaEncoding: "der" });
    expect(await verdict(publicUid, ecdsa, theirs)).toBe(ValidityIndicator.Valid);
    const other = nodeSign("sha256", Buffer.from("something else"), pair.privateKey);
    expect(await verdict(publicUid, ecdsa, other)).toBe(ValidityIndicator.Invalid);
  });
});

describe("secp256k1 by Create Key Pair", () => {
  it("Recommended Curve SECP256K1: Sign's signature verifies with Get's X_509 public key", async () => {
    const { privateUid, publicUid } = await fixture.session.createKeyPair({
      common: [
        attr.algorithm(CryptographicAlgorithm.ECDSA),
        attr.curve(RecommendedCurve.SECP256K1),
      ],
    });
    const got = await fixture.session.ok(Operation.Get, getPayload(publicUid, KeyFormatType.X_509));
    const block = findChild(findChild(got, Tag.PublicKey) ?? got, Tag.KeyBlock);
    const value = findChild(block ?? got, Tag.KeyValue);
    const der = findChild(value ?? got, Tag.KeyMaterial)?.value as Uint8Array;
    const publicKey = createPublicKey({ key: Buffer.from(der), format: "der", type: "spki" });
    expect(publicKey.asymmetricKeyDetails?.namedCurve).toBe("secp256k1");
    const signed = await fixture.session.ok(Operation.Sign, [
      build.textString(Tag.UniqueIdentifier, privateUid),
      build.byteString(Tag.Data, data),
    ]);
    const signature = bytesField(signed, Tag.SignatureData) ?? Buffer.alloc(0);
    expect(nodeVerify("sha256", data, { key: publicKey, dsaEncoding: "der" }, signature)).toBe(
      true,
    );
  });
});

describe("DSA public keys", () => {
  it("Register (Transparent DSA Public Key): node:crypto's SHA-256 and SHA-1 signatures verify, changed ones do not", async () => {
    const pair = dsaKeyPair(2048, 256);
    const k = dsaPublicParts(pair.publicKey);
    const uid = await fixture.session.register(
      ObjectType.PublicKey,
      build.structure(Tag.PublicKey, [
        build.structure(Tag.KeyBlock, [
          build.enumeration(Tag.KeyFormatType, KeyFormatType.TransparentDSAPublicKey),
          build.structure(Tag.KeyValue, [
            build.structure(Tag.KeyMaterial, [
              build.bigInteger(Tag.P, k.p),
              build.bigInteger(Tag.Q, k.q),
              build.bigInteger(Tag.G, k.g),
              build.bigInteger(Tag.Y, k.y),
            ]),
          ]),
          build.enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.DSA),
          build.integer(Tag.CryptographicLength, 2048),
        ]),
      ]),
    );
    for (const [hash, kmip] of [
      ["sha256", HashingAlgorithm.SHA_256],
      ["sha1", HashingAlgorithm.SHA_1],
    ] as const) {
      const params = cryptoParams({ algorithm: CryptographicAlgorithm.DSA, hash: kmip });
      const signature = nodeSign(hash, data, { key: pair.privateKey, dsaEncoding: "der" });
      expect(await verdict(uid, params, signature)).toBe(ValidityIndicator.Valid);
      const other = nodeSign(hash, Buffer.from("not the data"), pair.privateKey);
      expect(await verdict(uid, params, other)).toBe(ValidityIndicator.Invalid);
    }
  });

  it("refuses the 512-bit DSA key of BL-M-12 with Invalid Field naming the sizes", async () => {
    const p = BigInt(
      "0xfca682ce8e12caba26efccf7110e526db078b05edecbcd1eb4a208f3ae1617ae01f35b91a47e6df63413c5e12ed0899bcd132acd50d99151bdc43ee737592e17",
    );
    const result = await fixture.session.call(
      Operation.Register,
      [
        build.enumeration(Tag.ObjectType, ObjectType.PublicKey),
        build.structure(Tag.Attributes, []),
        build.structure(Tag.PublicKey, [
          build.structure(Tag.KeyBlock, [
            build.enumeration(Tag.KeyFormatType, KeyFormatType.TransparentDSAPublicKey),
            build.structure(Tag.KeyValue, [
              build.structure(Tag.KeyMaterial, [
                build.bigInteger(Tag.P, p),
                build.bigInteger(Tag.Q, BigInt("0x962eddcc369cba8ebb260ee6b6a126d9346e38c5")),
                build.bigInteger(Tag.G, 2n),
                build.bigInteger(Tag.Y, 3n),
              ]),
            ]),
          ]),
        ]),
      ],
      { major: 2, minor: 1 },
    );
    expect(result.reason).toBe(ResultReason.InvalidField);
    expect(result.message).toMatch(/512-bit P and a 160-bit Q is not accepted/);
  });
});

describe("DES3 keys", () => {
  const des3 = (mode: number, padding?: number) =>
    build.structure(Tag.CryptographicParameters, [
      build.enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.DES3),
      build.enumeration(Tag.BlockCipherMode, mode),
      ...(padding === undefined ? [] : [build.enumeration(Tag.PaddingMethod, padding)]),
    ]);

  it("ECB: the OASIS vector's ciphertext (cead373d...), node:crypto's for a random key, and back", async () => {
    const vectorKey = Buffer.from("01".repeat(24), "hex");
    const uid = await fixture.session.register(
      ObjectType.SymmetricKey,
      rawSymmetricKey(vectorKey, CryptographicAlgorithm.DES3, 168),
    );
    const plain = Buffer.from("010203040506070809101112131415161718192021222324", "hex");
    const out = await encryptWith(fixture.session, uid, plain, {
      params: des3(BlockCipherMode.ECB),
    });
    expect(out.data.toString("hex")).toBe("cead373db80eabf87477d921e6d5a5d116c10e3814ebe004");
    const key = randomBytes(24);
    const random = await fixture.session.register(
      ObjectType.SymmetricKey,
      rawSymmetricKey(key, CryptographicAlgorithm.DES3, 168),
    );
    const ecb = createCipheriv("des-ede3", key, null).setAutoPadding(false);
    const expected = Buffer.concat([ecb.update(plain), ecb.final()]);
    const got = await encryptWith(fixture.session, random, plain, {
      params: des3(BlockCipherMode.ECB),
    });
    expect(got.data.equals(expected)).toBe(true);
    const params = des3(BlockCipherMode.ECB);
    expect((await decryptWith(fixture.session, random, expected, { params })).equals(plain)).toBe(
      true,
    );
  });

  it("CBC with PKCS5: node:crypto's ciphertext for the same IV; node:crypto's decrypts", async () => {
    const key = randomBytes(24);
    const uid = await fixture.session.register(
      ObjectType.SymmetricKey,
      rawSymmetricKey(key, CryptographicAlgorithm.DES3, 168),
    );
    const iv = randomBytes(8);
    const params = des3(BlockCipherMode.CBC, PaddingMethod.PKCS5);
    const out = await encryptWith(fixture.session, uid, data, { params, iv });
    const cbc = createCipheriv("des-ede3-cbc", key, iv);
    const expected = Buffer.concat([cbc.update(data), cbc.final()]);
    expect(out.data.equals(expected)).toBe(true);
    expect((await decryptWith(fixture.session, uid, expected, { params, iv })).equals(data)).toBe(
      true,
    );
  });
});
