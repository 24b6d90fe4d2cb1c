import { describe, expect, it } from "vitest";
import {
  BlockCipherMode,
  CryptographicAlgorithm,
  HashingAlgorithm,
  PaddingMethod,
  ResultReason,
} from "../../../src/kmip/enums.js";
import type { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { decrypt } from "../../../src/operations/decrypt.js";
import { encrypt } from "../../../src/operations/encrypt.js";
import { CKG, CKM, CKO, CKR } from "../../../src/pkcs11/constants.js";
import { Pkcs11Error } from "../../../src/pkcs11/errors.js";
import type { GcmParams, Mechanism, OaepParams, ObjectRef } from "../../../src/pkcs11/types.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { argsOf, contextFor, FakeClient, field, payload, rejection } from "./fake.js";

const SEC = "0A0B_sec";
const PUB = "0A0B_pub";
const PRIV = "0A0B_priv";
const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

function params(f: {
  mode?: number;
  padding?: number;
  hash?: number;
  mgfHash?: number;
  algorithm?: number;
  tagLength?: number;
  ivLength?: number;
  randomIv?: boolean;
  label?: Uint8Array;
}): TtlvItem {
  const items: TtlvItem[] = [];
  if (f.mode !== undefined) items.push(build.enumeration(Tag.BlockCipherMode, f.mode));
  if (f.padding !== undefined) items.push(build.enumeration(Tag.PaddingMethod, f.padding));
  if (f.hash !== undefined) items.push(build.enumeration(Tag.HashingAlgorithm, f.hash));
  if (f.algorithm !== undefined) {
    items.push(build.enumeration(Tag.CryptographicAlgorithm, f.algorithm));
  }
  if (f.randomIv !== undefined) items.push(build.boolean(Tag.RandomIV, f.randomIv));
  if (f.ivLength !== undefined) items.push(build.integer(Tag.IVLength, f.ivLength));
  if (f.tagLength !== undefined) items.push(build.integer(Tag.TagLength, f.tagLength));
  if (f.mgfHash !== undefined) {
    items.push(build.enumeration(Tag.MaskGeneratorHashingAlgorithm, f.mgfHash));
  }
  if (f.label !== undefined) items.push(build.byteString(Tag.PSource, f.label));
  return build.structure(Tag.CryptographicParameters, items);
}

const GCM = params({ mode: BlockCipherMode.GCM });
const CBC = params({ mode: BlockCipherMode.CBC });

function req(uid: string, p: TtlvItem | undefined, data: Uint8Array, extra: TtlvItem[] = []) {
  return payload(
    build.textString(Tag.UniqueIdentifier, uid),
    ...(p === undefined ? [] : [p]),
    build.byteString(Tag.Data, data),
    ...extra,
  );
}

const iv = (b: Uint8Array) => build.byteString(Tag.IVCounterNonce, b);
const aad = (b: Uint8Array) => build.byteString(Tag.AuthenticatedEncryptionAdditionalData, b);
const tag = (b: Uint8Array) => build.byteString(Tag.AuthenticatedEncryptionTag, b);

/** Runs Encrypt with a token that answers `output`; returns the call and the response. */
async function runEncrypt(p: ReturnType<typeof req>, output = bytes(20, 9)) {
  const client = new FakeClient({ encrypt: () => output });
  const result = await encrypt.run(p, contextFor(client));
  const [, ref, mechanism, data] = argsOf(client, "encrypt") as [
    string,
    ObjectRef,
    Mechanism,
    Uint8Array,
  ];
  return { result, ref, mechanism, data };
}

async function runDecrypt(p: ReturnType<typeof req>, output = bytes(3, 7)) {
  const client = new FakeClient({ decrypt: () => output });
  const result = await decrypt.run(p, contextFor(client));
  const [, ref, mechanism, data] = argsOf(client, "decrypt") as [
    string,
    ObjectRef,
    Mechanism,
    Uint8Array,
  ];
  return { result, ref, mechanism, data };
}

async function refusal(run: () => Promise<unknown>): Promise<KmipError> {
  return (await rejection(run)) as KmipError;
}

describe("Encrypt", () => {
  it("AES-GCM: generates a 12-byte IV, passes the AAD, splits ciphertext and 16-byte tag", async () => {
    const out = new Uint8Array([...bytes(5, 0xc), ...bytes(16, 0x7)]);
    const { result, ref, mechanism, data } = await runEncrypt(
      req(SEC, GCM, bytes(5), [aad(bytes(3, 2))]),
      out,
    );
    expect(ref.cls).toBe(CKO.SECRET_KEY);
    expect(mechanism.type).toBe(CKM.AES_GCM);
    const gcm = mechanism.parameter as GcmParams;
    expect(gcm.iv.length).toBe(12);
    expect(gcm.tagBits).toBe(128);
    expect(gcm.aad).toEqual(bytes(3, 2));
    expect(data).toEqual(bytes(5));
    expect(result.payload.map((i) => i.tag)).toEqual([
      Tag.UniqueIdentifier,
      Tag.Data,
      Tag.IVCounterNonce,
      Tag.AuthenticatedEncryptionTag,
    ]);
    expect(field(result.payload, Tag.Data)?.value).toEqual(bytes(5, 0xc));
    expect(field(result.payload, Tag.AuthenticatedEncryptionTag)?.value).toEqual(bytes(16, 0x7));
    expect(field(result.payload, Tag.IVCounterNonce)?.value).toEqual(gcm.iv);
  });

  it("AES-GCM: a given IV is used and not returned; Tag Length and IV Length are honoured", async () => {
    const p = params({ mode: BlockCipherMode.GCM, tagLength: 12, ivLength: 128 });
    const given = await runEncrypt(req(SEC, p, bytes(4), [iv(bytes(16, 5))]), bytes(16));
    expect((given.mechanism.parameter as GcmParams).iv).toEqual(bytes(16, 5));
    expect((given.mechanism.parameter as GcmParams).tagBits).toBe(96);
    expect(field(given.result.payload, Tag.IVCounterNonce)).toBeUndefined();
    expect(
      (field(given.result.payload, Tag.AuthenticatedEncryptionTag)?.value as Uint8Array | undefined)
        ?.length,
    ).toBe(12);
    const generated = await runEncrypt(req(SEC, p, bytes(4)), bytes(16));
    expect((generated.mechanism.parameter as GcmParams).iv.length).toBe(16);
  });

  it("generates a different IV each time", async () => {
    const a = await runEncrypt(req(SEC, CBC, bytes(4)));
    const b = await runEncrypt(req(SEC, CBC, bytes(4)));
    expect(a.mechanism.parameter).not.toEqual(b.mechanism.parameter);
  });

  it("AES-CBC: CKM_AES_CBC_PAD with the IV as parameter; Padding None is CKM_AES_CBC", async () => {
    const { mechanism, result } = await runEncrypt(req(SEC, CBC, bytes(5), [iv(bytes(16, 3))]));
    expect(mechanism).toEqual({ type: CKM.AES_CBC_PAD, parameter: bytes(16, 3) });
    expect(result.payload.map((i) => i.tag)).toEqual([Tag.UniqueIdentifier, Tag.Data]);
    const none = params({ mode: BlockCipherMode.CBC, padding: PaddingMethod.None });
    const raw = await runEncrypt(req(SEC, none, bytes(32)));
    expect(raw.mechanism.type).toBe(CKM.AES_CBC);
    expect((raw.mechanism.parameter as Uint8Array).length).toBe(16);
    const uneven = await refusal(() => runEncrypt(req(SEC, none, bytes(5))));
    expect(uneven.message).toMatch(/16-byte blocks/);
  });

  it("RSA-OAEP: public key, SHA-256 by default, MGF1 of the same hash, P Source as label", async () => {
    const plain = await runEncrypt(req(PUB, undefined, bytes(5)));
    expect(plain.ref.cls).toBe(CKO.PUBLIC_KEY);
    expect(plain.mechanism).toEqual({
      type: CKM.RSA_PKCS_OAEP,
      parameter: { hashAlg: CKM.SHA256, mgf: CKG.MGF1_SHA256 },
    });
    const p = params({
      padding: PaddingMethod.OAEP,
      hash: HashingAlgorithm.SHA_384,
      mgfHash: HashingAlgorithm.SHA_1,
      label: bytes(2, 4),
    });
    const oaep = (await runEncrypt(req(PUB, p, bytes(5)))).mechanism.parameter as OaepParams;
    expect(oaep).toEqual({ hashAlg: CKM.SHA384, mgf: CKG.MGF1_SHA1, source: bytes(2, 4) });
  });

  it.each([
    [
      "no Block Cipher Mode for AES",
      req(SEC, undefined, bytes(1)),
      ResultReason.MissingData,
      /Block Cipher Mode is required/,
    ],
    [
      "ECB",
      req(SEC, params({ mode: BlockCipherMode.ECB }), bytes(1)),
      ResultReason.FeatureNotSupported,
      /ECB/,
    ],
    [
      "a private key",
      req(PRIV, undefined, bytes(1)),
      ResultReason.IllegalOperation,
      /public key's Unique Identifier/,
    ],
    [
      "RSA parameters on a secret key",
      req(SEC, params({ algorithm: CryptographicAlgorithm.RSA }), bytes(1)),
      ResultReason.InvalidField,
      /RSA does not fit the secret key/,
    ],
    [
      "PKCS#1 v1.5 encryption",
      req(PUB, params({ padding: PaddingMethod.PKCS1V1_5 }), bytes(1)),
      ResultReason.FeatureNotSupported,
      /PKCS1V1_5/,
    ],
    [
      "an IV with OAEP",
      req(PUB, undefined, bytes(1), [iv(bytes(16))]),
      ResultReason.InvalidField,
      /IV\/Counter\/Nonce does not apply/,
    ],
    [
      "AAD with CBC",
      req(SEC, CBC, bytes(1), [aad(bytes(1))]),
      ResultReason.InvalidField,
      /Additional Data does not apply to CBC/,
    ],
    [
      "an 8-byte CBC IV",
      req(SEC, CBC, bytes(1), [iv(bytes(8))]),
      ResultReason.InvalidField,
      /8 bytes/,
    ],
    [
      "a tag given to Encrypt",
      req(SEC, GCM, bytes(1), [tag(bytes(16))]),
      ResultReason.InvalidField,
      /output of Encrypt/,
    ],
    [
      "Tag Length 10",
      req(SEC, params({ mode: BlockCipherMode.GCM, tagLength: 10 }), bytes(1)),
      ResultReason.InvalidField,
      /Tag Length 10/,
    ],
    [
      "Random IV false without IV",
      req(SEC, params({ mode: BlockCipherMode.GCM, randomIv: false }), bytes(1)),
      ResultReason.MissingData,
      /IV\/Counter\/Nonce is required/,
    ],
    ["empty Data", req(SEC, GCM, bytes(0)), ResultReason.InvalidField, /Data is empty/],
    [
      "multi-part",
      req(SEC, GCM, bytes(1), [build.boolean(Tag.InitIndicator, false)]),
      ResultReason.FeatureNotSupported,
      /multi-part/,
    ],
  ] as const)("refuses %s", async (_, p, reason, message) => {
    const client = new FakeClient();
    const err = await refusal(() => encrypt.run(p, contextFor(client)));
    expect(err.reason).toBe(reason);
    expect(err.message).toMatch(message);
    expect(client.calls).toHaveLength(0);
  });

  it("names the OAEP hash a token refuses at C_EncryptInit", async () => {
    const client = new FakeClient({
      encrypt: () => Promise.reject(new Pkcs11Error(CKR.ARGUMENTS_BAD, "C_EncryptInit")),
    });
    const err = await refusal(() => encrypt.run(req(PUB, undefined, bytes(3)), contextFor(client)));
    expect(err.reason).toBe(ResultReason.FeatureNotSupported);
    expect(err.message).toMatch(
      /RSA OAEP with SHA-256 and MGF1-SHA-256 \(C_EncryptInit: CKR_ARGUMENTS_BAD\)/,
    );
  });
});

describe("Decrypt", () => {
  it("AES-GCM: joins ciphertext and tag, tag bits from the tag", async () => {
    const p = req(SEC, GCM, bytes(5, 3), [iv(bytes(12, 1)), aad(bytes(2, 2)), tag(bytes(12, 4))]);
    const { mechanism, data, result } = await runDecrypt(p);
    expect(mechanism).toEqual({
      type: CKM.AES_GCM,
      parameter: { iv: bytes(12, 1), aad: bytes(2, 2), tagBits: 96 },
    });
    expect(data).toEqual(new Uint8Array([...bytes(5, 3), ...bytes(12, 4)]));
    expect(result.payload.map((i) => i.tag)).toEqual([Tag.UniqueIdentifier, Tag.Data]);
    expect(field(result.payload, Tag.Data)?.value).toEqual(bytes(3, 7));
  });

  it("RSA-OAEP takes the private key", async () => {
    const { ref, mechanism } = await runDecrypt(req(PRIV, undefined, bytes(256)));
    expect(ref.cls).toBe(CKO.PRIVATE_KEY);
    expect(mechanism.type).toBe(CKM.RSA_PKCS_OAEP);
  });

  it.each([
    [
      "GCM without a tag",
      req(SEC, GCM, bytes(4), [iv(bytes(12))]),
      ResultReason.MissingData,
      /Authenticated Encryption Tag is required/,
    ],
    [
      "GCM without an IV",
      req(SEC, GCM, bytes(4), [tag(bytes(16))]),
      ResultReason.MissingData,
      /IV\/Counter\/Nonce is required/,
    ],
    [
      "a tag shorter than Tag Length",
      req(SEC, params({ mode: BlockCipherMode.GCM, tagLength: 16 }), bytes(4), [
        iv(bytes(12)),
        tag(bytes(12)),
      ]),
      ResultReason.InvalidField,
      /Tag of 12 bytes/,
    ],
    [
      "CBC data not in blocks",
      req(SEC, CBC, bytes(17), [iv(bytes(16))]),
      ResultReason.InvalidField,
      /16-byte blocks/,
    ],
    [
      "a public key",
      req(PUB, undefined, bytes(4)),
      ResultReason.IllegalOperation,
      /private key's Unique Identifier/,
    ],
  ] as const)("refuses %s", async (_, p, reason, message) => {
    const client = new FakeClient();
    const err = await refusal(() => decrypt.run(p, contextFor(client)));
    expect(err.reason).toBe(reason);
    expect(err.message).toMatch(message);
    expect(client.calls).toHaveLength(0);
  });

  it.each([
    ["GCM", GCM, [iv(bytes(12)), tag(bytes(16))], /Tag does not match/],
    ["CBC", CBC, [iv(bytes(16))], /padding is wrong/],
  ] as const)(
    "turns a failed C_Decrypt (%s) into Cryptographic Failure",
    async (_, p, extra, message) => {
      for (const ckr of [CKR.ENCRYPTED_DATA_INVALID, CKR.GENERAL_ERROR]) {
        const client = new FakeClient({
          decrypt: () => Promise.reject(new Pkcs11Error(ckr, "C_Decrypt")),
        });
        const err = await refusal(() =>
          decrypt.run(req(SEC, p, bytes(16), [...extra]), contextFor(client)),
        );
        expect(err.reason).toBe(ResultReason.CryptographicFailure);
        expect(err.message).toMatch(message);
      }
    },
  );

  it("lets other PKCS#11 failures through to the common mapping", async () => {
    const failure = new Pkcs11Error(CKR.KEY_FUNCTION_NOT_PERMITTED, "C_DecryptInit");
    const client = new FakeClient({ decrypt: () => Promise.reject(failure) });
    const p = req(SEC, CBC, bytes(16), [iv(bytes(16))]);
    expect(await rejection(() => decrypt.run(p, contextFor(client)))).toBe(failure);
  });
});
