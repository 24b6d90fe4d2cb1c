/**
 * Get Attribute List (KMIP 1.4 section 4.13, KMIP 2.1 section 6.1.21): the names of the
 * attributes a key has (those Get Attributes can return, Link and Digest included when the
 * key has them; State and the dates its lifecycle record holds, also once it is destroyed).
 *
 * Request: Unique Identifier. Response 1.x: Unique Identifier, Attribute Name+ (text);
 * 2.x: Unique Identifier, Attribute Reference+ (Enumeration of the attribute's tag).
 */
import { attributeNameByTag } from "../kmip/attributes.js";
import { Operation } from "../kmip/enums.js";
import { build, nameOf } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { referenceItem } from "./attribute-refs.js";
import { keyAttributes } from "./get-attributes.js";
import { requireKey, requireToken } from "./keys.js";
import type { OperationHandler } from "./types.js";

/** The Get Attribute List handler. */
export const getAttributeList: OperationHandler = {
  operation: Operation.GetAttributeList,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, "Get Attribute List");
    const { uid, ref } = requireKey(payload);
    const attributes = await keyAttributes(ctx, token, uid, ref, {
      digest: true,
      link: true,
    });
    const tags = attributes.map((a) => a.tag);
    const names =
      ctx.version.major >= 2
        ? tags.map(referenceItem)
        : tags.map((t) => build.textString(Tag.AttributeName, attributeNameByTag(t) ?? nameOf(t)));
    return { uid, payload: [build.textString(Tag.UniqueIdentifier, uid), ...names] };
  },
};
