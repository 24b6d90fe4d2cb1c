import { describe, expect, it } from "vitest";
import { Operation, ValidityIndicator } from "../../../src/kmip/enums.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { HASHES, type HashSpec } from "../../../src/operations/algorithms.js";
import { mechanismList } from "../../../src/operations/create.js";
import {
  signMechanismsFor,
  signParametersOfMechanisms,
} from "../../../src/operations/sign-key-parameters.js";
import type { SignParameters } from "../../../src/operations/sign-plan.js";
import { signatureVerify } from "../../../src/operations/signature-verify.js";
import { CKA, CKK, CKM } from "../../../src/pkcs11/constants.js";
import type { Mechanism, PssParams } from "../../../src/pkcs11/types.js";
import { argsOf, attrValues, contextFor, FakeClient, field, payload, ulongBytes } from "./fake.js";

const hashAt = (i: number): HashSpec => {
  const hash = HASHES[i];
  if (hash === undefined) throw new Error(`no hash ${i}`);
  return hash;
};
const [SHA256, SHA384, SHA512] = [hashAt(0), hashAt(1), hashAt(2)];

describe("a signing key's recorded Cryptographic Parameters", () => {
  it.each([
    [{ padding: "PSS", hash: SHA256 }, "RSA", [CKM.SHA256_RSA_PKCS_PSS, CKM.RSA_PKCS_PSS]],
    [{ padding: "PSS" }, "RSA", [CKM.SHA256_RSA_PKCS_PSS, CKM.RSA_PKCS_PSS]],
    [{ padding: "PKCS1", hash: SHA512 }, "RSA", [CKM.SHA512_RSA_PKCS, CKM.RSA_PKCS]],
    [{ hash: SHA384 }, "EC", [CKM.ECDSA, CKM.ECDSA_SHA384]],
    [{}, "RSA", undefined],
    [{ hash: SHA512 }, "Ed25519", undefined],
  ] as const)("%o of a %s key -> %o", (params, kind, list) => {
    expect(signMechanismsFor(params as SignParameters, kind)).toEqual(list);
  });

  it("reads back what it records", () => {
    for (const hash of [SHA256, SHA384, SHA512]) {
      for (const padding of ["PSS", "PKCS1"] as const) {
        const list = signMechanismsFor({ padding, hash }, "RSA") ?? [];
        expect(signParametersOfMechanisms(list)).toEqual({ kind: "RSA", padding, hash });
      }
      const ec = signMechanismsFor({ hash }, "EC") ?? [];
      expect(signParametersOfMechanisms(ec)).toEqual({ kind: "EC", hash });
    }
    expect(signParametersOfMechanisms([])).toEqual({});
    expect(signParametersOfMechanisms([CKM.AES_GCM])).toEqual({});
  });

  it("Signature Verify without parameters verifies with the key's PSS / SHA-384", async () => {
    const client = new FakeClient({
      getAttributes: () =>
        attrValues([
          [CKA.KEY_TYPE, ulongBytes(CKK.RSA)],
          [CKA.ALLOWED_MECHANISMS, mechanismList([CKM.RSA_PKCS_PSS, CKM.SHA384_RSA_PKCS_PSS])],
        ]),
      verify: () => true,
    });
    const request = payload(
      build.textString(Tag.UniqueIdentifier, "0A0B_pub"),
      build.byteString(Tag.Data, new Uint8Array([1, 2, 3])),
      build.byteString(Tag.SignatureData, new Uint8Array(256)),
    );
    const result = await signatureVerify.run(request, contextFor(client));
    const mechanism = argsOf(client, "verify")[2] as Mechanism;
    expect(mechanism.type).toBe(CKM.SHA384_RSA_PKCS_PSS);
    expect((mechanism.parameter as PssParams).saltLen).toBe(48);
    expect(field(result.payload, Tag.ValidityIndicator)?.value).toBe(ValidityIndicator.Valid);
    expect(signatureVerify.operation).toBe(Operation.SignatureVerify);
  });

  it("a key whose list records another kind falls back to the key type's defaults", async () => {
    const client = new FakeClient({
      getAttributes: () =>
        attrValues([
          [CKA.KEY_TYPE, ulongBytes(CKK.RSA)],
          [CKA.ALLOWED_MECHANISMS, mechanismList([CKM.ECDSA, CKM.ECDSA_SHA256])],
        ]),
      verify: () => true,
    });
    const request = payload(
      build.textString(Tag.UniqueIdentifier, "0A0B_pub"),
      build.byteString(Tag.Data, new Uint8Array([1])),
      build.byteString(Tag.SignatureData, new Uint8Array(256)),
    );
    await signatureVerify.run(request, contextFor(client));
    expect((argsOf(client, "verify")[2] as Mechanism).type).toBe(CKM.SHA256_RSA_PKCS);
  });
});

describe("Signature Verify of RSA-PSS without a Salt Length", () => {
  function fake(results: boolean[]) {
    const modulus = new Uint8Array(256).fill(0xc5);
    return new FakeClient({
      getAttributes: (_t, _r, types) =>
        types.includes(CKA.MODULUS)
          ? attrValues([[CKA.MODULUS, modulus]])
          : attrValues([
              [CKA.KEY_TYPE, ulongBytes(CKK.RSA)],
              [CKA.ALLOWED_MECHANISMS, mechanismList([CKM.RSA_PKCS_PSS, CKM.SHA256_RSA_PKCS_PSS])],
            ]),
      verify: () => results.shift() ?? false,
    });
  }
  const request = payload(
    build.textString(Tag.UniqueIdentifier, "0A0B_pub"),
    build.byteString(Tag.Data, new Uint8Array([1, 2])),
    build.byteString(Tag.SignatureData, new Uint8Array(256)),
  );
  const saltOf = (client: FakeClient, n: number) =>
    ((argsOf(client, "verify", n)[2] as Mechanism).parameter as PssParams).saltLen;

  it("tries the hash length, then the largest salt (2048 bits, SHA-256: 222)", async () => {
    const client = fake([false, true]);
    const result = await signatureVerify.run(request, contextFor(client));
    expect([saltOf(client, 0), saltOf(client, 1)]).toEqual([32, 222]);
    expect(field(result.payload, Tag.ValidityIndicator)?.value).toBe(ValidityIndicator.Valid);
  });

  it("is Invalid when neither verifies", async () => {
    const client = fake([false, false]);
    const result = await signatureVerify.run(request, contextFor(client));
    expect(client.callsOf("verify")).toHaveLength(2);
    expect(field(result.payload, Tag.ValidityIndicator)?.value).toBe(ValidityIndicator.Invalid);
  });
});
