/**
 * cipherPlan: the Result Reason of a GCM Tag Length no cipher takes (General Failure for
 * KMIP 1.x, as the OASIS CS-BC-M-GCM-1 cases expect; Bad Cryptographic Parameters for 2.x);
 * DES3 plans and calls (CKM_DES3_*, 8-byte blocks and IVs).
 */
import { describe, expect, it } from "vitest";
import {
  BlockCipherMode,
  CryptographicAlgorithm,
  PaddingMethod,
  ResultReason,
} from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import {
  cipherCall,
  explainCipherFailure,
  removePadding,
} from "../../../src/operations/cipher-call.js";
import { cipherPlan, needsKeyMode } from "../../../src/operations/cipher-plan.js";
import { CKM, CKR } from "../../../src/pkcs11/constants.js";
import { Pkcs11Error } from "../../../src/pkcs11/errors.js";

function gcm(tagLength: number) {
  return build.structure(Tag.CryptographicParameters, [
    build.enumeration(Tag.BlockCipherMode, BlockCipherMode.GCM),
    build.integer(Tag.TagLength, tagLength),
  ]);
}

function refusal(fn: () => unknown): KmipError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KmipError) return err;
    throw err;
  }
  throw new Error("expected a refusal");
}

describe("cipherPlan: GCM Tag Length", () => {
  it.each([1, 32, 10, 0])(
    "Tag Length %i: General Failure (1.x), Bad Cryptographic Parameters (2.x)",
    (length) => {
      for (const op of ["Encrypt", "Decrypt"] as const) {
        const v1 = refusal(() => cipherPlan(op, "secret", gcm(length), undefined, { major: 1 }));
        expect(v1.reason).toBe(ResultReason.GeneralFailure);
        expect(v1.message).toMatch(
          new RegExp(
            `^${op}: Cryptographic Parameters: Tag Length ${length} bytes is not a GCM tag length \\(4, 8, 12-16`,
          ),
        );
        const v2 = refusal(() => cipherPlan(op, "secret", gcm(length), undefined, { major: 2 }));
        expect(v2.reason).toBe(ResultReason.BadCryptographicParameters);
        const none = refusal(() => cipherPlan(op, "secret", gcm(length)));
        expect(none.reason).toBe(ResultReason.GeneralFailure);
      }
    },
  );

  it("takes the SP 800-38D lengths", () => {
    for (const length of [4, 8, 12, 13, 14, 15, 16]) {
      const plan = cipherPlan("Encrypt", "secret", gcm(length), undefined, { major: 2 });
      expect(plan).toMatchObject({ kind: "GCM", tagBytes: length, tagGiven: true });
    }
  });
});

function des3(mode?: number, padding?: number, algorithm = true) {
  return build.structure(Tag.CryptographicParameters, [
    ...(algorithm
      ? [build.enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.DES3)]
      : []),
    ...(mode === undefined ? [] : [build.enumeration(Tag.BlockCipherMode, mode)]),
    ...(padding === undefined ? [] : [build.enumeration(Tag.PaddingMethod, padding)]),
  ]);
}

const input = (data: Uint8Array, iv?: Uint8Array) => ({ data, iv, aad: undefined, tag: undefined });

describe("DES3", () => {
  it("ECB: CKM_DES3_ECB on whole 8-byte blocks; PKCS5 pads to 8 and unpads", () => {
    const plan = cipherPlan("Encrypt", "secret", des3(BlockCipherMode.ECB));
    const call = cipherCall("Encrypt", plan, input(new Uint8Array(24)));
    expect(call.mechanism).toEqual({ type: CKM.DES3_ECB });
    const odd = refusal(() => cipherCall("Encrypt", plan, input(new Uint8Array(12))));
    expect(odd.message).toMatch(/not a whole number of 8-byte blocks/);
    const padded = cipherPlan("Encrypt", "secret", des3(BlockCipherMode.ECB, PaddingMethod.PKCS5));
    expect(cipherCall("Encrypt", padded, input(new Uint8Array(5))).data).toEqual(
      new Uint8Array([0, 0, 0, 0, 0, 3, 3, 3]),
    );
    const back = cipherPlan("Decrypt", "secret", des3(BlockCipherMode.ECB, PaddingMethod.PKCS5));
    const decrypt = cipherCall("Decrypt", back, input(new Uint8Array(8)));
    expect(removePadding(decrypt, new Uint8Array([9, 9, 9, 9, 9, 3, 3, 3]))).toEqual(
      new Uint8Array([9, 9, 9, 9, 9]),
    );
  });

  it("CBC: CKM_DES3_CBC_PAD (PKCS5, the default) or CKM_DES3_CBC with an 8-byte IV", () => {
    const iv = new Uint8Array(8).fill(7);
    const pad = cipherCall(
      "Encrypt",
      cipherPlan("Encrypt", "secret", des3(BlockCipherMode.CBC)),
      input(new Uint8Array(3), iv),
    );
    expect(pad.mechanism).toEqual({ type: CKM.DES3_CBC_PAD, parameter: iv });
    const generated = cipherCall(
      "Encrypt",
      cipherPlan("Encrypt", "secret", des3(BlockCipherMode.CBC, PaddingMethod.None)),
      input(new Uint8Array(16)),
    );
    expect(generated.mechanism.type).toBe(CKM.DES3_CBC);
    expect(generated.generatedIv).toHaveLength(8);
    const aesIv = refusal(() =>
      cipherCall(
        "Encrypt",
        cipherPlan("Encrypt", "secret", des3(BlockCipherMode.CBC)),
        input(new Uint8Array(3), new Uint8Array(16)),
      ),
    );
    expect(aesIv.message).toMatch(/IV\/Counter\/Nonce of 16 bytes \(DES3 CBC: 8\)/);
  });

  it("a key kept to a DES3 mode is DES3 without parameters; GCM is refused for DES3", () => {
    expect(needsKeyMode("secret", des3())).toBe(true);
    expect(needsKeyMode("secret", des3(BlockCipherMode.ECB))).toBe(false);
    // A mode without an algorithm is planned (for AES) without a key read.
    expect(needsKeyMode("secret", des3(BlockCipherMode.ECB, undefined, false))).toBe(false);
    expect(needsKeyMode("secret", des3(undefined, undefined, false))).toBe(true);
    const kept = cipherPlan("Decrypt", "secret", undefined, CKM.DES3_CBC);
    expect(kept).toMatchObject({ kind: "CBC", padded: false, cipher: { name: "DES3" } });
    const aes = cipherPlan("Decrypt", "secret", undefined, CKM.AES_CBC);
    expect(aes).toMatchObject({ kind: "CBC", cipher: { name: "AES" } });
    const gcm = refusal(() => cipherPlan("Encrypt", "secret", des3(BlockCipherMode.GCM)));
    expect(gcm.reason).toBe(ResultReason.FeatureNotSupported);
    expect(gcm.message).toMatch(/GCM is not supported for DES3 \(CBC, ECB\)/);
    const none = refusal(() => cipherPlan("Encrypt", "secret", des3()));
    expect(none.reason).toBe(ResultReason.MissingData);
    expect(none.message).toMatch(/required for DES3 \(CBC, ECB\)/);
  });

  it("a key of another type than the plan's: Invalid Field asking for its algorithm", () => {
    const plan = cipherPlan("Encrypt", "secret", des3(BlockCipherMode.ECB, undefined, false));
    const err = refusal(() =>
      explainCipherFailure(
        new Pkcs11Error(CKR.KEY_TYPE_INCONSISTENT, "C_EncryptInit"),
        "Encrypt",
        plan,
      ),
    );
    expect(err.reason).toBe(ResultReason.InvalidField);
    expect(err.message).toMatch(/the key is not of type AES; name its algorithm/);
  });
});
