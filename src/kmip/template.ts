/**
 * Attribute containers of both KMIP generations, read into one shape and written back in
 * the request version's form.
 *
 * KMIP 1.x (1.4 section 2.1.8, Template-Attribute Structures): Template-Attribute, Common /
 * Private Key / Public Key Template-Attribute hold `Name*` (references to registered
 * Template objects) and `Attribute*`, where each Attribute is
 * `Structure{Attribute Name: TextString, Attribute Index?: Integer, Attribute Value: <type>}`.
 *
 * KMIP 2.x (2.1 section 7.2, Attributes): Attributes, Common / Private Key / Public Key
 * Attributes hold the attribute items themselves, each under its own tag (e.g. a
 * `Cryptographic Algorithm` Enumeration).
 *
 * Normalised, every attribute is `{tag, value}` where `value` is the attribute's item
 * re-tagged with the attribute's own tag, so one reader serves both forms.
 */
import type { TtlvItem } from "../ttlv/types.js";
import { attributeNameByTag, attributeTagByName } from "./attributes.js";
import { kmipErrors } from "./errors.js";
import { build, childrenOf, nameOf, optional, required } from "./item.js";
import type { ProtocolVersion } from "./messages.js";
import { Tag } from "./tags.js";

/** One attribute, independent of the message's KMIP version. */
export interface KmipAttribute {
  /** The attribute's tag; Custom Attribute for a 1.x name the relay does not know. */
  readonly tag: number;
  /** The value item, tagged with `tag`. */
  readonly value: TtlvItem;
  /** The 1.x Attribute Name as sent (absent for the 2.x form). */
  readonly name?: string;
  /** The 1.x Attribute Index as sent, if any. */
  readonly index?: number;
}

/** The attribute a 2.x-style item is: its own tag and the item. */
export function attributeOf(value: TtlvItem): KmipAttribute {
  return { tag: value.tag, value };
}

/** The containers that hold 1.x Attribute structures. */
const V1_CONTAINERS: ReadonlySet<number> = new Set([
  Tag.TemplateAttribute,
  Tag.CommonTemplateAttribute,
  Tag.PrivateKeyTemplateAttribute,
  Tag.PublicKeyTemplateAttribute,
]);

function retag(item: TtlvItem, tag: number): TtlvItem {
  return { ...item, tag } as TtlvItem;
}

/** Reads one 1.x `Attribute{Attribute Name, Attribute Index?, Attribute Value}`. */
export function readV1Attribute(attribute: TtlvItem): KmipAttribute {
  const name = required(attribute, Tag.AttributeName, "TextString");
  const index = optional(attribute, Tag.AttributeIndex, "Integer");
  const raw = childrenOf(attribute).find((c) => c.tag === Tag.AttributeValue);
  if (raw === undefined) {
    throw kmipErrors.missingData(`Attribute "${name}": Attribute Value is required`);
  }
  const tag = attributeTagByName(name) ?? Tag.CustomAttribute;
  const base = { tag, value: retag(raw, tag), name };
  return index === undefined ? base : { ...base, index };
}

/**
 * Every attribute in an attribute container of either form (the container's tag tells
 * which). A 1.x template reference (a `Name` directly in a Template-Attribute) is refused:
 * the relay keeps no Template objects.
 */
export function readAttributes(container: TtlvItem): KmipAttribute[] {
  const v1 = V1_CONTAINERS.has(container.tag);
  return childrenOf(container).map((child) => {
    if (child.tag === Tag.Attribute) return readV1Attribute(child);
    if (v1 && child.tag === Tag.Name) {
      throw kmipErrors.notSupported(
        `${nameOf(container.tag)}: Name (a reference to a Template object) is not supported`,
      );
    }
    return { tag: child.tag, value: child };
  });
}

/** The value items of every attribute with `tag`, in order. */
export function valuesOf(attributes: readonly KmipAttribute[], tag: number): TtlvItem[] {
  return attributes.filter((a) => a.tag === tag).map((a) => a.value);
}

/**
 * One attribute in the form of `version`: major 1 gives `Attribute{Attribute Name,
 * Attribute Index?, Attribute Value}`, major 2 and later the attribute item itself.
 */
export function writeAttribute(version: ProtocolVersion, attribute: KmipAttribute): TtlvItem {
  if (version.major >= 2) return retag(attribute.value, attribute.tag);
  const name = attribute.name ?? attributeNameByTag(attribute.tag);
  if (name === undefined) {
    throw kmipErrors.invalidField(`${nameOf(attribute.tag)} is not a KMIP 1.x attribute`);
  }
  const fields: TtlvItem[] = [build.textString(Tag.AttributeName, name)];
  if (attribute.index !== undefined) {
    fields.push(build.integer(Tag.AttributeIndex, attribute.index));
  }
  fields.push(retag(attribute.value, Tag.AttributeValue));
  return build.structure(Tag.Attribute, fields);
}

/**
 * A container in the form of `version`: `v1Tag` (e.g. Template-Attribute) holding
 * Attribute structures for major 1, `v2Tag` (e.g. Attributes) holding the items for 2.x.
 */
export function writeAttributes(
  version: ProtocolVersion,
  tags: { readonly v1: number; readonly v2: number },
  attributes: readonly KmipAttribute[],
): TtlvItem {
  const tag = version.major >= 2 ? tags.v2 : tags.v1;
  return build.structure(
    tag,
    attributes.map((a) => writeAttribute(version, a)),
  );
}
