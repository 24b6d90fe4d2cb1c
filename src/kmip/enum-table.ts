/**
 * The lookup form shared by enumerations and bit masks: both directions as maps, built once
 * from the `as const` data objects of `tables/*.gen.ts`.
 */

/** One enumeration (or bit mask): CamelCase value name <-> 32-bit value. */
export interface EnumTable {
  /** Normalised name of the enumeration, e.g. `CryptographicAlgorithm`. */
  readonly name: string;
  /** Value name -> value; also holds accepted alternative spellings (see `ENUM_ALIASES`). */
  readonly byName: ReadonlyMap<string, number>;
  /** Value -> canonical value name. */
  readonly byValue: ReadonlyMap<number, string>;
}

/** Builds an {@link EnumTable} from a name -> value object, plus alternative spellings. */
export function buildEnumTable(
  name: string,
  values: Readonly<Record<string, number>>,
  aliases: Readonly<Record<string, number>> = {},
): EnumTable {
  const entries = Object.entries(values);
  return {
    name,
    byName: new Map([...entries, ...Object.entries(aliases)]),
    byValue: new Map(entries.map(([valueName, value]) => [value, valueName])),
  };
}

/** A 32-bit value as the XML/JSON encodings write hex: `0x` and 8 digits. */
export function hex32(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, "0")}`;
}

/** Parses `0x` + 1 to 8 hex digits as an unsigned 32-bit value. */
export function parseHex32(text: string): number | undefined {
  return /^0x[0-9A-Fa-f]{1,8}$/.test(text) ? Number.parseInt(text.slice(2), 16) : undefined;
}
