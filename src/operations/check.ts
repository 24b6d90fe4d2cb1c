/**
 * Check (KMIP 1.4 section 4.10, KMIP 2.1 section 6.1.7): whether the client may use a key as
 * the request says, without using it. Usually batched (after Locate or Create, before Get)
 * with Batch Error Continuation Option Stop or Undo.
 *
 * Request: Unique Identifier (absent: the ID Placeholder, filled in by the batch runner),
 * Usage Limits Count, Cryptographic Usage Mask, Lease Time (each optional, written bare,
 * not in an Attribute structure). Response: Unique Identifier.
 *
 * What the relay checks:
 * - the key exists on the token (Item Not Found);
 * - Cryptographic Usage Mask: every requested bit is in the key's mask as Get Attributes
 *   reads it (attribute-values.ts: CKA_ENCRYPT, CKA_SIGN, ...), else Operation Failed with
 *   Incompatible Cryptographic Usage Mask (KMIP 2.x; 1.x has no such reason: Permission
 *   Denied). The failed item carries the requested mask in its payload before KMIP 2.1 (the
 *   spec: "returns the set of attributes ... that caused the server policy denial"), none
 *   under 2.1 (as the 2.1 test case BL-M-2-21 answers);
 * - Usage Limits Count: the relay keeps no Usage Limits attribute, and a key without one is
 *   usable without limit (KMIP 1.4 section 3.21), so any count is allowed;
 * - Lease Time: the relay grants no leases (no Lease Time attribute, no Obtain Lease), so it
 *   cannot say a lease "MAY be granted": Feature Not Supported.
 *
 * The lifecycle State is not part of Check (Get Attributes tells it; the operations that use
 * the key enforce it).
 */
import { hex32, Operation, ResultReason } from "../kmip/enums.js";
import { KmipError, kmipErrors } from "../kmip/errors.js";
import { build, findChild, optional } from "../kmip/item.js";
import { type ProtocolVersion, versionAtLeast } from "../kmip/messages.js";
import { Tag } from "../kmip/tags.js";
import { readObjectAttributes } from "./attribute-values.js";
import { requireKey, requireToken } from "./keys.js";
import type { OperationHandler } from "./types.js";

/** The Check handler. */
export const check: OperationHandler = {
  operation: Operation.Check,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, "Check");
    const { uid, ref } = requireKey(payload);
    const wanted = optional(payload, Tag.CryptographicUsageMask, "Integer");
    if (findChild(payload, Tag.LeaseTime) !== undefined) {
      throw kmipErrors.notSupported(
        "Check: Lease Time cannot be checked: the relay grants no leases (no Obtain Lease)",
      );
    }
    // Read even without a mask to check: the key must exist (Item Not Found otherwise).
    const attributes = await readObjectAttributes(ctx.client, token, uid, ref, {
      digest: false,
      link: false,
    });
    if (wanted !== undefined) {
      const item = attributes.find((a) => a.tag === Tag.CryptographicUsageMask)?.value;
      const allowed = item?.type === "Integer" ? item.value : 0;
      const refused = wanted & ~allowed;
      if (refused !== 0) throw incompatibleMask(ctx.version, wanted, refused);
    }
    return { uid, payload: [build.textString(Tag.UniqueIdentifier, uid)] };
  },
};

/**
 * A requested usage the key's mask does not allow, in the version's terms. Before KMIP 2.1
 * the failed item carries the attribute that failed (KMIP 1.4 section 4.10; PyKMIP 0.10
 * reads it and fails without it); the KMIP 2.1 test case BL-M-2-21 answers none.
 */
function incompatibleMask(version: ProtocolVersion, wanted: number, refused: number): KmipError {
  const reason =
    version.major >= 2
      ? ResultReason.IncompatibleCryptographicUsageMask
      : ResultReason.PermissionDenied;
  return new KmipError(
    reason,
    `Check Failed: the key's Cryptographic Usage Mask does not allow the requested usage ${hex32(refused >>> 0)}`,
    versionAtLeast(version, 2, 1) ? undefined : [build.integer(Tag.CryptographicUsageMask, wanted)],
  );
}
