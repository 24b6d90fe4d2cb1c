/**
 * Decrypt (KMIP 1.4 section 4.30, KMIP 2.1 section 6.1.18): C_DecryptInit + C_Decrypt with
 * the key the Unique Identifier names: an AES secret key (GCM, CBC, ECB; without Block Cipher Mode
 * in the request, the key's recorded one: key-parameters.ts) or an RSA private key
 * (OAEP). Plans and mechanisms: cipher-plan.ts, cipher-call.ts.
 *
 * Request: Unique Identifier, Cryptographic Parameters?, Data, IV/Counter/Nonce (AES),
 * Authenticated Encryption Additional Data? and Authenticated Encryption Tag (GCM).
 * Response: Unique Identifier, Data. Data that does not decrypt (a GCM tag that does not
 * match, bad CBC padding, bad OAEP encoding) is Cryptographic Failure.
 */
import { Operation } from "../kmip/enums.js";
import { build, optionalStruct } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { cipherCall, explainCipherFailure, readCipherInput, removePadding } from "./cipher-call.js";
import { cipherPlan, needsKeyMode, refuseMultiPart } from "./cipher-plan.js";
import { readKeyMechanism } from "./key-parameters.js";
import { requireKey, requireToken } from "./keys.js";
import type { OperationHandler } from "./types.js";
import { halfOf } from "./uid.js";

/** The Decrypt handler. */
export const decrypt: OperationHandler = {
  operation: Operation.Decrypt,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, "Decrypt");
    const { uid, ref } = requireKey(payload);
    refuseMultiPart(payload, "Decrypt");
    const params = optionalStruct(payload, Tag.CryptographicParameters);
    const half = halfOf(ref);
    const keyMechanism = needsKeyMode(half, params)
      ? await readKeyMechanism(ctx.client, token, ref)
      : undefined;
    const plan = cipherPlan("Decrypt", half, params, keyMechanism);
    const call = cipherCall("Decrypt", plan, readCipherInput(payload, "Decrypt"));
    const output = await ctx.client
      .decrypt(token, ref, call.mechanism, call.data)
      .catch((err: unknown) => explainCipherFailure(err, "Decrypt", plan));
    const data = removePadding(call, output);
    return {
      uid,
      payload: [build.textString(Tag.UniqueIdentifier, uid), build.byteString(Tag.Data, data)],
    };
  },
};
