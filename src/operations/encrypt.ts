/**
 * Encrypt (KMIP 1.4 section 4.29, KMIP 2.1 section 6.1.19): C_EncryptInit + C_Encrypt with
 * the key the Unique Identifier names: an AES secret key (GCM, CBC, ECB; without Block Cipher Mode
 * in the request, the key's recorded one: key-parameters.ts) or an RSA public key
 * (OAEP). Plans and mechanisms: cipher-plan.ts, cipher-call.ts.
 *
 * Request: Unique Identifier, Cryptographic Parameters?, Data, IV/Counter/Nonce?,
 * Authenticated Encryption Additional Data? (GCM). Response (Table 230 order): Unique
 * Identifier, Data, IV/Counter/Nonce (only when the relay generated it: no IV given and
 * Random IV not false; from node:crypto's CSPRNG), Authenticated Encryption Tag (GCM).
 */
import { Operation } from "../kmip/enums.js";
import { build, optionalStruct } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import type { TtlvItem } from "../ttlv/types.js";
import { cipherCall, explainCipherFailure, readCipherInput, splitTag } from "./cipher-call.js";
import { cipherPlan, needsKeyMode, refuseMultiPart } from "./cipher-plan.js";
import { readKeyMechanism } from "./key-parameters.js";
import { requireKey, requireToken } from "./keys.js";
import type { OperationHandler } from "./types.js";
import { halfOf } from "./uid.js";

/** The Encrypt handler. */
export const encrypt: OperationHandler = {
  operation: Operation.Encrypt,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, "Encrypt");
    const { uid, ref } = requireKey(payload);
    refuseMultiPart(payload, "Encrypt");
    const params = optionalStruct(payload, Tag.CryptographicParameters);
    const half = halfOf(ref);
    const keyMechanism = needsKeyMode(half, params)
      ? await readKeyMechanism(ctx.client, token, ref)
      : undefined;
    const plan = cipherPlan("Encrypt", half, params, keyMechanism);
    const call = cipherCall("Encrypt", plan, readCipherInput(payload, "Encrypt"));
    const output = await ctx.client
      .encrypt(token, ref, call.mechanism, call.data)
      .catch((err: unknown) => explainCipherFailure(err, "Encrypt", plan));
    const { data, tag } = splitTag(output, call.tagBytes);
    const fields: TtlvItem[] = [
      build.textString(Tag.UniqueIdentifier, uid),
      build.byteString(Tag.Data, data),
    ];
    if (call.generatedIv !== undefined) {
      fields.push(build.byteString(Tag.IVCounterNonce, call.generatedIv));
    }
    if (call.tagBytes > 0) fields.push(build.byteString(Tag.AuthenticatedEncryptionTag, tag));
    return { uid, payload: fields };
  },
};
