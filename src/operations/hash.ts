/**
 * Hash (KMIP 1.4 section 4.37, KMIP 2.1 section 6.1.24): C_DigestInit + C_Digest on the
 * request's token, so hashing stays on the HSM like every other cryptographic operation.
 *
 * Request: Cryptographic Parameters{Hashing Algorithm}, Data. Response: Data (the digest).
 * Hashing Algorithm SHA-1, SHA-224, SHA-256, SHA-384 or SHA-512 (CKM_SHA_1 ... CKM_SHA512);
 * others are Feature Not Supported (PKCS#11 tokens rarely keep MD5, SHA-3 is rare too).
 * Only single-part hashing: a Correlation Value, or an Init / Final Indicator that is not
 * the single-part pair (both true), is Feature Not Supported. The data crosses the worker
 * RPC; the relay's message size limit bounds it.
 */
import { HashingAlgorithm, Operation } from "../kmip/enums.js";
import { kmipErrors } from "../kmip/errors.js";
import { build, findChild, type ItemOf, optional, required, requiredStruct } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { CKM } from "../pkcs11/constants.js";
import { enumText, requireToken } from "./keys.js";
import type { OperationHandler } from "./types.js";

const OP = "Hash";

/** KMIP Hashing Algorithm -> the PKCS#11 digest mechanism. */
const DIGESTS: ReadonlyMap<number, number> = new Map([
  [HashingAlgorithm.SHA_1, CKM.SHA_1],
  [HashingAlgorithm.SHA_224, CKM.SHA224],
  [HashingAlgorithm.SHA_256, CKM.SHA256],
  [HashingAlgorithm.SHA_384, CKM.SHA384],
  [HashingAlgorithm.SHA_512, CKM.SHA512],
]);

/** Refuses the multi-part forms (KMIP 1.4 sections 2.1.15-2.1.17). */
function requireSinglePart(payload: ItemOf<"Structure">): void {
  const init = optional(payload, Tag.InitIndicator, "Boolean");
  const final = optional(payload, Tag.FinalIndicator, "Boolean");
  const streaming =
    findChild(payload, Tag.CorrelationValue) !== undefined ||
    init === false ||
    final === false ||
    (init === true) !== (final === true);
  if (streaming) {
    throw kmipErrors.notSupported(
      `${OP}: multi-part hashing (Correlation Value, Init / Final Indicator) is not supported`,
    );
  }
}

/** The Hash handler. */
export const hash: OperationHandler = {
  operation: Operation.Hash,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, OP);
    requireSinglePart(payload);
    const params = requiredStruct(payload, Tag.CryptographicParameters);
    const algorithm = optional(params, Tag.HashingAlgorithm, "Enumeration");
    if (algorithm === undefined) {
      throw kmipErrors.missingData(
        `${OP}: Cryptographic Parameters: Hashing Algorithm is required`,
      );
    }
    const mechanism = DIGESTS.get(algorithm);
    if (mechanism === undefined) {
      throw kmipErrors.notSupported(
        `${OP}: Hashing Algorithm ${enumText(Tag.HashingAlgorithm, algorithm)} is not supported (SHA_1, SHA_224, SHA_256, SHA_384, SHA_512)`,
      );
    }
    const data = required(payload, Tag.Data, "ByteString");
    const digest = await ctx.client.digest(token, { type: mechanism }, data);
    return { payload: [build.byteString(Tag.Data, digest)] };
  },
};
