/**
 * Revoke (KMIP 1.4 section 4.20, KMIP 2.1 section 6.1.45). Revocation Reason Key Compromise
 * or CA Compromise: the key becomes Compromised (Destroyed Compromised when destroyed), with
 * Compromise Date now and Compromise Occurrence Date from the request (else its Initial
 * Date); any other reason: an Active key becomes Deactivated, Deactivation Date now. Other
 * transitions are refused (state diagram, lifecycle-rules.ts). The record is written to the
 * token (lifecycle-store.ts); a revoked key no longer signs, MACs or encrypts.
 *
 * Request: Unique Identifier, Revocation Reason{Revocation Reason Code, Revocation
 * Message?}, Compromise Occurrence Date?. Response: Unique Identifier.
 */
import { Operation, RevocationReasonCode } from "../kmip/enums.js";
import { build, optional, optionalStruct, required } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { requireKey, requireToken } from "./keys.js";
import { changeState } from "./lifecycle-attributes.js";
import type { RevocationReasonValue } from "./lifecycle-record.js";
import { revoked } from "./lifecycle-rules.js";
import type { OperationHandler } from "./types.js";

/** The request's Revocation Reason; Unspecified when the request has none. */
function reasonOf(payload: Parameters<OperationHandler["run"]>[0]): RevocationReasonValue {
  const reason = optionalStruct(payload, Tag.RevocationReason);
  if (reason === undefined) return { code: RevocationReasonCode.Unspecified };
  const code = required(reason, Tag.RevocationReasonCode, "Enumeration");
  const message = optional(reason, Tag.RevocationMessage, "TextString");
  return message === undefined ? { code } : { code, message };
}

/** The Revoke handler. */
export const revoke: OperationHandler = {
  operation: Operation.Revoke,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, "Revoke");
    const key = requireKey(payload);
    const { uid } = key;
    const reason = reasonOf(payload);
    const occurrence = optional(payload, Tag.CompromiseOccurrenceDate, "DateTime");
    await changeState(ctx, token, key, (current, now) =>
      revoked(current, reason, occurrence, now, ctx.version),
    );
    return { uid, payload: [build.textString(Tag.UniqueIdentifier, uid)] };
  },
};
