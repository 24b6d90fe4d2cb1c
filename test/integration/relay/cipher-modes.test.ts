/**
 * AES ECB, the key's recorded Cryptographic Parameters, AES CMAC and empty Data over real TLS
 * on SoftHSM2 (KMIP 1.4 sections 4.29-4.34). Keys of known value are registered (the RFC 4493
 * key) or created exportable and read back with Get, so every output is checked against
 * node:crypto or the RFC's vectors.
 */
import { createCipheriv } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BlockCipherMode,
  CryptographicAlgorithm,
  KeyFormatType,
  ObjectType,
  Operation,
  PaddingMethod,
  ResultReason,
  ValidityIndicator,
} from "../../../src/kmip/enums.js";
import { build, findChild } from "../../../src/kmip/item.js";
import { CryptographicUsageMask } from "../../../src/kmip/masks.js";
import { Tag } from "../../../src/kmip/tags.js";
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
  macPayload,
  SECRET_KINDS,
  symmetricKeyFromGet,
} from "./cipher-requests.js";
import { type Attr, attr, getPayload, Session, v1Attribute } from "./session.js";

/** RFC 4493 section 4: the AES-128 key and CMACs of the empty and a one-block message. */
const RFC4493 = {
  key: Buffer.from("2b7e151628aed2a6abf7158809cf4f3c", "hex"),
  block: Buffer.from("6bc1bee22e409f96e93d7e117393172a", "hex"),
  macEmpty: Buffer.from("bb1d6929e95937287fa37d129b756746", "hex"),
  macBlock: Buffer.from("070a16b46b4d4144f79bdd9dd04a287c", "hex"),
};

let relay: TestRelay;
let session: Session;
const uids = { known: "", macKey: "", ecbKept: "", gcmKept: "" };
let ecbKeptValue: Buffer;

/** Register of a Raw AES key, with a Cryptographic Usage Mask when given. */
function registerPayload(key: Buffer, usage?: number) {
  const attrs = usage === undefined ? [] : [v1Attribute(attr.usage(usage))];
  return [
    build.enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
    build.structure(Tag.TemplateAttribute, attrs),
    build.structure(Tag.SymmetricKey, [
      build.structure(Tag.KeyBlock, [
        build.enumeration(Tag.KeyFormatType, KeyFormatType.Raw),
        build.structure(Tag.KeyValue, [build.byteString(Tag.KeyMaterial, key)]),
        build.enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.AES),
        build.integer(Tag.CryptographicLength, key.length * 8),
      ]),
    ]),
  ];
}

/** The Cryptographic Parameters attribute (KMIP 1.4 section 3.6). */
function paramsAttr(mode: number): Attr {
  return {
    name: "Cryptographic Parameters",
    item: build.structure(Tag.CryptographicParameters, [
      build.enumeration(Tag.BlockCipherMode, mode),
    ]),
  };
}

beforeAll(async () => {
  relay = await startTestRelay({ workers: 1 });
  session = await Session.open(relay);
  const registered = await session.ok(Operation.Register, registerPayload(RFC4493.key));
  uids.known = findChild(registered, Tag.UniqueIdentifier)?.value as string;
  const usage = CryptographicUsageMask.MACGenerate | CryptographicUsageMask.MACVerify;
  const forMac = await session.ok(Operation.Register, registerPayload(RFC4493.key, usage));
  uids.macKey = findChild(forMac, Tag.UniqueIdentifier)?.value as string;
  uids.ecbKept = await createSecret(session, [
    ...SECRET_KINDS.aes256,
    ...EXPORTABLE,
    paramsAttr(BlockCipherMode.ECB),
  ]);
  uids.gcmKept = await createSecret(
    session,
    [...SECRET_KINDS.aes128, paramsAttr(BlockCipherMode.GCM)],
    "v2",
  );
  const got = symmetricKeyFromGet(await session.ok(Operation.Get, getPayload(uids.ecbKept)));
  ecbKeptValue = Buffer.from(got.material?.value as Uint8Array);
});
afterAll(async () => {
  session?.close();
  await relay?.close();
});

const ECB = cipherParams({ mode: BlockCipherMode.ECB });
const two = Buffer.from("0123456789abcdef0123456789ABCDEF");

function nodeEcb(key: Buffer, data: Buffer): Buffer {
  const cipher = createCipheriv(`aes-${key.length * 8}-ecb`, key, null).setAutoPadding(false);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

describe("AES ECB", () => {
  it("encrypts as node:crypto does and decrypts back", async () => {
    const out = await encryptWith(session, uids.known, two, { params: ECB });
    expect(out.iv).toBeUndefined();
    expect(out.data.equals(nodeEcb(RFC4493.key, two))).toBe(true);
    const back = await decryptWith(session, uids.known, out.data, { params: ECB });
    expect(back.equals(two)).toBe(true);
  });

  it("with PKCS5 padding: node:crypto's ciphertext, decrypted back to the message", async () => {
    const padded = cipherParams({ mode: BlockCipherMode.ECB, padding: PaddingMethod.PKCS5 });
    const message = two.subarray(0, 20);
    const out = await encryptWith(session, uids.known, message, { params: padded });
    const node = createCipheriv("aes-128-ecb", RFC4493.key, null);
    expect(out.data.equals(Buffer.concat([node.update(message), node.final()]))).toBe(true);
    const back = await decryptWith(session, uids.known, out.data, { params: padded });
    expect(back.equals(message)).toBe(true);
    // Unpadded ciphertext decrypted as padded: its last block is no PKCS5 padding.
    const r = await session.call(
      Operation.Decrypt,
      cipherPayload(uids.known, nodeEcb(RFC4493.key, two), { params: padded }),
    );
    expect(r.reason).toBe(ResultReason.CryptographicFailure);
  });

  it("refuses Data that is not whole blocks without padding", async () => {
    const b = await session.call(
      Operation.Encrypt,
      cipherPayload(uids.known, two.subarray(0, 20), { params: ECB }),
    );
    expect(b.reason).toBe(ResultReason.InvalidField);
    expect(b.message).toMatch(/20 bytes is not a whole number of 16-byte blocks/);
  });
});

describe("the key's Cryptographic Parameters as the default (section 4.29)", () => {
  it("Create {ECB}: Encrypt and Decrypt without parameters use ECB", async () => {
    const out = await encryptWith(session, uids.ecbKept, two);
    expect(out.iv).toBeUndefined();
    expect(out.data.equals(nodeEcb(ecbKeptValue, two))).toBe(true);
    const back = await decryptWith(session, uids.ecbKept, out.data);
    expect(back.equals(two)).toBe(true);
  });

  it("Create {ECB}: the key is kept to ECB (GCM asked for is Invalid Field)", async () => {
    const r = await session.call(
      Operation.Encrypt,
      cipherPayload(uids.ecbKept, two, { params: GCM }),
    );
    expect(r.reason).toBe(ResultReason.InvalidField);
    expect(r.message).toMatch(/does not allow AES GCM.*CKR_MECHANISM_INVALID/);
  });

  it("Create {GCM} (2.x Attributes): Encrypt without parameters returns IV and tag", async () => {
    const out = await encryptWith(session, uids.gcmKept, two);
    expect(out.iv?.length).toBe(12);
    expect(out.tag?.length).toBe(16);
    const back = await decryptWith(session, uids.gcmKept, out.data, {
      ...(out.iv === undefined ? {} : { iv: out.iv }),
      ...(out.tag === undefined ? {} : { tag: out.tag }),
    });
    expect(back.equals(two)).toBe(true);
  });

  it("a key without recorded parameters still needs Block Cipher Mode", async () => {
    const r = await session.call(Operation.Encrypt, cipherPayload(uids.known, two));
    expect(r.reason).toBe(ResultReason.MissingData);
    expect(r.message).toMatch(/the key records none/);
  });
});

describe("empty Data", () => {
  const empty = Buffer.alloc(0);

  it("AES-GCM: the tag alone, as node:crypto computes it, and decrypts to nothing", async () => {
    const iv = Buffer.alloc(12, 5);
    const aad = Buffer.from("header");
    const out = await encryptWith(session, uids.known, empty, { params: GCM, iv, aad });
    expect(out.data.length).toBe(0);
    const cipher = createCipheriv("aes-128-gcm", RFC4493.key, iv).setAAD(aad);
    cipher.final();
    expect(out.tag?.equals(cipher.getAuthTag())).toBe(true);
    const tag = out.tag ?? Buffer.alloc(0);
    const back = await decryptWith(session, uids.known, empty, { params: GCM, iv, aad, tag });
    expect(back.length).toBe(0);
  });

  it("AES-CBC PKCS5: one padding block, as node:crypto's", async () => {
    const iv = Buffer.alloc(16, 9);
    const out = await encryptWith(session, uids.known, empty, { params: CBC, iv });
    const cipher = createCipheriv("aes-128-cbc", RFC4493.key, iv);
    expect(out.data.equals(Buffer.concat([cipher.update(empty), cipher.final()]))).toBe(true);
    const back = await decryptWith(session, uids.known, out.data, { params: CBC, iv });
    expect(back.length).toBe(0);
  });
});

describe("AES CMAC (MAC, MAC Verify)", () => {
  async function macOf(data: Buffer, params?: ReturnType<typeof cipherParams>): Promise<Buffer> {
    const payload = await session.ok(
      Operation.MAC,
      macPayload(uids.macKey, data, undefined, params),
    );
    return bytesField(payload, Tag.MACData) ?? Buffer.alloc(0);
  }

  it("matches RFC 4493's vectors (one block, and the empty message)", async () => {
    expect((await macOf(RFC4493.block)).equals(RFC4493.macBlock)).toBe(true);
    expect((await macOf(Buffer.alloc(0))).equals(RFC4493.macEmpty)).toBe(true);
    const aes = build.structure(Tag.CryptographicParameters, [
      build.enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.AES),
    ]);
    expect((await macOf(RFC4493.block, aes)).equals(RFC4493.macBlock)).toBe(true);
  });

  it("MAC Verify: Valid for the RFC's MAC, Invalid for a changed one", async () => {
    const verify = async (mac: Buffer) =>
      findChild(
        await session.ok(Operation.MACVerify, macPayload(uids.macKey, RFC4493.block, mac)),
        Tag.ValidityIndicator,
      )?.value;
    expect(await verify(RFC4493.macBlock)).toBe(ValidityIndicator.Valid);
    const wrong = Buffer.from(RFC4493.macBlock);
    wrong[0] = (wrong[0] ?? 0) ^ 1;
    expect(await verify(wrong)).toBe(ValidityIndicator.Invalid);
  });
});
