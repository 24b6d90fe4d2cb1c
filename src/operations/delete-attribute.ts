/**
 * Delete Attribute (KMIP 1.4 section 4.17, KMIP 2.1 section 6.1.13): a key's Name, by
 * clearing its CKA_LABEL (C_SetAttributeValue with an empty label).
 *
 * 1.x form. Request: Unique Identifier, Attribute Name, Attribute Index?. Response: Unique
 * Identifier, the deleted Attribute{Attribute Name, Attribute Index?, Attribute Value}.
 * 2.x form. Request: Unique Identifier, Current Attribute? (must be the present Name) or
 * Attribute Reference?. Response: Unique Identifier.
 *
 * Errors (KMIP 1.4 section 11.17): no Name, an Attribute Index above 0, a Current Attribute
 * that is not the key's Name: Item Not Found; an attribute the relay derives from the key
 * (read-only or required): Permission Denied; any other attribute (a key never has it): Item
 * Not Found.
 */
import { Operation } from "../kmip/enums.js";
import { kmipErrors } from "../kmip/errors.js";
import { build, findChild, type ItemOf, optional } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { writeAttribute } from "../kmip/template.js";
import { CKA } from "../pkcs11/constants.js";
import {
  attributeText,
  DERIVED_ATTRIBUTES,
  innerAttribute,
  nameText,
  nameValue,
  readLabel,
} from "./attribute-edit.js";
import { refOfName, refOfReference } from "./attribute-refs.js";
import { requireKey, requireToken } from "./keys.js";
import type { OperationHandler } from "./types.js";

const OP = "Delete Attribute";

/** What the request deletes: an attribute, an instance index, a value it must have. */
interface Target {
  readonly tag: number | undefined;
  readonly text: string;
  readonly index?: number;
  /** 2.x Current Attribute: the Name text the key must have. */
  readonly expected?: string;
  readonly v1: boolean;
}

function targetOf(payload: ItemOf<"Structure">): Target {
  const name = optional(payload, Tag.AttributeName, "TextString");
  if (name !== undefined) {
    const index = optional(payload, Tag.AttributeIndex, "Integer");
    const ref = refOfName(name);
    return index === undefined ? { ...ref, v1: true } : { ...ref, index, v1: true };
  }
  const current = findChild(payload, Tag.CurrentAttribute);
  if (current !== undefined) {
    const attribute = innerAttribute(OP, current);
    const text = attributeText(attribute);
    if (attribute.tag !== Tag.Name) return { tag: attribute.tag, text, v1: false };
    return { tag: Tag.Name, text, expected: nameText(OP, attribute.value), v1: false };
  }
  const reference = findChild(payload, Tag.AttributeReference);
  if (reference !== undefined) return { ...refOfReference(reference), v1: false };
  throw kmipErrors.missingData(
    `${OP}: Attribute Name (KMIP 1.x), Current Attribute or Attribute Reference (KMIP 2.x) is required`,
  );
}

/** The Delete Attribute handler. */
export const deleteAttribute: OperationHandler = {
  operation: Operation.DeleteAttribute,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, OP);
    const { uid, ref } = requireKey(payload);
    const target = targetOf(payload);
    const present = await readLabel(ctx.client, token, ref); // Item Not Found first
    if (target.tag !== Tag.Name) {
      if (target.tag !== undefined && DERIVED_ATTRIBUTES.has(target.tag)) {
        throw kmipErrors.permissionDenied(
          `${OP}: ${target.text} is read-only (derived from the key, or set by the relay alone)`,
        );
      }
      throw kmipErrors.notFound(`${OP}: the key has no ${target.text}`);
    }
    if (present.length === 0) throw kmipErrors.notFound(`${OP}: the key has no Name`);
    if (target.index !== undefined && target.index !== 0) {
      throw kmipErrors.notFound(
        `${OP}: the key has one Name; Attribute Index ${target.index} does not exist`,
      );
    }
    if (target.expected !== undefined && target.expected !== present) {
      throw kmipErrors.notFound(`${OP}: Current Attribute is not the key's Name`);
    }
    await ctx.client.setAttributes(token, ref, [{ type: CKA.LABEL, value: "" }]);
    const uidItem = build.textString(Tag.UniqueIdentifier, uid);
    if (!target.v1) return { uid, payload: [uidItem] };
    const deleted = {
      tag: Tag.Name,
      value: nameValue(present),
      ...(target.index === undefined ? {} : { index: target.index }),
    };
    return { uid, payload: [uidItem, writeAttribute({ major: 1, minor: 0 }, deleted)] };
  },
};
