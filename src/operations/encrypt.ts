/**
 * Encrypt (KMIP 1.4 section 4.29, KMIP 2.1 section 6.1.19): C_EncryptInit + C_Encrypt with
 * the key the Unique Identifier names: an AES secret key (GCM, CBC, ECB; without Block Cipher Mode
 * in the request, the key's recorded one: key-parameters.ts) or an RSA public key
 * (OAEP). Plans and mechanisms: cipher-plan.ts, cipher-call.ts.
 *
 * Request: Unique Identifier, Cryptographic Parameters?, Data, IV/Counter/Nonce?,
 * Authenticated Encryption Additional Data? (GCM). Response (Table 230 order): Unique
 * Identifier, Data, IV/Counter/Nonce (only when the relay generated it: no IV given and
 * Random IV not false; from node:crypto's CSPRNG), Correlation Value (the first part of a
 * multi-part Encrypt), Authenticated Encryption Tag (GCM; of a multi-part one: with the last
 * part). Multi-part: Init Indicator, Correlation Value, Final Indicator (cipher-stream-run.ts).
 */
import { Operation } from "../kmip/enums.js";
import { build } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import type { TtlvItem } from "../ttlv/types.js";
import { splitTag } from "./cipher-call.js";
import { runCipher } from "./cipher-run.js";
import type { OperationHandler } from "./types.js";

/** The Encrypt handler. */
export const encrypt: OperationHandler = {
  operation: Operation.Encrypt,
  needsToken: true,
  async run(payload, ctx) {
    const { uid, call, output, correlation } = await runCipher("Encrypt", payload, ctx);
    const { data, tag } = splitTag(output, call.tagBytes);
    const fields: TtlvItem[] = [
      build.textString(Tag.UniqueIdentifier, uid),
      build.byteString(Tag.Data, data),
    ];
    if (call.generatedIv !== undefined) {
      fields.push(build.byteString(Tag.IVCounterNonce, call.generatedIv));
    }
    if (correlation !== undefined) fields.push(build.byteString(Tag.CorrelationValue, correlation));
    if (call.tagBytes > 0) fields.push(build.byteString(Tag.AuthenticatedEncryptionTag, tag));
    return { uid, payload: fields };
  },
};
