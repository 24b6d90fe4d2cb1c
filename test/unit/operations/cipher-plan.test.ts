/**
 * cipherPlan: the Result Reason of a GCM Tag Length no cipher takes (General Failure for
 * KMIP 1.x, as the OASIS CS-BC-M-GCM-1 cases expect; Bad Cryptographic Parameters for 2.x).
 */
import { describe, expect, it } from "vitest";
import { BlockCipherMode, ResultReason } from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { cipherPlan } from "../../../src/operations/cipher-plan.js";

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
