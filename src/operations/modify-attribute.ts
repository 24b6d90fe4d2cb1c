/**
 * Modify Attribute (KMIP 1.4 section 4.16, KMIP 2.1 section 6.1.34): the Name of a key,
 * which is its CKA_LABEL (C_SetAttributeValue). Other attributes: Feature Not Supported.
 *
 * 1.x form. Request: Unique Identifier, Attribute{Attribute Name "Name", Attribute Index?,
 * Attribute Value Name{Name Value, Name Type}}. Response: Unique Identifier and the
 * Attribute as set (Cascade's client requires it).
 *
 * 2.x form. Request: Unique Identifier, Current Attribute?{Name}, New Attribute{Name}.
 * Response: Unique Identifier (KMIP 2.1 Table 266). A Current Attribute that is not the
 * key's present Name: Attribute Instance Not Found.
 *
 * The form follows the request's fields, whatever its protocol version.
 *
 * Activation Date (KMIP 1.4 section 3.24, 2.1 section 4.1: "Modifiable by client: Yes, only
 * while in Pre-Active state") of a key with a lifecycle record: a Pre-Active key takes the new
 * date (it is Active once the date has passed); any other State is Wrong Key Lifecycle State
 * (2.x) / Permission Denied (1.x), as the OASIS test cases SKLC-M-3 expect.
 */
import { NameType, Operation, ResultReason, State } from "../kmip/enums.js";
import { KmipError, kmipErrors } from "../kmip/errors.js";
import { build, findChild, nameOf, required } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import {
  type KmipAttribute,
  readAttributes,
  readV1Attribute,
  writeAttribute,
} from "../kmip/template.js";
import { CKA } from "../pkcs11/constants.js";
import type { TtlvItem } from "../ttlv/types.js";
import { attrBytes, enumText, requireKey, requireToken } from "./keys.js";
import { effectiveState, wrongState } from "./lifecycle-rules.js";
import { UNRECORDED } from "./lifecycle-store.js";
import type { OperationContext, OperationHandler } from "./types.js";

/**
 * The label a Name attribute sets. Any other attribute is read-only here (PKCS#11 holds it
 * as the key's own property or not at all): Attribute Read Only where KMIP defines it (2.x),
 * Permission Denied under 1.x (KMIP 1.4 section 11.16), as Add Attribute answers.
 */
function labelOf(attribute: KmipAttribute, major: number): string {
  if (attribute.tag !== Tag.Name) {
    const what = attribute.name ?? nameOf(attribute.tag);
    throw new KmipError(
      major >= 2 ? ResultReason.AttributeReadOnly : ResultReason.PermissionDenied,
      `Modify Attribute: only Name can be modified, not ${what} (read-only here)`,
    );
  }
  if (attribute.index !== undefined && attribute.index !== 0) {
    throw new KmipError(
      ResultReason.IndexOutOfBounds,
      `Modify Attribute: a key has one Name; Attribute Index ${attribute.index} does not exist`,
    );
  }
  const value = required(attribute.value, Tag.NameValue, "TextString");
  const type = required(attribute.value, Tag.NameType, "Enumeration");
  if (type !== NameType.UninterpretedTextString) {
    throw kmipErrors.invalidField(
      `Name: Name Type ${enumText(Tag.NameType, type)} is not supported (Uninterpreted Text String)`,
    );
  }
  return value;
}

/**
 * Sets the Activation Date of a Pre-Active key in its lifecycle record; refuses it in any
 * other State (lifecycle-rules.ts wrongState). Without a lifecycle store: read-only.
 */
async function modifyActivationDate(
  attribute: KmipAttribute,
  uid: string,
  token: string,
  ctx: OperationContext,
): Promise<void> {
  const store = ctx.lifecycle;
  if (store === undefined || attribute.value.type !== "DateTime") {
    labelOf(attribute, ctx.version.major);
    return;
  }
  const date = attribute.value.value;
  await store.update(token, uid, async (current) => {
    const record = current ?? UNRECORDED;
    const now = store.now();
    const state = effectiveState(record, now);
    if (state !== State.PreActive) {
      throw wrongState(
        ctx.version,
        `Modify Attribute: Activation Date can be changed only while the key is Pre-Active; it is ${enumText(Tag.State, state)}`,
      );
    }
    return { ...record, activationDate: date, lastChangeDate: now };
  });
}

/** The single attribute inside a 2.x Current Attribute / New Attribute structure. */
function innerAttribute(holder: TtlvItem): KmipAttribute {
  const attributes = readAttributes(holder);
  const first = attributes[0];
  if (first === undefined || attributes.length > 1) {
    throw kmipErrors.invalidField(`${nameOf(holder.tag)}: exactly one attribute is expected`);
  }
  return first;
}

/** The Modify Attribute handler. */
export const modifyAttribute: OperationHandler = {
  operation: Operation.ModifyAttribute,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, "Modify Attribute");
    const { uid, ref } = requireKey(payload);
    const v1 = findChild(payload, Tag.Attribute);
    const v2 = findChild(payload, Tag.NewAttribute);
    if (v1 === undefined && v2 === undefined) {
      throw kmipErrors.missingData(
        "Modify Attribute: Attribute (KMIP 1.x) or New Attribute (KMIP 2.x) is required",
      );
    }
    const uidItem = build.textString(Tag.UniqueIdentifier, uid);
    if (v1 !== undefined) {
      const attribute = readV1Attribute(v1);
      if (attribute.tag === Tag.ActivationDate) {
        await modifyActivationDate(attribute, uid, token, ctx);
        return { uid, payload: [uidItem, writeAttribute({ major: 1, minor: 0 }, attribute)] };
      }
      await ctx.client.setAttributes(token, ref, [
        { type: CKA.LABEL, value: labelOf(attribute, ctx.version.major) },
      ]);
      return { uid, payload: [uidItem, writeAttribute({ major: 1, minor: 0 }, attribute)] };
    }
    const wanted = innerAttribute(v2 as TtlvItem);
    if (
      wanted.tag === Tag.ActivationDate &&
      findChild(payload, Tag.CurrentAttribute) === undefined
    ) {
      await modifyActivationDate(wanted, uid, token, ctx);
      return { uid, payload: [uidItem] };
    }
    const label = labelOf(wanted, ctx.version.major);
    const current = findChild(payload, Tag.CurrentAttribute);
    if (current !== undefined) {
      const expected = labelOf(innerAttribute(current), ctx.version.major);
      const values = await ctx.client.getAttributes(token, ref, [CKA.LABEL]);
      const present = Buffer.from(attrBytes(values, CKA.LABEL)).toString("utf8");
      if (present !== expected) {
        // Attribute Instance Not Found exists from KMIP 2.0 on; KMIP 1.4 section 11.16
        // answers a missing instance with Item Not Found.
        throw new KmipError(
          ctx.version.major >= 2
            ? ResultReason.AttributeInstanceNotFound
            : ResultReason.ItemNotFound,
          "Modify Attribute: Current Attribute is not the key's Name",
        );
      }
    }
    await ctx.client.setAttributes(token, ref, [{ type: CKA.LABEL, value: label }]);
    return { uid, payload: [uidItem] };
  },
};
