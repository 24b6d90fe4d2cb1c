/**
 * KMIP enumerations (KMIP 1.4 section 9.1.3.2, KMIP 2.1 section 11): one `as const` object per
 * enumeration, generated into `tables/enums.gen.ts` and re-exported here, plus lookups by tag.
 *
 * Versions: the tables merge KMIP 1.4 and 2.1. No value has different meanings in 1.x and 2.x:
 * where the two specs name a value differently (all listed in `ENUM_ALIASES`, reviewed against
 * both texts) it is a rename, never a reuse. So one table per enumeration serves every version
 * and `enumForTag` needs no version parameter:
 * - values withdrawn in 2.x (e.g. ObjectType `Template`, KeyFormatType
 *   `TransparentECDSAPrivateKey`) stay in the table so that 1.x messages still render;
 * - values 2.x renamed keep the 2.x name as canonical (the OASIS XML vectors of every version
 *   use it, e.g. `SHA_256WithRSAEncryption`); the 1.4 spelling
 *   (`SHA_256WithRSAEncryptionPKCS_1V1_5`, `SHA_3_256`) is accepted on input (`ENUM_ALIASES`).
 */
import { buildEnumTable, type EnumTable } from "./enum-table.js";
import { ENUM_ALIASES, ENUM_TABLES } from "./tables/enums.gen.js";
import { Tag, tagByName } from "./tags.js";

export { type EnumTable, hex32 } from "./enum-table.js";
export * from "./tables/enums.gen.js";

type EnumName = keyof typeof ENUM_TABLES;

/** Every enumeration by name, plus `Tag` (KMIP 2.1 section 11.56: tags as enumeration values). */
export const ENUMS: ReadonlyMap<string, EnumTable> = new Map([
  ...(Object.entries(ENUM_TABLES) as [EnumName, Readonly<Record<string, number>>][]).map(
    ([name, values]): [string, EnumTable] => [
      name,
      buildEnumTable(name, values, ENUM_ALIASES[name]),
    ],
  ),
  ["Tag", buildEnumTable("Tag", Tag)],
]);

/** Tags whose enumeration is not the one of the same name. */
const ENUM_OF_TAG: Readonly<Record<number, string>> = {
  [Tag.MaskGeneratorHashingAlgorithm]: "HashingAlgorithm",
  [Tag.AttributeReference]: "Tag",
};

const ENUM_BY_TAG: ReadonlyMap<number, EnumTable> = buildEnumByTag();

function buildEnumByTag(): Map<number, EnumTable> {
  const byTag = new Map<number, EnumTable>();
  for (const [name, table] of ENUMS) {
    const tag = tagByName(name);
    if (tag !== undefined) byTag.set(tag, table);
  }
  for (const [tag, name] of Object.entries(ENUM_OF_TAG)) {
    const table = ENUMS.get(name);
    if (table) byTag.set(Number(tag), table);
  }
  return byTag;
}

/** The enumeration an Enumeration item with this tag takes its values from, if known. */
export function enumForTag(tag: number): EnumTable | undefined {
  return ENUM_BY_TAG.get(tag);
}

/** An enumeration by its normalised name (e.g. `KeyFormatType`), if known. */
export function enumByName(name: string): EnumTable | undefined {
  return ENUMS.get(name);
}
