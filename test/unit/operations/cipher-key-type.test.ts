/**
 * planForKeyType: a DES3 key asked for a mode without an algorithm is re-planned as DES3 after
 * the token refused the AES mechanism for its type; nothing else is.
 */
import { describe, expect, it } from "vitest";
import { BlockCipherMode, CryptographicAlgorithm } from "../../../src/kmip/enums.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { planForKeyType } from "../../../src/operations/cipher-key-type.js";
import { cipherPlan } from "../../../src/operations/cipher-plan.js";
import { CKA, CKK, CKR } from "../../../src/pkcs11/constants.js";
import { Pkcs11Error } from "../../../src/pkcs11/errors.js";
import { FakeClient, ulongBytes } from "./fake.js";

const ecb = build.structure(Tag.CryptographicParameters, [
  build.enumeration(Tag.BlockCipherMode, BlockCipherMode.ECB),
]);
const refused = new Pkcs11Error(CKR.KEY_TYPE_INCONSISTENT, "C_EncryptInit");
const keyOf = (keyType: number) => {
  const client = new FakeClient({
    getAttributes: () => new Map([[CKA.KEY_TYPE, ulongBytes(keyType)]]),
  });
  return { client, token: "tok", ref: { id: new Uint8Array([1]), cls: 4 } };
};

describe("planForKeyType", () => {
  it("a DES3 key refused for AES ECB: the DES3 ECB plan, after one key type read", async () => {
    const key = keyOf(CKK.DES3);
    const plan = cipherPlan("Encrypt", "secret", ecb);
    const again = await planForKeyType(refused, "Encrypt", plan, ecb, undefined, key);
    expect(again).toMatchObject({ kind: "ECB", padded: false, cipher: { name: "DES3" } });
    expect(key.client.callsOf("getAttributes")).toHaveLength(1);
  });

  it("nothing for an AES key, another error, a named algorithm or a GCM plan", async () => {
    const plan = cipherPlan("Encrypt", "secret", ecb);
    expect(await planForKeyType(refused, "Encrypt", plan, ecb, undefined, keyOf(CKK.AES))).toBe(
      undefined,
    );
    const other = new Pkcs11Error(CKR.MECHANISM_INVALID, "C_EncryptInit");
    const noRead = keyOf(CKK.DES3);
    expect(await planForKeyType(other, "Encrypt", plan, ecb, undefined, noRead)).toBe(undefined);
    const named = build.structure(Tag.CryptographicParameters, [
      build.enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.AES),
      build.enumeration(Tag.BlockCipherMode, BlockCipherMode.ECB),
    ]);
    const namedPlan = cipherPlan("Encrypt", "secret", named);
    expect(await planForKeyType(refused, "Encrypt", namedPlan, named, undefined, noRead)).toBe(
      undefined,
    );
    const gcm = build.structure(Tag.CryptographicParameters, [
      build.enumeration(Tag.BlockCipherMode, BlockCipherMode.GCM),
    ]);
    const gcmPlan = cipherPlan("Encrypt", "secret", gcm);
    expect(await planForKeyType(refused, "Encrypt", gcmPlan, gcm, undefined, noRead)).toBe(
      undefined,
    );
    expect(noRead.client.callsOf("getAttributes")).toHaveLength(0);
  });
});
