/**
 * A human-readable, indented dump of a TTLV item for debug logs and operators:
 *
 *   RequestMessage
 *     BatchItem
 *       Operation (Enumeration) Create [0x00000001]
 *       CryptographicUsageMask (Integer) Encrypt|Decrypt [0x0000000c]
 *       KeyMaterial (ByteString, 32 bytes) <redacted>
 *
 * Names come from the KMIP tables (unknown tags as 0x42XXXX); Byte Strings and Big Integers
 * are shortened. With `redact`, the values of {@link SECRET_TAGS} (passwords, key material,
 * private key components, plaintext) are hidden, their type and size kept.
 */
import type { TtlvItem } from "../ttlv/types.js";
import { valueTables } from "./attributes.js";
import { hex32 } from "./enum-table.js";
import { maskToNames } from "./masks.js";
import { Tag, tagLabel } from "./tags.js";
import { formatBigIntegerHex, formatDateTime, formatDateTimeMicros } from "./value-text.js";

/** Options of {@link dumpTtlv}. */
export interface DumpOptions {
  /** Hide the values of {@link SECRET_TAGS} (and of everything inside them). Default false. */
  readonly redact?: boolean;
  /** Bytes of a Byte String / Big Integer shown before cutting with "…". Default 16. */
  readonly maxBytes?: number;
  /** Indentation unit. Default two spaces. */
  readonly indent?: string;
}

/**
 * Tags whose values are secret: credentials (KMIP 1.4 section 2.1.2), key material and the
 * private components of transparent keys (section 2.1.7), and the data of cryptographic
 * operations (Encrypt/Decrypt plaintext, section 4.29-4.30).
 */
export const SECRET_TAGS: ReadonlySet<number> = new Set([
  Tag.Password,
  Tag.KeyMaterial,
  Tag.Key,
  Tag.PrivateExponent,
  Tag.P,
  Tag.Q,
  Tag.PrimeExponentP,
  Tag.PrimeExponentQ,
  Tag.CRTCoefficient,
  Tag.X,
  Tag.D,
  Tag.Data,
  Tag.SplitKeyParts,
]);

const REDACTED = "<redacted>";

/** Dumps an item as indented lines (no trailing newline). */
export function dumpTtlv(item: TtlvItem, opts: DumpOptions = {}): string {
  const lines: string[] = [];
  dumpItem(item, 0, undefined, false, opts, lines);
  return lines.join("\n");
}

function dumpItem(
  item: TtlvItem,
  depth: number,
  attributeName: string | undefined,
  insideSecret: boolean,
  opts: DumpOptions,
  lines: string[],
): void {
  const prefix = (opts.indent ?? "  ").repeat(depth) + tagLabel(item.tag);
  const secret = insideSecret || (opts.redact === true && SECRET_TAGS.has(item.tag));
  if (item.type === "Structure") {
    lines.push(`${prefix}${item.value.length === 0 ? " (empty Structure)" : ""}`);
    const nameItem = item.value.find((child) => child.tag === Tag.AttributeName);
    const childName = nameItem?.type === "TextString" ? nameItem.value : undefined;
    for (const child of item.value) dumpItem(child, depth + 1, childName, secret, opts, lines);
    return;
  }
  const size = sizeNote(item);
  const value = secret ? REDACTED : leafText(item, attributeName, opts.maxBytes ?? 16);
  lines.push(`${prefix} (${item.type}${size}) ${value}`);
}

function sizeNote(item: TtlvItem): string {
  if (item.type === "ByteString") return `, ${item.value.length} bytes`;
  if (item.type === "TextString") return `, ${Buffer.byteLength(item.value)} bytes`;
  return "";
}

function shortHex(hex: string, maxBytes: number): string {
  return hex.length > maxBytes * 2 ? `${hex.slice(0, maxBytes * 2)}…` : hex;
}

function leafText(item: TtlvItem, attributeName: string | undefined, maxBytes: number): string {
  const tables = valueTables(item.tag, attributeName);
  switch (item.type) {
    case "Enumeration": {
      const name = tables.enumTable?.byValue.get(item.value);
      return name === undefined ? hex32(item.value) : `${name} [${hex32(item.value)}]`;
    }
    case "Integer":
      return tables.maskTable
        ? `${maskToNames(tables.maskTable, item.value).join("|")} [${hex32(item.value)}]`
        : `${item.value}`;
    case "TextString":
      return JSON.stringify(item.value);
    case "ByteString":
      return shortHex(Buffer.from(item.value).toString("hex"), maxBytes);
    case "BigInteger":
      return `0x${shortHex(formatBigIntegerHex(item.value), maxBytes)}`;
    case "DateTime":
      return formatDateTime(item.value);
    case "DateTimeExtended":
      return formatDateTimeMicros(item.value);
    case "Structure":
      return "";
    default:
      return `${item.value}`;
  }
}
