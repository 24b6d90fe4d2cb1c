/**
 * Annotated TTLV vectors for the codec tests. Each vector lists its bytes field by field
 * (tag | type | length | value + padding, KMIP 1.4 section 9.1.1) with a comment per field.
 */
import type { TtlvItem } from "../../../src/ttlv/index.js";

/** Tags used by the vectors (KMIP 1.4 section 9.1.3.1, or the spec's 9.1.2 example tags). */
export const T = {
  /** Tag of every example in KMIP 1.4 section 9.1.2. */
  Example: 0x420020,
  /** Child tags of the section 9.1.2 Structure example. */
  ExampleChild4: 0x420004,
  ExampleChild5: 0x420005,
  RequestMessage: 0x420078,
  RequestHeader: 0x420077,
  ProtocolVersion: 0x420069,
  ProtocolVersionMajor: 0x42006a,
  ProtocolVersionMinor: 0x42006b,
  BatchCount: 0x42000d,
  /** An extension tag (first byte 0x54, KMIP 1.4 section 9.1.1.1). */
  Extension: 0x540001,
} as const;

/** Joins annotated hex fields into one hex string (spaces are ignored by hexToBytes). */
export function hex(fields: readonly string[]): string {
  return fields.join(" ");
}

export interface GoldenVector {
  readonly name: string;
  readonly hex: string;
  readonly item: TtlvItem;
}

/** The ten examples of KMIP 1.4 section 9.1.2, copied from the spec text. */
export const SPEC_EXAMPLES: readonly GoldenVector[] = [
  {
    name: "spec 9.1.2: Integer 8",
    // tag | Integer | length 4 | value 8, then 4 padding bytes
    hex: hex(["420020", "02", "00000004", "00000008 00000000"]),
    item: { tag: T.Example, type: "Integer", value: 8 },
  },
  {
    name: "spec 9.1.2: Long Integer 123456789000000000",
    // tag | Long Integer | length 8 | 64-bit value, no padding
    hex: hex(["420020", "03", "00000008", "01B69B4BA5749200"]),
    item: { tag: T.Example, type: "LongInteger", value: 123456789000000000n },
  },
  {
    name: "spec 9.1.2: Big Integer 1234567890000000000000000000",
    // tag | Big Integer | length 16 | 12 significant bytes sign-extended with 4 leading zeros
    hex: hex(["420020", "04", "00000010", "00000000 03FD35EB 6BC2DF46 18080000"]),
    item: { tag: T.Example, type: "BigInteger", value: 1234567890000000000000000000n },
  },
  {
    name: "spec 9.1.2: Enumeration 255",
    // tag | Enumeration | length 4 | value 255, then 4 padding bytes
    hex: hex(["420020", "05", "00000004", "000000FF 00000000"]),
    item: { tag: T.Example, type: "Enumeration", value: 255 },
  },
  {
    name: "spec 9.1.2: Boolean True",
    // tag | Boolean | length 8 | 0000000000000001
    hex: hex(["420020", "06", "00000008", "00000000 00000001"]),
    item: { tag: T.Example, type: "Boolean", value: true },
  },
  {
    name: 'spec 9.1.2: Text String "Hello World"',
    // tag | Text String | length 11 | UTF-8 bytes, then 5 padding bytes to 16
    hex: hex(["420020", "07", "0000000B", "48656C6C6F20576F726C64", "0000000000"]),
    item: { tag: T.Example, type: "TextString", value: "Hello World" },
  },
  {
    name: "spec 9.1.2: Byte String 01 02 03",
    // tag | Byte String | length 3 | bytes, then 5 padding bytes
    hex: hex(["420020", "08", "00000003", "010203", "0000000000"]),
    item: { tag: T.Example, type: "ByteString", value: new Uint8Array([1, 2, 3]) },
  },
  {
    name: "spec 9.1.2: Date-Time 2008-03-14T11:56:40Z",
    // tag | Date-Time | length 8 | POSIX seconds 1205495800 as a 64-bit integer
    hex: hex(["420020", "09", "00000008", "00000000 47DA67F8"]),
    item: { tag: T.Example, type: "DateTime", value: 1205495800n },
  },
  {
    name: "spec 9.1.2: Interval 10 days",
    // tag | Interval | length 4 | 864000 seconds, then 4 padding bytes
    hex: hex(["420020", "0A", "00000004", "000D2F00 00000000"]),
    item: { tag: T.Example, type: "Interval", value: 864000 },
  },
  {
    name: "spec 9.1.2: Structure { Enumeration 254, Integer 255 }",
    hex: hex([
      "420020", // tag
      "01", // Structure
      "00000020", // length 32: two children of 16 bytes
      "420004 05 00000004 000000FE 00000000", // Enumeration 254 + padding
      "420005 02 00000004 000000FF 00000000", // Integer 255 + padding
    ]),
    item: {
      tag: T.Example,
      type: "Structure",
      value: [
        { tag: T.ExampleChild4, type: "Enumeration", value: 254 },
        { tag: T.ExampleChild5, type: "Integer", value: 255 },
      ],
    },
  },
];

/** More vectors: the remaining type, edge values and nesting. */
export const EXTRA_VECTORS: readonly GoldenVector[] = [
  {
    name: "Date-Time Extended (0x0B, KMIP 2.1): microseconds",
    // tag | Date-Time Extended | length 8 | 1205495800123456 us
    hex: hex(["420020", "0B", "00000008", "000448645CF1D040"]),
    item: { tag: T.Example, type: "DateTimeExtended", value: 1205495800123456n },
  },
  {
    name: "Integer -1 (two's complement)",
    hex: hex(["420020", "02", "00000004", "FFFFFFFF 00000000"]),
    item: { tag: T.Example, type: "Integer", value: -1 },
  },
  {
    name: "Long Integer minimum",
    hex: hex(["420020", "03", "00000008", "80000000 00000000"]),
    item: { tag: T.Example, type: "LongInteger", value: -(2n ** 63n) },
  },
  {
    name: "Big Integer -1: one word of sign bits",
    hex: hex(["420020", "04", "00000008", "FFFFFFFF FFFFFFFF"]),
    item: { tag: T.Example, type: "BigInteger", value: -1n },
  },
  {
    name: "Big Integer 2^63: a leading zero word keeps it positive",
    hex: hex(["420020", "04", "00000010", "00000000 00000000", "80000000 00000000"]),
    item: { tag: T.Example, type: "BigInteger", value: 2n ** 63n },
  },
  {
    name: "Big Integer -2^64-1: sign-extended with FF bytes",
    hex: hex(["420020", "04", "00000010", "FFFFFFFF FFFFFFFE", "FFFFFFFF FFFFFFFF"]),
    item: { tag: T.Example, type: "BigInteger", value: -(2n ** 64n) - 1n },
  },
  {
    name: "Enumeration extension value over int32 (first nibble 8)",
    hex: hex(["420020", "05", "00000004", "80000001 00000000"]),
    item: { tag: T.Example, type: "Enumeration", value: 0x8000_0001 },
  },
  {
    name: "Boolean False",
    hex: hex(["420020", "06", "00000008", "00000000 00000000"]),
    item: { tag: T.Example, type: "Boolean", value: false },
  },
  {
    name: "empty Text String: length 0, no padding",
    hex: hex(["420020", "07", "00000000"]),
    item: { tag: T.Example, type: "TextString", value: "" },
  },
  {
    name: "Text String with multi-byte UTF-8 (é = C3A9, € = E282AC)",
    hex: hex(["420020", "07", "00000005", "C3A9 E282AC", "000000"]),
    item: { tag: T.Example, type: "TextString", value: "é€" },
  },
  {
    name: "Byte String of exactly 8 bytes: no padding",
    hex: hex(["540001", "08", "00000008", "DEADBEEF 00010203"]),
    item: {
      tag: T.Extension,
      type: "ByteString",
      value: new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3]),
    },
  },
  {
    name: "empty Structure",
    hex: hex(["420020", "01", "00000000"]),
    item: { tag: T.Example, type: "Structure", value: [] },
  },
  {
    name: "nested: RequestMessage { RequestHeader { ProtocolVersion { 1, 4 }, BatchCount 1 } }",
    hex: hex([
      "420078 01 00000040", // RequestMessage, 64 bytes
      "420077 01 00000038", //   RequestHeader, 56 bytes
      "420069 01 00000020", //     ProtocolVersion, 32 bytes
      "42006A 02 00000004 00000001 00000000", // Major 1
      "42006B 02 00000004 00000004 00000000", // Minor 4
      "42000D 02 00000004 00000001 00000000", //   BatchCount 1
    ]),
    item: {
      tag: T.RequestMessage,
      type: "Structure",
      value: [
        {
          tag: T.RequestHeader,
          type: "Structure",
          value: [
            {
              tag: T.ProtocolVersion,
              type: "Structure",
              value: [
                { tag: T.ProtocolVersionMajor, type: "Integer", value: 1 },
                { tag: T.ProtocolVersionMinor, type: "Integer", value: 4 },
              ],
            },
            { tag: T.BatchCount, type: "Integer", value: 1 },
          ],
        },
      ],
    },
  },
];
