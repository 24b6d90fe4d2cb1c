/**
 * Shared steps of Add Attribute and Delete Attribute: the one KMIP attribute a token key
 * lets a client change is Name (its CKA_LABEL); every other attribute the relay reports is
 * derived from the key itself (read-only), and the rest cannot be stored on a PKCS#11 token.
 */
import { attributeNameByTag } from "../kmip/attributes.js";
import { NameType } from "../kmip/enums.js";
import { kmipErrors } from "../kmip/errors.js";
import { required } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { attributeOf, type KmipAttribute } from "../kmip/template.js";
import type { Pkcs11Client } from "../pkcs11/client.js";
import { CKA } from "../pkcs11/constants.js";
import type { ObjectRef, TokenSelector } from "../pkcs11/types.js";
import type { TtlvItem } from "../ttlv/types.js";
import { fieldText } from "./attribute-refs.js";
import { enumText } from "./keys.js";
import { LIFECYCLE_TAGS } from "./lifecycle-attributes.js";

/**
 * Attributes the relay reports that come from the key itself (attribute-values.ts) or that
 * the server alone sets (State and the lifecycle dates: lifecycle-attributes.ts; KMIP 1.4
 * section 3.22 "SHALL NOT be changed by using the Modify Attribute operation").
 */
export const DERIVED_ATTRIBUTES: ReadonlySet<number> = new Set([
  Tag.UniqueIdentifier,
  Tag.ObjectType,
  Tag.CryptographicAlgorithm,
  Tag.CryptographicLength,
  Tag.Digest,
  Tag.CryptographicUsageMask,
  Tag.Link,
  ...LIFECYCLE_TAGS,
]);

/** An attribute's name for messages. */
export function attributeText(attribute: { tag: number; name?: string | undefined }): string {
  return attribute.name ?? attributeNameByTag(attribute.tag) ?? fieldText(attribute.tag);
}

/** CKA_LABEL of the key (Item Not Found when there is no such key). */
export async function readLabel(
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
): Promise<string> {
  const values = await client.getAttributes(token, ref, [CKA.LABEL]);
  return Buffer.from(values.get(CKA.LABEL) ?? new Uint8Array()).toString("utf8");
}

/** The text of a Name value: Name{Name Value, Name Type = Uninterpreted Text String}. */
export function nameText(operation: string, name: TtlvItem): string {
  const value = required(name, Tag.NameValue, "TextString");
  const type = required(name, Tag.NameType, "Enumeration");
  if (type !== NameType.UninterpretedTextString) {
    throw kmipErrors.invalidField(
      `${operation}: Name Type ${enumText(Tag.NameType, type)} is not supported (Uninterpreted Text String)`,
    );
  }
  return value;
}

/** A Name value holding `label`. */
export function nameValue(label: string): TtlvItem {
  return {
    tag: Tag.Name,
    type: "Structure",
    value: [
      { tag: Tag.NameValue, type: "TextString", value: label },
      { tag: Tag.NameType, type: "Enumeration", value: NameType.UninterpretedTextString },
    ],
  };
}

/** The single attribute of a 2.x New Attribute / Current Attribute structure. */
export function innerAttribute(operation: string, holder: TtlvItem): KmipAttribute {
  if (holder.type !== "Structure" || holder.value.length !== 1) {
    throw kmipErrors.invalidField(
      `${operation}: ${fieldText(holder.tag)} must hold exactly one attribute`,
    );
  }
  return attributeOf(holder.value[0]!);
}
