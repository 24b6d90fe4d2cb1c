import { describe, expect, it } from "vitest";
import {
  BlockCipherMode,
  CryptographicAlgorithm,
  HashingAlgorithm,
  PaddingMethod,
  ResultReason,
} from "../../../src/kmip/enums.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { mechanismList } from "../../../src/operations/create.js";
import { encrypt } from "../../../src/operations/encrypt.js";
import { CKA, CKG, CKM, CKO, CKR } from "../../../src/pkcs11/constants.js";
import { Pkcs11Error } from "../../../src/pkcs11/errors.js";
import type { GcmParams, Mechanism, OaepParams, ObjectRef } from "../../../src/pkcs11/types.js";
import {
  aad,
  bytes,
  CBC,
  GCM,
  iv,
  PRIV,
  PUB,
  params,
  refusal,
  req,
  runCipher,
  SEC,
  tag,
} from "./cipher-fixtures.js";
import { argsOf, attrValues, contextFor, FakeClient, field } from "./fake.js";

const runEncrypt = (p: ReturnType<typeof req>, output = bytes(20, 9)) =>
  runCipher(encrypt, "encrypt", p, output);

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
      "ECB with OAEP padding",
      req(SEC, params({ mode: BlockCipherMode.ECB, padding: PaddingMethod.OAEP }), bytes(16)),
      ResultReason.FeatureNotSupported,
      /OAEP is not supported for ECB \(None, PKCS5\)/,
    ],
    [
      "an IV with ECB",
      req(SEC, params({ mode: BlockCipherMode.ECB }), bytes(16), [iv(bytes(16))]),
      ResultReason.InvalidField,
      /IV\/Counter\/Nonce does not apply to ECB/,
    ],
    [
      "ECB Data that is not whole blocks",
      req(SEC, params({ mode: BlockCipherMode.ECB }), bytes(15)),
      ResultReason.InvalidField,
      /15 bytes is not a whole number of 16-byte blocks/,
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
      ResultReason.GeneralFailure,
      /Tag Length 10/,
    ],
    [
      "Random IV false without IV",
      req(SEC, params({ mode: BlockCipherMode.GCM, randomIv: false }), bytes(1)),
      ResultReason.InvalidMessage,
      /IV\/Counter\/Nonce is required/,
    ],
    [
      "Random IV true with an IV",
      req(SEC, params({ mode: BlockCipherMode.CBC, randomIv: true }), bytes(1), [iv(bytes(16))]),
      ResultReason.InvalidField,
      /Random IV asks for a generated IV/,
    ],
    [
      "empty Data with RSA OAEP",
      req(PUB, undefined, bytes(0)),
      ResultReason.InvalidField,
      /Data is empty; RSA OAEP on the token is single-part C_Encrypt/,
    ],
    [
      "a later part without its Correlation Value",
      req(SEC, GCM, bytes(1), [build.boolean(Tag.InitIndicator, false)]),
      ResultReason.InvalidField,
      /needs its Correlation Value/,
    ],
  ] as const)("refuses %s", async (_, p, reason, message) => {
    const client = new FakeClient();
    const err = await refusal(() => encrypt.run(p, contextFor(client)));
    expect(err.reason).toBe(reason);
    expect(err.message).toMatch(message);
    expect(cipherCalls(client)).toHaveLength(0);
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

  it("AES-ECB: CKM_AES_ECB without parameter, no IV returned", async () => {
    const ecb = params({ mode: BlockCipherMode.ECB });
    const { result, mechanism, data } = await runEncrypt(req(SEC, ecb, bytes(32)), bytes(32, 5));
    expect(mechanism).toEqual({ type: CKM.AES_ECB });
    expect(data).toEqual(bytes(32));
    expect(result.payload.map((i) => i.tag)).toEqual([Tag.UniqueIdentifier, Tag.Data]);
  });

  it.each([
    [0, 16],
    [5, 16],
    [16, 32],
  ])("AES-ECB with PKCS5: %i bytes go to the token padded to %i", async (n, padded) => {
    const p = params({ mode: BlockCipherMode.ECB, padding: PaddingMethod.PKCS5 });
    const { mechanism, data } = await runEncrypt(req(SEC, p, bytes(n, 0xaa)));
    expect(mechanism).toEqual({ type: CKM.AES_ECB });
    expect(data).toHaveLength(padded);
    expect(data.subarray(0, n)).toEqual(bytes(n, 0xaa));
    expect(data.subarray(n)).toEqual(bytes(padded - n, padded - n));
  });

  it("AES-GCM over empty Data: the token gets no data, the response holds the tag alone", async () => {
    const { result, data } = await runEncrypt(req(SEC, GCM, bytes(0)), bytes(16, 7));
    expect(data).toHaveLength(0);
    expect(field(result.payload, Tag.Data)?.value).toEqual(new Uint8Array(0));
    expect(field(result.payload, Tag.AuthenticatedEncryptionTag)?.value).toEqual(bytes(16, 7));
  });

  it.each([
    [CKM.AES_ECB, CKM.AES_ECB, undefined],
    [CKM.AES_CBC_PAD, CKM.AES_CBC_PAD, 16],
    [CKM.AES_CBC, CKM.AES_CBC, 16],
    [CKM.AES_GCM, CKM.AES_GCM, 12],
  ] as const)(
    "without Block Cipher Mode uses the key's recorded mechanism (%i)",
    async (kept, expected, ivBytes) => {
      const client = new FakeClient({
        getAttributes: () => attrValues([[CKA.ALLOWED_MECHANISMS, mechanismList([kept])]]),
        encrypt: () => bytes(32, 9),
      });
      const result = await encrypt.run(req(SEC, undefined, bytes(32)), contextFor(client));
      const [, , mechanism] = argsOf(client, "encrypt") as [string, ObjectRef, Mechanism];
      expect(mechanism.type).toBe(expected);
      const generated = field(result.payload, Tag.IVCounterNonce)?.value as Uint8Array | undefined;
      expect(generated?.length).toBe(ivBytes);
      const asked = argsOf(client, "getAttributes")[2];
      expect(asked).toEqual([CKA.ALLOWED_MECHANISMS]);
    },
  );

  it("a Padding Method in the request refines the key's recorded mode", async () => {
    const client = new FakeClient({
      getAttributes: () => attrValues([[CKA.ALLOWED_MECHANISMS, mechanismList([CKM.AES_CBC_PAD])]]),
      encrypt: () => bytes(32, 9),
    });
    const p = params({ padding: PaddingMethod.None });
    await encrypt.run(req(SEC, p, bytes(32)), contextFor(client));
    expect((argsOf(client, "encrypt")[2] as Mechanism).type).toBe(CKM.AES_CBC);
  });

  it.each([
    ["no recorded mechanism", attrValues([[CKA.ALLOWED_MECHANISMS, null]])],
    ["several", attrValues([[CKA.ALLOWED_MECHANISMS, mechanismList([CKM.AES_ECB, CKM.AES_GCM])]])],
  ])("without Block Cipher Mode and %s: Missing Data", async (_, values) => {
    const client = new FakeClient({ getAttributes: () => values });
    const err = await refusal(() =>
      encrypt.run(req(SEC, undefined, bytes(16)), contextFor(client)),
    );
    expect(err.reason).toBe(ResultReason.MissingData);
    expect(err.message).toMatch(/Block Cipher Mode is required for AES.*the key records none/);
    expect(client.callsOf("encrypt")).toHaveLength(0);
  });

  it("a mode the key is not kept to: Invalid Field naming the refusal", async () => {
    const client = new FakeClient({
      encrypt: () => Promise.reject(new Pkcs11Error(CKR.MECHANISM_INVALID, "C_EncryptInit")),
    });
    const err = await refusal(() => encrypt.run(req(SEC, CBC, bytes(16)), contextFor(client)));
    expect(err.reason).toBe(ResultReason.InvalidField);
    expect(err.message).toMatch(/does not allow AES CBC.*CKR_MECHANISM_INVALID/);
  });
});

/**
 * The calls a refusal may make: none to the token's cipher; only, for a secret key whose
 * algorithm the request leaves open, a read of its key type (a DES3 key planned as AES).
 */
function cipherCalls(client: FakeClient) {
  return client.calls.filter((c) => c.fn !== "getAttributes");
}
