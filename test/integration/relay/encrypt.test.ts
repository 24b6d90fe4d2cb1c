/**
 * Encrypt and Decrypt over real TLS on SoftHSM2 (KMIP 1.4 sections 4.29-4.30): AES-GCM with
 * additional data and AES-CBC round trips, generated IVs returned, tampering refused with
 * Cryptographic Failure; ciphertexts checked both ways with node:crypto on an exportable key;
 * RSA-OAEP ciphertexts made by node:crypto with the public key from Get decrypted by the
 * relay.
 */
import { constants, createCipheriv, createDecipheriv, publicEncrypt } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BlockCipherMode,
  HashingAlgorithm,
  Operation,
  PaddingMethod,
  ResultReason,
} from "../../../src/kmip/enums.js";
import { CryptographicUsageMask } from "../../../src/kmip/masks.js";
import { Tag } from "../../../src/kmip/tags.js";
import { publicKeyFromGet } from "../../helpers/keys.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import {
  bytesField,
  CBC,
  cipherParams,
  cipherPayload,
  createSecret,
  decryptWith,
  EXPORTABLE,
  encryptWith,
  GCM,
  keyBytesOf,
  SECRET_KINDS,
} from "./cipher-requests.js";
import { attr, getPayload, KEY_KINDS, Session } from "./session.js";

let relay: TestRelay;
let session: Session;
const uids = { aes128: "", aes256: "", exportable: "" };
let exportedKey: Buffer;
beforeAll(async () => {
  relay = await startTestRelay({ workers: 2 });
  session = await Session.open(relay);
  uids.aes128 = await createSecret(session, SECRET_KINDS.aes128);
  uids.aes256 = await createSecret(session, SECRET_KINDS.aes256, "v2");
  uids.exportable = await createSecret(session, [...SECRET_KINDS.aes256, ...EXPORTABLE]);
  exportedKey = await keyBytesOf(session, uids.exportable);
});
afterAll(async () => {
  session?.close();
  await relay?.close();
});

const plain = Buffer.from("The quick brown fox jumps over the lazy dog, twice over.");
const aad = Buffer.from("header: v1");

describe("Encrypt / Decrypt with AES-GCM", () => {
  it.each(["aes128", "aes256"] as const)("round-trips with additional data (%s)", async (k) => {
    const out = await encryptWith(session, uids[k], plain, { params: GCM, aad });
    expect(out.iv?.length).toBe(12); // generated: returned
    expect(out.tag?.length).toBe(16);
    expect(out.data.length).toBe(plain.length);
    expect(out.data.equals(plain)).toBe(false);
    const back = await decryptWith(session, uids[k], out.data, { params: GCM, aad, ...ivTag(out) });
    expect(back.equals(plain)).toBe(true);
  });

  it("uses a given IV (not returned) and a Tag Length of 12", async () => {
    const params = cipherParams({ mode: BlockCipherMode.GCM, tagLength: 12 });
    const iv = Buffer.alloc(12, 3);
    const out = await encryptWith(session, uids.aes128, plain, { params, iv });
    expect(out.iv).toBeUndefined();
    expect(out.tag?.length).toBe(12);
    const back = await decryptWith(session, uids.aes128, out.data, { params, iv, ...ivTag(out) });
    expect(back.equals(plain)).toBe(true);
  });

  it("refuses a tampered tag, ciphertext or additional data with Cryptographic Failure", async () => {
    const out = await encryptWith(session, uids.aes256, plain, { params: GCM, aad });
    const flip = (b: Buffer) => Buffer.from(b.map((x, i) => (i === 0 ? x ^ 1 : x)));
    const attempts = [
      { data: out.data, aad, iv: out.iv, tag: flip(out.tag ?? Buffer.alloc(16)) },
      { data: flip(out.data), aad, iv: out.iv, tag: out.tag },
      { data: out.data, aad: Buffer.from("header: v2"), iv: out.iv, tag: out.tag },
    ];
    for (const { data, ...rest } of attempts) {
      const result = await session.call(
        Operation.Decrypt,
        cipherPayload(uids.aes256, data, { params: GCM, ...defined(rest) }),
      );
      expect(result.reason).toBe(ResultReason.CryptographicFailure);
      expect(result.message).toMatch(/Authenticated Encryption Tag does not match/);
    }
  });

  it("requires the tag and IV to decrypt", async () => {
    const out = await encryptWith(session, uids.aes128, plain, { params: GCM });
    const noTag = await session.call(
      Operation.Decrypt,
      cipherPayload(uids.aes128, out.data, { params: GCM, ...defined({ iv: out.iv }) }),
    );
    expect(noTag.reason).toBe(ResultReason.MissingData);
    expect(noTag.message).toMatch(/Authenticated Encryption Tag/);
    const noIv = await session.call(
      Operation.Decrypt,
      cipherPayload(uids.aes128, out.data, { params: GCM, ...defined({ tag: out.tag }) }),
    );
    expect(noIv.reason).toBe(ResultReason.InvalidMessage);
    expect(noIv.message).toMatch(/IV\/Counter\/Nonce/);
  });

  it("matches node:crypto both ways on an exportable key", async () => {
    const out = await encryptWith(session, uids.exportable, plain, { params: GCM, aad });
    const decipher = createDecipheriv("aes-256-gcm", exportedKey, out.iv ?? Buffer.alloc(0));
    decipher.setAAD(aad);
    decipher.setAuthTag(out.tag ?? Buffer.alloc(0));
    expect(Buffer.concat([decipher.update(out.data), decipher.final()]).equals(plain)).toBe(true);

    const iv = Buffer.alloc(12, 9);
    const cipher = createCipheriv("aes-256-gcm", exportedKey, iv).setAAD(aad);
    const data = Buffer.concat([cipher.update(plain), cipher.final()]);
    const tag = cipher.getAuthTag();
    const back = await decryptWith(session, uids.exportable, data, { params: GCM, aad, iv, tag });
    expect(back.equals(plain)).toBe(true);
  });
});

describe("Encrypt / Decrypt with AES-CBC (PKCS#5 padding)", () => {
  it("round-trips every length around a block, with a generated 16-byte IV", async () => {
    for (const length of [1, 15, 16, 17, 32]) {
      const data = plain.subarray(0, length);
      const out = await encryptWith(session, uids.aes128, data, { params: CBC });
      expect(out.iv?.length).toBe(16);
      expect(out.tag).toBeUndefined();
      expect(out.data.length).toBe((Math.floor(length / 16) + 1) * 16);
      const back = await decryptWith(session, uids.aes128, out.data, {
        params: CBC,
        ...ivTag(out),
      });
      expect(back.equals(data), `length ${length}`).toBe(true);
    }
  });

  it("matches node:crypto both ways on an exportable key", async () => {
    const iv = Buffer.alloc(16, 5);
    const out = await encryptWith(session, uids.exportable, plain, { params: CBC, iv });
    expect(out.iv).toBeUndefined();
    const expected = createCipheriv("aes-256-cbc", exportedKey, iv);
    expect(out.data.equals(Buffer.concat([expected.update(plain), expected.final()]))).toBe(true);
    const theirs = createCipheriv("aes-256-cbc", exportedKey, iv);
    const data = Buffer.concat([theirs.update(plain), theirs.final()]);
    const back = await decryptWith(session, uids.exportable, data, { params: CBC, iv });
    expect(back.equals(plain)).toBe(true);
  });

  it("answers Cryptographic Failure when the padding comes out wrong", async () => {
    const iv = Buffer.alloc(16, 5);
    const out = await encryptWith(session, uids.exportable, plain, { params: CBC, iv });
    // A wrong IV only changes the first block; a wrong last byte breaks the padding check.
    const bad = Buffer.from(out.data);
    bad[bad.length - 17] = (bad[bad.length - 17] ?? 0) ^ 0xff;
    const decipher = createDecipheriv("aes-256-cbc", exportedKey, iv);
    expect(() => Buffer.concat([decipher.update(bad), decipher.final()])).toThrow();
    const result = await session.call(
      Operation.Decrypt,
      cipherPayload(uids.exportable, bad, { params: CBC, iv }),
    );
    expect(result.reason).toBe(ResultReason.CryptographicFailure);
    expect(result.message).toMatch(/padding/);
  });

  it("names the field that is wrong", async () => {
    const CBC_NONE = cipherParams({ mode: BlockCipherMode.CBC, padding: PaddingMethod.None });
    const cases = [
      [cipherPayload(uids.aes128, plain, {}), ResultReason.MissingData, /Block Cipher Mode/],
      [
        cipherPayload(uids.aes128, Buffer.alloc(15), { params: CBC_NONE }),
        ResultReason.InvalidField,
        /not a whole number of 16-byte blocks/,
      ],
      [
        cipherPayload(uids.aes128, plain, { params: CBC, aad }),
        ResultReason.InvalidField,
        /Additional Data/,
      ],
      [
        cipherPayload(uids.aes128, plain, { params: CBC, iv: Buffer.alloc(8) }),
        ResultReason.InvalidField,
        /8 bytes/,
      ],
      [
        cipherPayload(uids.aes128, plain, { params: cipherParams({ mode: BlockCipherMode.CTR }) }),
        ResultReason.FeatureNotSupported,
        /CTR/,
      ],
    ] as const;
    for (const [payload, reason, message] of cases) {
      const result = await session.call(Operation.Encrypt, payload);
      expect(result.reason, String(message)).toBe(reason);
      expect(result.message).toMatch(message);
    }
  });
});

describe("Decrypt with RSA-OAEP", () => {
  let pair: { privateUid: string; publicUid: string };
  beforeAll(async () => {
    const usage = attr.usage(CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt);
    pair = await session.createKeyPair({ common: [...KEY_KINDS.rsa2048, usage] });
  });

  async function nodeEncrypt(oaepHash: string, data: Buffer): Promise<Buffer> {
    const { key } = publicKeyFromGet(await session.ok(Operation.Get, getPayload(pair.publicUid)));
    return publicEncrypt({ key, oaepHash, padding: constants.RSA_PKCS1_OAEP_PADDING }, data);
  }

  it("decrypts what node:crypto encrypted with the public key from Get (OAEP SHA-1)", async () => {
    const secret = Buffer.from("wrapped secret value");
    const params = cipherParams({ padding: PaddingMethod.OAEP, hash: HashingAlgorithm.SHA_1 });
    const data = await nodeEncrypt("sha1", secret);
    const back = await decryptWith(session, pair.privateUid, data, { params });
    expect(back.equals(secret)).toBe(true);
  });

  it("decrypts OAEP SHA-256 or says the token does not support it (SoftHSM2 2.6: SHA-1 only)", async () => {
    const secret = Buffer.from("sha-256 secret");
    const params = cipherParams({ padding: PaddingMethod.OAEP, hash: HashingAlgorithm.SHA_256 });
    const data = await nodeEncrypt("sha256", secret);
    const result = await session.call(
      Operation.Decrypt,
      cipherPayload(pair.privateUid, data, { params }),
    );
    if (result.reason === undefined) {
      expect(bytesField(result.payload, Tag.Data)?.equals(secret)).toBe(true);
    } else {
      expect(result.reason).toBe(ResultReason.FeatureNotSupported);
      expect(result.message).toMatch(/RSA OAEP with SHA-256/);
    }
  });

  it("round-trips relay Encrypt with the public key and Decrypt with the private key", async () => {
    const params = cipherParams({ padding: PaddingMethod.OAEP, hash: HashingAlgorithm.SHA_1 });
    const out = await encryptWith(session, pair.publicUid, plain, { params });
    expect(out.data.length).toBe(256);
    const back = await decryptWith(session, pair.privateUid, out.data, { params });
    expect(back.equals(plain)).toBe(true);
  });

  it("refuses the wrong half of the pair with Illegal Operation", async () => {
    const params = cipherParams({ padding: PaddingMethod.OAEP, hash: HashingAlgorithm.SHA_1 });
    const enc = await session.call(
      Operation.Encrypt,
      cipherPayload(pair.privateUid, plain, { params }),
    );
    expect(enc.reason).toBe(ResultReason.IllegalOperation);
    const dec = await session.call(
      Operation.Decrypt,
      cipherPayload(pair.publicUid, plain, { params }),
    );
    expect(dec.reason).toBe(ResultReason.IllegalOperation);
  });
});

function ivTag(out: { iv: Buffer | undefined; tag: Buffer | undefined }) {
  return defined({ iv: out.iv, tag: out.tag });
}

/** The fields that are set (exactOptionalPropertyTypes: no explicit undefined). */
function defined<T extends Record<string, Buffer | undefined>>(
  fields: T,
): { [K in keyof T]?: Buffer } {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Buffer;
  };
}
