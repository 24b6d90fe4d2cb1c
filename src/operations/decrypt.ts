/**
 * Decrypt (KMIP 1.4 section 4.30, KMIP 2.1 section 6.1.18): C_DecryptInit + C_Decrypt with
 * the key the Unique Identifier names: an AES secret key (GCM, CBC, ECB; without Block Cipher Mode
 * in the request, the key's recorded one: key-parameters.ts) or an RSA private key
 * (OAEP). Plans and mechanisms: cipher-plan.ts, cipher-call.ts.
 *
 * Request: Unique Identifier, Cryptographic Parameters?, Data, IV/Counter/Nonce (AES),
 * Authenticated Encryption Additional Data? and Authenticated Encryption Tag (GCM).
 * Response: Unique Identifier, Data. Data that does not decrypt (a GCM tag that does not
 * match, bad CBC padding, bad OAEP encoding) is Cryptographic Failure. Multi-part: Init
 * Indicator, Correlation Value (in the first response), Final Indicator; a GCM Decrypt takes
 * the tag with its last part (cipher-stream-run.ts).
 */
import { Operation } from "../kmip/enums.js";
import { build } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { removePadding } from "./cipher-call.js";
import { runCipher } from "./cipher-run.js";
import type { OperationHandler } from "./types.js";

/** The Decrypt handler. */
export const decrypt: OperationHandler = {
  operation: Operation.Decrypt,
  needsToken: true,
  async run(payload, ctx) {
    const { uid, call, output, correlation } = await runCipher("Decrypt", payload, ctx);
    const data = removePadding(call, output);
    const fields = [build.textString(Tag.UniqueIdentifier, uid), build.byteString(Tag.Data, data)];
    if (correlation !== undefined) fields.push(build.byteString(Tag.CorrelationValue, correlation));
    return { uid, payload: fields };
  },
};
