/**
 * MAC Verify (KMIP 1.4 section 4.34, KMIP 2.1 section 6.1.31): HMAC check by C_VerifyInit +
 * C_Verify with CKM_SHA256/384/512_HMAC, or CKM_AES_CMAC for an AES key, on the secret key
 * the Unique Identifier names (which MAC: mac-plan.ts). A MAC that does not match (CKR_SIGNATURE_INVALID, or of the wrong
 * length: CKR_SIGNATURE_LEN_RANGE) is a successful answer with Validity Indicator Invalid.
 *
 * Request: Unique Identifier, Cryptographic Parameters?, Data (required for HMAC), MAC Data.
 * Response: Unique Identifier, Validity Indicator.
 */
import { Operation, ValidityIndicator } from "../kmip/enums.js";
import { build, optionalStruct, required } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { requireKey, requireToken } from "./keys.js";
import { explainMacFailure, requireSecretKey, resolveHmac } from "./mac-plan.js";
import { refuseMultiPart } from "./single-part.js";
import type { OperationHandler } from "./types.js";

/** The MAC Verify handler. */
export const macVerify: OperationHandler = {
  operation: Operation.MACVerify,
  needsToken: true,
  async run(payload, ctx) {
    const op = "MAC Verify";
    const token = requireToken(ctx, op);
    const { uid, ref } = requireKey(payload);
    requireSecretKey(op, uid, ref);
    refuseMultiPart(payload, op);
    const data = required(payload, Tag.Data, "ByteString");
    const macData = required(payload, Tag.MACData, "ByteString");
    const params = optionalStruct(payload, Tag.CryptographicParameters);
    const hmac = await resolveHmac(op, params, ctx.client, token, ref);
    const valid = await ctx.client
      .verify(token, ref, { type: hmac.ckm }, data, macData)
      .catch((err: unknown) => explainMacFailure(err, op, hmac, ctx.client, token, ref));
    const validity = valid ? ValidityIndicator.Valid : ValidityIndicator.Invalid;
    return {
      uid,
      payload: [
        build.textString(Tag.UniqueIdentifier, uid),
        build.enumeration(Tag.ValidityIndicator, validity),
      ],
    };
  },
};
