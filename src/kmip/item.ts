/**
 * Reading and building KMIP structures on top of the generic TTLV item model.
 *
 * Readers raise `KmipError` (Invalid Field / Missing Data) naming the field by its KMIP tag
 * name, so a client learns exactly what was wrong with its request.
 */
import type { TtlvItem, TtlvTypeName } from "../ttlv/types.js";
import { kmipErrors } from "./errors.js";
import { tagLabel, tagText } from "./tags.js";

/** The item of a given TTLV type. */
export type ItemOf<T extends TtlvTypeName> = Extract<TtlvItem, { type: T }>;
/** The value of an item of a given TTLV type. */
export type ValueOf<T extends TtlvTypeName> = { [K in TtlvTypeName]: ItemOf<K>["value"] }[T];

/** Display name of a tag as the spec writes it ("Unique Identifier"), or `0x42XXXX`. */
export function nameOf(tag: number): string {
  return tagText(tag) ?? tagLabel(tag);
}

/** The children of a Structure; Invalid Field when `item` is not one. */
export function childrenOf(item: TtlvItem): readonly TtlvItem[] {
  if (item.type !== "Structure") {
    throw kmipErrors.invalidField(`${nameOf(item.tag)}: expected Structure, got ${item.type}`);
  }
  return item.value;
}

/** First direct child with `tag`, if any. */
export function findChild(parent: TtlvItem, tag: number): TtlvItem | undefined {
  return childrenOf(parent).find((c) => c.tag === tag);
}

/** All direct children with `tag`, in order. */
export function findChildren(parent: TtlvItem, tag: number): TtlvItem[] {
  return childrenOf(parent).filter((c) => c.tag === tag);
}

function checkType<T extends TtlvTypeName>(item: TtlvItem, type: T): ItemOf<T> {
  if (item.type !== type) {
    throw kmipErrors.invalidField(`${nameOf(item.tag)}: expected ${type}, got ${item.type}`);
  }
  return item as ItemOf<T>;
}

/** Value of the optional child `tag` of TTLV type `type`; Invalid Field on a wrong type. */
export function optional<T extends TtlvTypeName>(
  parent: TtlvItem,
  tag: number,
  type: T,
): ValueOf<T> | undefined {
  const child = findChild(parent, tag);
  if (child === undefined) return undefined;
  const value: unknown = checkType(child, type).value;
  return value as ValueOf<T>;
}

/** Value of the mandatory child `tag`; Missing Data when absent, Invalid Field on a wrong type. */
export function required<T extends TtlvTypeName>(
  parent: TtlvItem,
  tag: number,
  type: T,
): ValueOf<T> {
  const value = optional(parent, tag, type);
  if (value === undefined) {
    throw kmipErrors.missingData(`${nameOf(parent.tag)}: ${nameOf(tag)} is required`);
  }
  return value;
}

/** The optional child Structure `tag`. */
export function optionalStruct(parent: TtlvItem, tag: number): ItemOf<"Structure"> | undefined {
  const child = findChild(parent, tag);
  return child === undefined ? undefined : checkType(child, "Structure");
}

/** The mandatory child Structure `tag`. */
export function requiredStruct(parent: TtlvItem, tag: number): ItemOf<"Structure"> {
  const child = optionalStruct(parent, tag);
  if (child === undefined) {
    throw kmipErrors.missingData(`${nameOf(parent.tag)}: ${nameOf(tag)} is required`);
  }
  return child;
}

/** Builders: one per TTLV type, so call sites read like the spec's structure tables. */
export const build = {
  structure: (tag: number, value: readonly TtlvItem[]): TtlvItem => ({
    tag,
    type: "Structure",
    value,
  }),
  integer: (tag: number, value: number): TtlvItem => ({ tag, type: "Integer", value }),
  longInteger: (tag: number, value: bigint): TtlvItem => ({ tag, type: "LongInteger", value }),
  bigInteger: (tag: number, value: bigint): TtlvItem => ({ tag, type: "BigInteger", value }),
  enumeration: (tag: number, value: number): TtlvItem => ({ tag, type: "Enumeration", value }),
  boolean: (tag: number, value: boolean): TtlvItem => ({ tag, type: "Boolean", value }),
  textString: (tag: number, value: string): TtlvItem => ({ tag, type: "TextString", value }),
  byteString: (tag: number, value: Uint8Array): TtlvItem => ({ tag, type: "ByteString", value }),
  dateTime: (tag: number, value: bigint): TtlvItem => ({ tag, type: "DateTime", value }),
  interval: (tag: number, value: number): TtlvItem => ({ tag, type: "Interval", value }),
} as const;
