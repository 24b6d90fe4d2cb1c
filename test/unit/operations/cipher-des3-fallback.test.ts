/**
 * Encrypt naming a block cipher mode but no algorithm: planned as AES without a token round
 * trip; when that fails, the key's type is read and a DES3 key is used as DES3 (the OASIS
 * case CS-BC-M-4-12-3DES-13 sends ECB alone with a registered DES3 key).
 */
import { describe, expect, it } from "vitest";
import { BlockCipherMode, ResultReason } from "../../../src/kmip/enums.js";
import { encrypt } from "../../../src/operations/encrypt.js";
import { CKA, CKK, CKM } from "../../../src/pkcs11/constants.js";
import type { Mechanism } from "../../../src/pkcs11/types.js";
import { bytes, params, refusal, req, SEC } from "./cipher-fixtures.js";
import { argsOf, attrValues, contextFor, FakeClient, ulongBytes } from "./fake.js";

const ECB = params({ mode: BlockCipherMode.ECB });

function clientWithKeyType(keyType: number) {
  return new FakeClient({
    getAttributes: () => attrValues([[CKA.KEY_TYPE, ulongBytes(keyType)]]),
    encrypt: (_t, _r, mechanism: Mechanism, data: Uint8Array) =>
      mechanism.type === CKM.DES3_ECB ? data : new Uint8Array(),
  });
}

describe("a mode without an algorithm", () => {
  it("24 bytes with ECB and a DES3 key: encrypted with CKM_DES3_ECB after reading the key type", async () => {
    const client = clientWithKeyType(CKK.DES3);
    await encrypt.run(req(SEC, ECB, bytes(24)), contextFor(client));
    expect(client.callsOf("getAttributes")).toHaveLength(1);
    const [, , mechanism] = argsOf(client, "encrypt") as [string, unknown, Mechanism];
    expect(mechanism.type).toBe(CKM.DES3_ECB);
  });

  it("16 bytes with ECB: AES at once, no key-type read", async () => {
    const client = new FakeClient({ encrypt: () => bytes(16) });
    await encrypt.run(req(SEC, ECB, bytes(16)), contextFor(client));
    expect(client.callsOf("getAttributes")).toHaveLength(0);
    const [, , mechanism] = argsOf(client, "encrypt") as [string, unknown, Mechanism];
    expect(mechanism.type).toBe(CKM.AES_ECB);
  });

  it("24 bytes with an AES key: the AES refusal stands", async () => {
    const client = clientWithKeyType(CKK.AES);
    const err = await refusal(() => encrypt.run(req(SEC, ECB, bytes(24)), contextFor(client)));
    expect(err.reason).toBe(ResultReason.InvalidField);
    expect(err.message).toMatch(/16-byte blocks/);
    expect(client.callsOf("encrypt")).toHaveLength(0);
  });
});
