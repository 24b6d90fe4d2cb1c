import { describe, expect, it } from "vitest";
import { BlockCipherMode, PaddingMethod, ResultReason } from "../../../src/kmip/enums.js";
import { Tag } from "../../../src/kmip/tags.js";
import { mechanismList } from "../../../src/operations/create.js";
import { decrypt } from "../../../src/operations/decrypt.js";
import { CKA, CKM, CKO, CKR } from "../../../src/pkcs11/constants.js";
import { Pkcs11Error } from "../../../src/pkcs11/errors.js";
import type { Mechanism } from "../../../src/pkcs11/types.js";
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
import { argsOf, attrValues, contextFor, FakeClient, field, rejection } from "./fake.js";

const runDecrypt = (p: ReturnType<typeof req>, output = bytes(3, 7)) =>
  runCipher(decrypt, "decrypt", p, output);

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

  it("ignores Random IV (Encrypt's parameters passed on unchanged)", async () => {
    const p = params({ mode: BlockCipherMode.CBC, randomIv: true });
    const { mechanism } = await runDecrypt(req(SEC, p, bytes(16), [iv(bytes(16, 8))]));
    expect(mechanism).toEqual({ type: CKM.AES_CBC_PAD, parameter: bytes(16, 8) });
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
      ResultReason.InvalidMessage,
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
    expect(cipherCalls(client)).toHaveLength(0);
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

  it("AES-ECB: CKM_AES_ECB over whole blocks", async () => {
    const ecb = params({ mode: BlockCipherMode.ECB });
    const { mechanism, data } = await runDecrypt(req(SEC, ecb, bytes(32, 2)));
    expect(mechanism).toEqual({ type: CKM.AES_ECB });
    expect(data).toEqual(bytes(32, 2));
  });

  it("without parameters uses the key's recorded mechanism (ECB)", async () => {
    const client = new FakeClient({
      getAttributes: () => attrValues([[CKA.ALLOWED_MECHANISMS, mechanismList([CKM.AES_ECB])]]),
      decrypt: () => bytes(16, 3),
    });
    const result = await decrypt.run(req(SEC, undefined, bytes(16)), contextFor(client));
    expect((argsOf(client, "decrypt")[2] as Mechanism).type).toBe(CKM.AES_ECB);
    expect(field(result.payload, Tag.Data)?.value).toEqual(bytes(16, 3));
  });

  it("AES-GCM with empty Data decrypts the tag alone", async () => {
    const p = req(SEC, GCM, bytes(0), [iv(bytes(12, 1)), tag(bytes(16, 4))]);
    const { data, result } = await runDecrypt(p, new Uint8Array(0));
    expect(data).toEqual(bytes(16, 4));
    expect(field(result.payload, Tag.Data)?.value).toEqual(new Uint8Array(0));
  });

  it("refuses empty padded CBC ciphertext before the token", async () => {
    const client = new FakeClient();
    const p = req(SEC, CBC, bytes(0), [iv(bytes(16))]);
    const err = await refusal(() => decrypt.run(p, contextFor(client)));
    expect(err.reason).toBe(ResultReason.InvalidField);
    expect(err.message).toMatch(/0 bytes .*at least one/);
    expect(cipherCalls(client)).toHaveLength(0);
  });

  it("AES-ECB with PKCS5: strips the padding the token's output ends in", async () => {
    const p = params({ mode: BlockCipherMode.ECB, padding: PaddingMethod.PKCS5 });
    const output = new Uint8Array([...bytes(13, 7), 3, 3, 3]);
    const { result } = await runDecrypt(req(SEC, p, bytes(16)), output);
    expect(field(result.payload, Tag.Data)?.value).toEqual(bytes(13, 7));
  });

  it.each([
    ["a zero pad byte", new Uint8Array([...bytes(15, 7), 0])],
    ["inconsistent pad bytes", new Uint8Array([...bytes(14, 7), 1, 2])],
    ["a pad byte over 16", new Uint8Array([...bytes(15, 7), 17])],
  ])("AES-ECB with PKCS5: %s is Cryptographic Failure", async (_, output) => {
    const p = params({ mode: BlockCipherMode.ECB, padding: PaddingMethod.PKCS5 });
    const client = new FakeClient({ decrypt: () => output });
    const err = await refusal(() => decrypt.run(req(SEC, p, bytes(16)), contextFor(client)));
    expect(err.reason).toBe(ResultReason.CryptographicFailure);
    expect(err.message).toMatch(/padding is wrong/);
  });
});

/**
 * The calls a refusal may make: none to the token's cipher; only, for a secret key whose
 * algorithm the request leaves open, a read of its key type (a DES3 key planned as AES).
 */
function cipherCalls(client: FakeClient) {
  return client.calls.filter((c) => c.fn !== "getAttributes");
}
