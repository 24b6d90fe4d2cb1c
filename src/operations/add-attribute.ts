/**
 * Add Attribute (KMIP 1.4 section 4.14, KMIP 2.1 section 6.1.2): a Name for a key that has
 * none, set as its CKA_LABEL (C_SetAttributeValue).
 *
 * 1.x form. Request: Unique Identifier, Attribute{Attribute Name, Attribute Value}.
 * Response: Unique Identifier, the Attribute as added.
 * 2.x form. Request: Unique Identifier, New Attribute{attribute}. Response: Unique Identifier.
 *
 * Errors (KMIP 1.4 section 11.15): a key holds one label, so a second Name is Index Out Of
 * Bounds (the instance limit) under a 1.x header; under a 2.x header (KMIP 2.1 section 6.1.2,
 * table 169, which has no Index Out Of Bounds) the same Name again is Non Unique Name Attribute
 * (as the OASIS test BL-M-8-21 expects) and a different one Server Limit Exceeded; an
 * Attribute Index in the request: Invalid Field; an attribute
 * the relay derives from the key (Object Type, Cryptographic Algorithm, Length, Usage Mask,
 * State, Digest, Link, Unique Identifier): Permission Denied (read-only); any other: Permission
 * Denied (not supported for a PKCS#11 key).
 */
import { Operation, ResultReason } from "../kmip/enums.js";
import { KmipError, kmipErrors } from "../kmip/errors.js";
import { build, findChild } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { type KmipAttribute, readV1Attribute, writeAttribute } from "../kmip/template.js";
import { CKA } from "../pkcs11/constants.js";
import {
  attributeText,
  DERIVED_ATTRIBUTES,
  innerAttribute,
  nameText,
  readLabel,
} from "./attribute-edit.js";
import { requireKey, requireToken } from "./keys.js";
import type { OperationHandler } from "./types.js";

const OP = "Add Attribute";

function refuseUnsupported(attribute: KmipAttribute): void {
  if (attribute.tag === Tag.Name) return;
  const what = attributeText(attribute);
  throw kmipErrors.permissionDenied(
    DERIVED_ATTRIBUTES.has(attribute.tag)
      ? `${OP}: ${what} is read-only (derived from the key, or set by the relay alone)`
      : `${OP}: ${what} cannot be stored with a PKCS#11 key (only Name can be added)`,
  );
}

/** The error for a Name on a key that has one (see the module comment for the reasons). */
function secondName(major: number, same: boolean): KmipError {
  const reason =
    major < 2
      ? ResultReason.IndexOutOfBounds
      : same
        ? ResultReason.NonUniqueNameAttribute
        : ResultReason.ServerLimitExceeded;
  const what = same ? "this Name" : "a Name (its CKA_LABEL holds one)";
  return new KmipError(
    reason,
    `${OP}: the key already has ${what}; use Modify Attribute or Delete Attribute`,
  );
}

/** The Add Attribute handler. */
export const addAttribute: OperationHandler = {
  operation: Operation.AddAttribute,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, OP);
    const { uid, ref } = requireKey(payload);
    const v1 = findChild(payload, Tag.Attribute);
    const v2 = findChild(payload, Tag.NewAttribute);
    if (v1 === undefined && v2 === undefined) {
      throw kmipErrors.missingData(
        `${OP}: Attribute (KMIP 1.x) or New Attribute (KMIP 2.x) is required`,
      );
    }
    const attribute = v1 !== undefined ? readV1Attribute(v1) : innerAttribute(OP, v2!);
    if (attribute.index !== undefined) {
      throw kmipErrors.invalidField(`${OP}: the new attribute must not carry an Attribute Index`);
    }
    const present = await readLabel(ctx.client, token, ref); // Item Not Found first
    refuseUnsupported(attribute);
    const label = nameText(OP, attribute.value);
    if (present.length > 0) throw secondName(ctx.version.major, present === label);
    await ctx.client.setAttributes(token, ref, [{ type: CKA.LABEL, value: label }]);
    const uidItem = build.textString(Tag.UniqueIdentifier, uid);
    if (v1 === undefined) return { uid, payload: [uidItem] };
    return { uid, payload: [uidItem, writeAttribute({ major: 1, minor: 0 }, attribute)] };
  },
};
