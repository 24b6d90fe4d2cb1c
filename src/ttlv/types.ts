/**
 * TTLV item model (KMIP 1.4 spec, section 9.1: Tag-Type-Length-Value encoding).
 *
 * The codec is generic: a tag is a plain number (3 bytes on the wire, 0x42XXXX for KMIP),
 * and nothing here knows what a tag means. KMIP names live in `src/kmip/` as tables.
 */

/** TTLV item types (KMIP 1.4 section 9.1.1.2, plus 0x0B Date-Time Extended of KMIP 2.0). */
export const TtlvType = {
  Structure: 0x01,
  Integer: 0x02,
  LongInteger: 0x03,
  BigInteger: 0x04,
  Enumeration: 0x05,
  Boolean: 0x06,
  TextString: 0x07,
  ByteString: 0x08,
  DateTime: 0x09,
  Interval: 0x0a,
  DateTimeExtended: 0x0b,
} as const;

/** Name of a TTLV type, as used in the KMIP XML encoding's `type=` attribute. */
export type TtlvTypeName = keyof typeof TtlvType;

/** Reverse map: type byte -> type name. */
export const TTLV_TYPE_NAMES: ReadonlyMap<number, TtlvTypeName> = new Map(
  (Object.entries(TtlvType) as [TtlvTypeName, number][]).map(([name, code]) => [code, name]),
);

/**
 * One decoded TTLV item. Value representations:
 * - Integer (signed 32-bit), Enumeration (unsigned 32-bit), Interval (unsigned 32-bit): `number`
 * - Long Integer (signed 64-bit), Big Integer (two's complement, any length),
 *   Date-Time (signed 64-bit POSIX seconds), Date-Time Extended (signed 64-bit microseconds): `bigint`
 * - Boolean: `boolean`; Text String: `string` (valid UTF-8 only)
 * - Byte String: `Uint8Array` (may be a view into the decoded message buffer: copy it to keep it)
 * - Structure: ordered child items
 */
export type TtlvItem =
  | { readonly tag: number; readonly type: "Structure"; readonly value: readonly TtlvItem[] }
  | { readonly tag: number; readonly type: "Integer"; readonly value: number }
  | { readonly tag: number; readonly type: "LongInteger"; readonly value: bigint }
  | { readonly tag: number; readonly type: "BigInteger"; readonly value: bigint }
  | { readonly tag: number; readonly type: "Enumeration"; readonly value: number }
  | { readonly tag: number; readonly type: "Boolean"; readonly value: boolean }
  | { readonly tag: number; readonly type: "TextString"; readonly value: string }
  | { readonly tag: number; readonly type: "ByteString"; readonly value: Uint8Array }
  | { readonly tag: number; readonly type: "DateTime"; readonly value: bigint }
  | { readonly tag: number; readonly type: "Interval"; readonly value: number }
  | { readonly tag: number; readonly type: "DateTimeExtended"; readonly value: bigint };

/** Limits applied while decoding; every one has a safe default (see `DEFAULT_TTLV_LIMITS`). */
export interface TtlvLimits {
  /** Largest whole message in bytes, header included. */
  readonly maxMessageBytes: number;
  /** Deepest nesting of structures (the outermost structure is depth 1). */
  readonly maxDepth: number;
  /** Most items directly inside one structure. */
  readonly maxItemsPerStructure: number;
  /** Most items in the whole message (bounds the work one message can cause). */
  readonly maxTotalItems: number;
}

/** Safe defaults for {@link TtlvLimits}. */
export const DEFAULT_TTLV_LIMITS: TtlvLimits = {
  maxMessageBytes: 1024 * 1024,
  maxDepth: 32,
  maxItemsPerStructure: 4096,
  maxTotalItems: 65_536,
};
