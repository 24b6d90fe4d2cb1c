/**
 * KMIP bit masks (KMIP 1.4 section 9.1.3.3, KMIP 2.1 section 12): Integer items whose bits have
 * names. The XML encoding writes them as space-separated names, the JSON encoding with `|`
 * (KMIP Additional Message Encodings v1.0, sections 6.1.6.4 and 4.1.6.4); bits without a name
 * are written as one 32-bit hex component.
 */
import { buildEnumTable, type EnumTable, hex32, parseHex32 } from "./enum-table.js";
import { MASK_TABLES } from "./tables/masks.gen.js";
import { Tag } from "./tags.js";

export type { EnumTable } from "./enum-table.js";
export {
  CryptographicUsageMask,
  ProtectionStorageMask,
  StorageStatusMask,
} from "./tables/masks.gen.js";

/** Every bit mask by name. */
export const MASKS: ReadonlyMap<string, EnumTable> = new Map(
  Object.entries(MASK_TABLES).map(([name, values]): [string, EnumTable] => [
    name,
    buildEnumTable(name, values),
  ]),
);

const MASK_BY_TAG: ReadonlyMap<number, EnumTable> = new Map(
  (
    [
      [Tag.CryptographicUsageMask, "CryptographicUsageMask"],
      [Tag.StorageStatusMask, "StorageStatusMask"],
      [Tag.ProtectionStorageMask, "ProtectionStorageMask"],
    ] as const
  ).map(([tag, name]): [number, EnumTable] => [tag, MASKS.get(name)!]),
);

/** The bit mask an Integer item with this tag holds, if it is one. */
export function maskForTag(tag: number): EnumTable | undefined {
  return MASK_BY_TAG.get(tag);
}

/** Whether `mask` has any of `bits` set. */
export function hasAnyBit(mask: number, bits: number): boolean {
  return (mask & bits) !== 0;
}

/** The names of the set bits, lowest first; leftover unnamed bits as one hex component. */
export function maskToNames(table: EnumTable, value: number): string[] {
  const names: string[] = [];
  let rest = value >>> 0;
  for (let bit = 1; bit !== 0 && bit <= rest; bit = (bit << 1) >>> 0) {
    const name = table.byValue.get(bit);
    if ((rest & bit) !== 0 && name !== undefined) {
      names.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest !== 0 || names.length === 0) names.push(hex32(rest));
  return names;
}

/**
 * Parses a mask written as names and/or hex components separated by whitespace or `|`
 * (a single decimal number is accepted too); undefined if a component is unknown.
 */
export function namesToMask(table: EnumTable, text: string): number | undefined {
  const parts = text.split(/[\s|]+/).filter((part) => part.length > 0);
  if (parts.length === 1 && /^\d+$/.test(parts[0]!)) return Number(parts[0]) >>> 0;
  if (parts.length === 0) return undefined;
  let value = 0;
  for (const part of parts) {
    const bits = table.byName.get(part) ?? parseHex32(part);
    if (bits === undefined) return undefined;
    value = (value | bits) >>> 0;
  }
  return value;
}
