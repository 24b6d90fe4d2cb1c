/**
 * KMIP tags (KMIP 1.4 section 9.1.3.1, KMIP 2.1 section 11.56): the data lives in the generated
 * table `tables/tags.gen.ts`; this module derives the reverse maps.
 *
 * A tag is 3 bytes on the wire: 0x42XXXX for tags of the specification, 0x54XXXX for
 * extensions. Names are the CamelCase forms of the XML/JSON encodings (KMIP Additional Message
 * Encodings v1.0, section 6.1.3), e.g. `UniqueBatchItemID`.
 */
import { TAG_TABLE, TAG_TEXT } from "./tables/tags.gen.js";

/** Tag name -> tag number, e.g. `Tag.UniqueIdentifier === 0x420094`. */
export const Tag = TAG_TABLE;

/** A known tag name. */
export type TagName = keyof typeof Tag;

const TAG_BY_NAME: ReadonlyMap<string, number> = new Map(Object.entries(Tag));
const NAME_BY_TAG: ReadonlyMap<number, TagName> = new Map(
  (Object.entries(Tag) as [TagName, number][]).map(([name, tag]) => [tag, name]),
);

/** The CamelCase name of a tag, or undefined for an unknown (e.g. extension) tag. */
export function tagName(tag: number): string | undefined {
  return NAME_BY_TAG.get(tag);
}

/** The tag of a CamelCase name, or undefined. */
export function tagByName(name: string): number | undefined {
  return TAG_BY_NAME.get(name);
}

/** The specification's text for a tag (e.g. "Cryptographic Usage Mask"), or undefined. */
export function tagText(tag: number): string | undefined {
  const name = NAME_BY_TAG.get(tag);
  return name === undefined ? undefined : TAG_TEXT[name];
}

/** A tag as `0x42XXXX` (the form the XML/JSON encodings use for unknown tags). */
export function tagHex(tag: number): string {
  return `0x${tag.toString(16).padStart(6, "0")}`;
}

/** Name of a tag if known, else its `0x42XXXX` form. */
export function tagLabel(tag: number): string {
  return tagName(tag) ?? tagHex(tag);
}

/** A tag path as names, e.g. `RequestMessage/BatchItem/Operation` (for error messages). */
export function tagPathLabel(path: readonly number[]): string {
  return path.map(tagLabel).join("/");
}

/** Parses `0x42XXXX` (exactly 3 bytes, as the XML/JSON encodings require) or a tag name. */
export function parseTag(text: string): number | undefined {
  if (/^0x[0-9A-Fa-f]{6}$/.test(text)) return Number.parseInt(text.slice(2), 16);
  return tagByName(text);
}
