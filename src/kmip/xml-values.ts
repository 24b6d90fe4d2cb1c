/**
 * Leaf values of the KMIP XML encoding (KMIP Additional Message Encodings v1.0, section
 * 6.1.6): the `value=` attribute text <-> a TTLV item.
 */
import type { TtlvItem, TtlvTypeName } from "../ttlv/types.js";
import { type EnumTable, hex32, parseHex32 } from "./enum-table.js";
import { maskToNames, namesToMask } from "./masks.js";
import {
  formatBigIntegerHex,
  formatDateTime,
  formatDateTimeMicros,
  parseBigIntegerHex,
  parseDateTime,
  parseDateTimeMicros,
  parseDecimal,
  parseFixedHex,
  parseHexBytes,
} from "./value-text.js";
import type { XmlPlaceholders } from "./xml-placeholders.js";

/** What gives a leaf its meaning beyond its tag and type. */
export interface LeafContext {
  /** Enumeration of an Enumeration value (by tag, or by the 1.x attribute name). */
  readonly enumTable?: EnumTable | undefined;
  /** Bit mask of an Integer value. */
  readonly maskTable?: EnumTable | undefined;
  readonly placeholders?: XmlPlaceholders | undefined;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const UINT32_MAX = 2 ** 32 - 1;

/** Parses an Integer: decimal, 8-digit hex, or (for a mask) names and hex components. */
function parseInteger(text: string, ctx: LeafContext): number | undefined {
  const hex = parseFixedHex(text, 8);
  if (hex !== undefined) return Number(hex);
  const decimal = parseDecimal(text);
  if (decimal !== undefined) {
    const value = Number(decimal);
    return value >= INT32_MIN && value <= INT32_MAX ? value : undefined;
  }
  const mask = ctx.maskTable ? namesToMask(ctx.maskTable, text) : undefined;
  return mask === undefined ? undefined : mask | 0;
}

function parseEnumeration(text: string, ctx: LeafContext): number | undefined {
  return ctx.enumTable?.byName.get(text) ?? parseHex32(text);
}

function parseLong(text: string): bigint | undefined {
  const value = parseFixedHex(text, 16) ?? parseDecimal(text);
  return value !== undefined && BigInt.asIntN(64, value) === value ? value : undefined;
}

function parseInterval(text: string): number | undefined {
  const value = parseHex32(text) ?? (/^\d+$/.test(text) ? Number(text) : undefined);
  return value !== undefined && value <= UINT32_MAX ? value : undefined;
}

function parseBoolean(text: string): boolean | undefined {
  if (text === "true" || text === "1") return true;
  if (text === "false" || text === "0") return false;
  return undefined;
}

function parseDateTimeValue(text: string): bigint | undefined {
  const value = parseDateTime(text) ?? parseFixedHex(text, 16);
  return value !== undefined && BigInt.asIntN(64, value) === value ? value : undefined;
}

/**
 * The leaf item of a `value=` text, or undefined when the text is not a valid value of
 * `type` (Structure is not a leaf).
 */
export function parseLeaf(
  tag: number,
  type: Exclude<TtlvTypeName, "Structure">,
  text: string,
  ctx: LeafContext,
): TtlvItem | undefined {
  const held = ctx.placeholders?.parse(type, text);
  if (typeof held === "bigint" && (type === "DateTime" || type === "DateTimeExtended")) {
    return { tag, type, value: held };
  }
  if (held instanceof Uint8Array && type === "ByteString") return { tag, type, value: held };
  const value = parseValue(type, text, ctx);
  return value === undefined ? undefined : ({ tag, type, value } as TtlvItem);
}

function parseValue(
  type: Exclude<TtlvTypeName, "Structure">,
  text: string,
  ctx: LeafContext,
): TtlvItem["value"] | undefined {
  switch (type) {
    case "Integer":
      return parseInteger(text, ctx);
    case "LongInteger":
      return parseLong(text);
    case "BigInteger":
      return parseBigIntegerHex(text);
    case "Enumeration":
      return parseEnumeration(text, ctx);
    case "Boolean":
      return parseBoolean(text);
    case "TextString":
      return text;
    case "ByteString":
      return parseHexBytes(text);
    case "DateTime":
      return parseDateTimeValue(text);
    case "Interval":
      return parseInterval(text);
    case "DateTimeExtended":
      return parseDateTimeMicros(text) ?? parseFixedHex(text, 16);
  }
}

/** The `value=` text of a leaf item (not a Structure). */
export function formatLeaf(item: TtlvItem, ctx: LeafContext): string {
  const held = ctx.placeholders?.format(item);
  if (held !== undefined) return held;
  switch (item.type) {
    case "Integer":
      return ctx.maskTable ? maskToNames(ctx.maskTable, item.value).join(" ") : `${item.value}`;
    case "Enumeration":
      return ctx.enumTable?.byValue.get(item.value) ?? hex32(item.value);
    case "BigInteger":
      return formatBigIntegerHex(item.value);
    case "ByteString":
      return Buffer.from(item.value.buffer, item.value.byteOffset, item.value.byteLength).toString(
        "hex",
      );
    case "DateTime":
      return formatDateTime(item.value);
    case "DateTimeExtended":
      return formatDateTimeMicros(item.value);
    case "Structure":
      throw new Error("a Structure has no value text");
    default:
      return `${item.value}`;
  }
}
