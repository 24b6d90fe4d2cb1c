/**
 * Attributes named in a request, in both KMIP generations: 1.x `Attribute Name` text
 * strings (KMIP 1.4 section 2.1.1), 2.x `Attribute Reference` (KMIP 2.1 section 5.5: an
 * Enumeration holding the attribute's tag, or a Structure{Vendor Identification, Attribute
 * Name} for a vendor attribute).
 */
import { attributeNameByTag, attributeTagByName } from "../kmip/attributes.js";
import { kmipErrors } from "../kmip/errors.js";
import { type ItemOf, nameOf, required } from "../kmip/item.js";
import { Tag, tagText } from "../kmip/tags.js";
import type { TtlvItem } from "../ttlv/types.js";

/** An attribute a request names: a standard one by tag, or any other by its name. */
export type AttributeRef =
  | { readonly tag: number; readonly text: string }
  | { readonly tag: undefined; readonly text: string };

/** The reference of a 1.x Attribute Name. */
export function refOfName(name: string): AttributeRef {
  const tag = attributeTagByName(name);
  return tag === undefined ? { tag: undefined, text: name } : { tag, text: name };
}

/** The reference of a 2.x Attribute Reference item. */
export function refOfReference(item: TtlvItem): AttributeRef {
  if (item.type === "Enumeration") {
    return { tag: item.value, text: attributeNameByTag(item.value) ?? nameOf(item.value) };
  }
  if (item.type === "Structure") {
    const vendor = required(item, Tag.VendorIdentification, "TextString");
    const name = required(item, Tag.AttributeName, "TextString");
    // KMIP 2.0 (and PyKMIP 0.10) name a standard attribute this way too, with an empty
    // Vendor Identification and the attribute's spec name.
    if (vendor === "") return refOfName(name);
    return { tag: undefined, text: `${vendor}:${name}` };
  }
  throw kmipErrors.invalidField(
    `Attribute Reference: expected Enumeration or Structure, got ${item.type}`,
  );
}

/**
 * Every attribute a payload names by Attribute Name (1.x) or Attribute Reference (2.x), in
 * order. The same attribute named twice: Invalid Message (KMIP 1.4 section 11.13).
 */
export function requestedAttributes(
  payload: ItemOf<"Structure">,
  operation: string,
): AttributeRef[] {
  const refs: AttributeRef[] = [];
  for (const child of payload.value) {
    if (child.tag === Tag.AttributeName) {
      if (child.type !== "TextString") {
        throw kmipErrors.invalidField(`Attribute Name: expected TextString, got ${child.type}`);
      }
      refs.push(refOfName(child.value));
    } else if (child.tag === Tag.AttributeReference) {
      refs.push(refOfReference(child));
    }
  }
  const seen = new Set<string>();
  for (const ref of refs) {
    const key = ref.tag === undefined ? `name:${ref.text}` : `tag:${ref.tag}`;
    if (seen.has(key)) {
      throw kmipErrors.invalidMessage(`${operation}: attribute ${ref.text} is named twice`);
    }
    seen.add(key);
  }
  return refs;
}

/** A 2.x Attribute Reference for a standard attribute (KMIP 2.1 section 5.5). */
export function referenceItem(tag: number): TtlvItem {
  return { tag: Tag.AttributeReference, type: "Enumeration", value: tag };
}

/** A field's name as the spec writes it ("Offset Items"), for messages. */
export function fieldText(tag: number): string {
  return tagText(tag) ?? nameOf(tag);
}
