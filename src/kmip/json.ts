/**
 * The KMIP JSON message encoding (KMIP Additional Message Encodings v1.0, section 4.1): each
 * item is an object `{ tag, type?, value }`:
 *
 *   { "tag": "RequestMessage", "value": [ ...children ] }          Structure (type omitted)
 *   { "tag": "BatchCount", "type": "Integer", "value": 1 }
 *   { "tag": "0x540001", "type": "TextString", "value": "na" }     tag without a name
 *
 * Written: Integer and Interval as numbers (bit masks as `"Encrypt|Decrypt"`), Long Integer as
 * a number when |v| < 2^52 else `0x` + 16 hex digits, Big Integer as `0x` + hex of its
 * sign-extended bytes, Enumeration by name (else `0x` + 8 hex digits), Byte String as plain
 * hex, Date-Time as ISO 8601. Read: every form section 4.1.6 allows (numbers or hex strings).
 * As in XML, a 1.x `AttributeValue` takes its enumeration or mask from the sibling
 * `AttributeName`.
 */
import { type TtlvItem, TtlvType, type TtlvTypeName } from "../ttlv/types.js";
import { type ValueTables, valueTables } from "./attributes.js";
import { hex32, parseHex32 } from "./enum-table.js";
import { maskToNames, namesToMask } from "./masks.js";
import { parseTag, Tag, tagHex, tagName } from "./tags.js";
import {
  formatBigIntegerHex,
  formatDateTime,
  formatDateTimeMicros,
  parseBigIntegerHex,
  parseDateTime,
  parseDateTimeMicros,
  parseFixedHex,
  parseHexBytes,
} from "./value-text.js";

/** One item in the JSON encoding. */
export interface KmipJsonItem {
  readonly tag: string;
  readonly name?: string;
  readonly type?: TtlvTypeName;
  readonly value: KmipJsonItem[] | string | number | boolean | null;
}

/** A JSON value that is not a valid KMIP JSON item; `path` names the item. */
export class KmipJsonError extends Error {
  readonly path: string;

  constructor(message: string, path: string) {
    super(`${message} (${path})`);
    this.name = "KmipJsonError";
    this.path = path;
  }
}

type Meaning = ValueTables;

const SAFE_LONG = 2n ** 52n;

/** Converts an item to its JSON encoding (a plain object; `JSON.stringify` it to send). */
export function ttlvToKmipJson(item: TtlvItem): KmipJsonItem {
  return toJson(item, undefined);
}

function toJson(item: TtlvItem, attributeName: string | undefined): KmipJsonItem {
  const tag = tagName(item.tag) ?? tagHex(item.tag);
  if (item.type === "Structure") {
    const nameItem = item.value.find((child) => child.tag === Tag.AttributeName);
    const childName = nameItem?.type === "TextString" ? nameItem.value : undefined;
    return { tag, value: item.value.map((child) => toJson(child, childName)) };
  }
  return { tag, type: item.type, value: leafToJson(item, valueTables(item.tag, attributeName)) };
}

function leafToJson(item: TtlvItem, meaning: Meaning): string | number | boolean {
  switch (item.type) {
    case "Integer":
      return meaning.maskTable ? maskToNames(meaning.maskTable, item.value).join("|") : item.value;
    case "Enumeration":
      return meaning.enumTable?.byValue.get(item.value) ?? hex32(item.value);
    case "LongInteger":
      return item.value < SAFE_LONG && item.value > -SAFE_LONG
        ? Number(item.value)
        : `0x${BigInt.asUintN(64, item.value).toString(16).padStart(16, "0")}`;
    case "BigInteger":
      return `0x${formatBigIntegerHex(item.value)}`;
    case "ByteString":
      return Buffer.from(item.value.buffer, item.value.byteOffset, item.value.byteLength).toString(
        "hex",
      );
    case "DateTime":
      return formatDateTime(item.value);
    case "DateTimeExtended":
      return formatDateTimeMicros(item.value);
    case "Structure":
      throw new Error("unreachable: Structure is not a leaf");
    default:
      return item.value;
  }
}

/** Converts a JSON-encoded item (already parsed with `JSON.parse`) to a TTLV item. */
export function kmipJsonToTtlv(json: unknown): TtlvItem {
  return fromJson(json, "", undefined);
}

function fromJson(json: unknown, parentPath: string, attributeName: string | undefined): TtlvItem {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new KmipJsonError("an item must be an object", parentPath || "(root)");
  }
  const obj = json as Record<string, unknown>;
  const tag = typeof obj.tag === "string" ? parseTag(obj.tag) : undefined;
  const path = `${parentPath}${parentPath ? "/" : ""}${typeof obj.tag === "string" ? obj.tag : "?"}`;
  if (tag === undefined) throw new KmipJsonError(`unknown tag ${JSON.stringify(obj.tag)}`, path);
  const type = obj.type ?? "Structure";
  if (typeof type !== "string" || !Object.hasOwn(TtlvType, type)) {
    throw new KmipJsonError(`unknown type ${JSON.stringify(type)}`, path);
  }
  if (type === "Structure") return { tag, type, value: structureFromJson(obj.value, path) };
  const item = leafFromJson(
    tag,
    type as Exclude<TtlvTypeName, "Structure">,
    obj.value,
    valueTables(tag, attributeName),
  );
  if (!item) throw new KmipJsonError(`invalid ${type} value ${JSON.stringify(obj.value)}`, path);
  return item;
}

function structureFromJson(value: unknown, path: string): TtlvItem[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new KmipJsonError("a Structure value must be an array", path);
  const nameItem = value.find(
    (child: unknown) =>
      typeof child === "object" &&
      child !== null &&
      (child as { tag?: unknown }).tag === "AttributeName",
  ) as { value?: unknown } | undefined;
  const attributeName = typeof nameItem?.value === "string" ? nameItem.value : undefined;
  return value.map((child: unknown) => fromJson(child, path, attributeName));
}

const UINT32_MAX = 2 ** 32 - 1;

/** A JSON number that is an integer in [min, max], else undefined. */
function integerIn(value: unknown, min: number, max: number): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max
    ? value
    : undefined;
}

function parseInteger(value: unknown, meaning: Meaning): number | undefined {
  if (typeof value !== "string") return integerIn(value, -(2 ** 31), 2 ** 31 - 1);
  const hex = parseFixedHex(value, 8);
  if (hex !== undefined) return Number(hex);
  const mask = meaning.maskTable ? namesToMask(meaning.maskTable, value) : undefined;
  return mask === undefined ? undefined : mask | 0;
}

function parseEnumeration(value: unknown, meaning: Meaning): number | undefined {
  if (typeof value !== "string") return integerIn(value, 0, UINT32_MAX);
  return meaning.enumTable?.byName.get(value) ?? parseHex32(value);
}

function parseUint32(value: unknown): number | undefined {
  return typeof value === "string" ? parseHex32(value) : integerIn(value, 0, UINT32_MAX);
}

/** Long Integer: a safe JSON number or `0x` + 16 hex digits (section 4.1.6.5). */
function parseLong(value: unknown): bigint | undefined {
  if (typeof value === "string") return parseFixedHex(value, 16);
  return typeof value === "number" && Number.isSafeInteger(value) ? BigInt(value) : undefined;
}

function parseBig(value: unknown): bigint | undefined {
  return typeof value === "string" ? parseBigIntegerHex(value) : parseLong(value);
}

/** Boolean: true/false or `0x` + 16 hex digits of 0 or 1 (section 4.1.6.8). */
function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  const v = typeof value === "string" ? parseFixedHex(value, 16) : undefined;
  return v === 0n || v === 1n ? v === 1n : undefined;
}

function ifText<T>(value: unknown, parse: (text: string) => T | undefined): T | undefined {
  return typeof value === "string" ? parse(value) : undefined;
}

function parseLeafValue(
  type: Exclude<TtlvTypeName, "Structure">,
  value: unknown,
  meaning: Meaning,
): TtlvItem["value"] | undefined {
  switch (type) {
    case "Integer":
      return parseInteger(value, meaning);
    case "Enumeration":
      return parseEnumeration(value, meaning);
    case "Interval":
      return parseUint32(value);
    case "LongInteger":
      return parseLong(value);
    case "BigInteger":
      return parseBig(value);
    case "Boolean":
      return parseBoolean(value);
    case "TextString":
      return ifText(value, (text) => text);
    case "ByteString":
      return ifText(value, parseHexBytes);
    case "DateTime":
      return ifText(value, (text) => parseDateTime(text) ?? parseFixedHex(text, 16));
    case "DateTimeExtended":
      return ifText(value, (text) => parseDateTimeMicros(text) ?? parseFixedHex(text, 16));
  }
}

function leafFromJson(
  tag: number,
  type: Exclude<TtlvTypeName, "Structure">,
  value: unknown,
  meaning: Meaning,
): TtlvItem | undefined {
  const parsed = parseLeafValue(type, value, meaning);
  return parsed === undefined ? undefined : ({ tag, type, value: parsed } as TtlvItem);
}
