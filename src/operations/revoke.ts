/**
 * Revoke (KMIP 1.4 section 4.20, KMIP 2.1 section 6.1.45). PKCS#11 keys have no lifecycle
 * state: the key is looked up (C_FindObjects) and, when it exists, the request succeeds
 * without changing anything. Cascade revokes a key just before it destroys it.
 *
 * Request: Unique Identifier, Revocation Reason{Revocation Reason Code, Revocation
 * Message?}, Compromise Occurrence Date?. Response: Unique Identifier.
 */
import { Operation } from "../kmip/enums.js";
import { build, optionalStruct, required } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { requireExisting, requireKey, requireToken } from "./keys.js";
import type { OperationHandler } from "./types.js";

/** The Revoke handler. */
export const revoke: OperationHandler = {
  operation: Operation.Revoke,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, "Revoke");
    const { uid, ref } = requireKey(payload);
    const reason = optionalStruct(payload, Tag.RevocationReason);
    if (reason !== undefined) required(reason, Tag.RevocationReasonCode, "Enumeration");
    await requireExisting(ctx.client, token, ref);
    return { uid, payload: [build.textString(Tag.UniqueIdentifier, uid)] };
  },
};
