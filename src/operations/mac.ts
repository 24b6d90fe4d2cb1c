/**
 * MAC (KMIP 1.4 section 4.33, KMIP 2.1 section 6.1.30): HMAC by C_SignInit + C_Sign with
 * CKM_SHA256/384/512_HMAC, or AES CMAC by CKM_AES_CMAC, on the secret key the Unique
 * Identifier names (which MAC: mac-plan.ts).
 *
 * Request: Unique Identifier, Cryptographic Parameters?, Data. Response: Unique Identifier,
 * MAC Data.
 */
import { Operation } from "../kmip/enums.js";
import { build, optionalStruct, required } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { requireKey, requireToken } from "./keys.js";
import { explainMacFailure, requireSecretKey, resolveHmac } from "./mac-plan.js";
import { refuseMultiPart } from "./single-part.js";
import type { OperationHandler } from "./types.js";

/** The MAC handler. */
export const mac: OperationHandler = {
  operation: Operation.MAC,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, "MAC");
    const { uid, ref } = requireKey(payload);
    requireSecretKey("MAC", uid, ref);
    refuseMultiPart(payload, "MAC");
    const data = required(payload, Tag.Data, "ByteString");
    const params = optionalStruct(payload, Tag.CryptographicParameters);
    const hmac = await resolveHmac("MAC", params, ctx.client, token, ref);
    const macData = await ctx.client
      .sign(token, ref, { type: hmac.ckm }, data)
      .catch((err: unknown) => explainMacFailure(err, "MAC", hmac, ctx.client, token, ref));
    return {
      uid,
      payload: [
        build.textString(Tag.UniqueIdentifier, uid),
        build.byteString(Tag.MACData, macData),
      ],
    };
  },
};
