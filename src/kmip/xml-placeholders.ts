/**
 * Placeholders of the OASIS KMIP XML test vectors (KMIP Additional Message Encodings v1.0,
 * section 7: "dynamic items are indicated using symbolic identifiers"): `$NOW`, `$NOW-3600`
 * in Date-Time values and `$SIGNATURE_DATA`, `$DATA_0`... in Byte String values (Text String
 * placeholders such as `$UNIQUE_IDENTIFIER_0` are ordinary text and need nothing).
 *
 * They are not values, so this codec maps each one to a reserved, recognisable value that
 * survives TTLV encoding and decoding, and back:
 * - `$NOW±n` <-> Date-Time `NOW_BASE ± n`, NOW_BASE = 2^62 seconds (no real message uses it);
 * - `$NAME` <-> Byte String `PLACEHOLDER_MAGIC` + the ASCII of NAME.
 * For test vectors and tools only: a server never enables it.
 */
import type { TtlvItem, TtlvTypeName } from "../ttlv/types.js";

/** Converts placeholder text to a value of a given type and back. */
export interface XmlPlaceholders {
  /** The value standing for `text`, or undefined when `text` is not a placeholder. */
  parse(type: TtlvTypeName, text: string): bigint | Uint8Array | undefined;
  /** The placeholder text a value stands for, or undefined when it is an ordinary value. */
  format(item: TtlvItem): string | undefined;
}

/** Date-Time value of `$NOW`. */
export const NOW_BASE = 1n << 62n;
const NOW_WINDOW = 1n << 40n;
const NOW = /^\$NOW(?:([+-])(\d{1,12}))?$/;
const NAME = /^\$[A-Z][A-Z0-9_]*$/;
/** Byte String prefix of a placeholder: a NUL, "KMIP$", a NUL. */
export const PLACEHOLDER_MAGIC: Uint8Array = new Uint8Array([0, 0x4b, 0x4d, 0x49, 0x50, 0x24, 0]);

function parseNow(text: string): bigint | undefined {
  const m = NOW.exec(text);
  if (!m) return undefined;
  const delta = BigInt(m[2] ?? "0");
  return m[1] === "-" ? NOW_BASE - delta : NOW_BASE + delta;
}

function formatNow(seconds: bigint): string | undefined {
  const delta = seconds - NOW_BASE;
  if (delta <= -NOW_WINDOW || delta >= NOW_WINDOW) return undefined;
  if (delta === 0n) return "$NOW";
  return delta < 0n ? `$NOW${delta}` : `$NOW+${delta}`;
}

function parseName(text: string): Uint8Array | undefined {
  if (!NAME.test(text)) return undefined;
  const bytes = new Uint8Array(PLACEHOLDER_MAGIC.length + text.length - 1);
  bytes.set(PLACEHOLDER_MAGIC);
  bytes.set(Buffer.from(text.slice(1), "ascii"), PLACEHOLDER_MAGIC.length);
  return bytes;
}

function formatName(bytes: Uint8Array): string | undefined {
  if (bytes.length <= PLACEHOLDER_MAGIC.length) return undefined;
  if (!PLACEHOLDER_MAGIC.every((byte, i) => bytes[i] === byte)) return undefined;
  const text = `$${Buffer.from(bytes.subarray(PLACEHOLDER_MAGIC.length)).toString("latin1")}`;
  return NAME.test(text) ? text : undefined;
}

/** The placeholders of the OASIS XML vectors. */
export const VECTOR_PLACEHOLDERS: XmlPlaceholders = {
  parse(type, text) {
    if (type === "DateTime") return parseNow(text);
    if (type === "ByteString") return parseName(text);
    return undefined;
  },
  format(item) {
    if (item.type === "DateTime") return formatNow(item.value);
    if (item.type === "ByteString") return formatName(item.value);
    return undefined;
  },
};
