/**
 * Malformed input: every case is annotated hex with the exact error code, byte offset and tag
 * path the decoder must report.
 */
import { describe, expect, it } from "vitest";
import {
  decodeTtlv,
  hexToBytes,
  TtlvError,
  type TtlvErrorCode,
  type TtlvLimits,
} from "../../../src/ttlv/index.js";
import { EXTRA_VECTORS, hex, T } from "./vectors.js";

/** Decodes and returns the TtlvError thrown (fails the test if none or another error). */
function decodeError(bytes: Uint8Array, limits?: Partial<TtlvLimits>): TtlvError {
  try {
    decodeTtlv(bytes, limits);
  } catch (error) {
    if (error instanceof TtlvError) return error;
    throw error;
  }
  throw new Error("decoded without error");
}

interface MalformedCase {
  readonly name: string;
  readonly hex: string;
  readonly code: TtlvErrorCode;
  readonly offset: number;
  readonly tagPath: readonly number[];
}

const E = T.Example;
const C4 = T.ExampleChild4;

const CASES: readonly MalformedCase[] = [
  {
    name: "empty input",
    hex: "",
    code: "Truncated",
    offset: 0,
    tagPath: [],
  },
  {
    name: "header cut short",
    hex: hex(["420020", "02", "0000"]), // only 6 of the 8 header bytes
    code: "Truncated",
    offset: 0,
    tagPath: [],
  },
  {
    name: "Integer with length 8",
    hex: hex(["420020", "02", "00000008", "00000008 00000000"]),
    code: "BadLength",
    offset: 0,
    tagPath: [E],
  },
  {
    name: "Long Integer with length 4",
    hex: hex(["420020", "03", "00000004", "00000008 00000000"]),
    code: "BadLength",
    offset: 0,
    tagPath: [E],
  },
  {
    name: "Enumeration with length 8",
    hex: hex(["420020", "05", "00000008", "00000001 00000000"]),
    code: "BadLength",
    offset: 0,
    tagPath: [E],
  },
  {
    name: "Boolean with length 4",
    hex: hex(["420020", "06", "00000004", "00000001 00000000"]),
    code: "BadLength",
    offset: 0,
    tagPath: [E],
  },
  {
    name: "Date-Time with length 0",
    hex: hex(["420020", "09", "00000000"]),
    code: "BadLength",
    offset: 0,
    tagPath: [E],
  },
  {
    name: "Interval with length 5",
    hex: hex(["420020", "0A", "00000005", "00000001 00000000"]),
    code: "BadLength",
    offset: 0,
    tagPath: [E],
  },
  {
    name: "Date-Time Extended with length 16",
    hex: hex(["420020", "0B", "00000010", "00000000 00000001 00000000 00000000"]),
    code: "BadLength",
    offset: 0,
    tagPath: [E],
  },
  {
    name: "Big Integer with length 4 (not a multiple of 8)",
    hex: hex(["420020", "04", "00000004", "00000001 00000000"]),
    code: "BadLength",
    offset: 0,
    tagPath: [E],
  },
  {
    name: "Big Integer with length 0",
    hex: hex(["420020", "04", "00000000"]),
    code: "BadLength",
    offset: 0,
    tagPath: [E],
  },
  {
    name: "Structure with length 12 (not a multiple of 8)",
    hex: hex(["420020", "01", "0000000C", "420004 02 00000004 00000001 00000000"]),
    code: "BadLength",
    offset: 0,
    tagPath: [E],
  },
  {
    name: "Integer padding not zero",
    hex: hex(["420020", "02", "00000004", "00000008", "00000100"]), // padding byte 14 = 01
    code: "BadPadding",
    offset: 14,
    tagPath: [E],
  },
  {
    name: "Text String padding not zero",
    hex: hex(["420020", "07", "0000000B", "48656C6C6F20576F726C64", "00000000FF"]), // byte 23
    code: "BadPadding",
    offset: 23,
    tagPath: [E],
  },
  {
    name: "Byte String padding not zero inside a structure",
    hex: hex([
      "420020 01 00000010", // Structure, 16 bytes
      "420004 08 00000001", //   Byte String, 1 byte
      "AA",
      "80000000000000", // value AA, first padding byte (offset 17) = 80
    ]),
    code: "BadPadding",
    offset: 17,
    tagPath: [E, C4],
  },
  {
    name: "unknown type byte 0x0C",
    hex: hex(["420020", "0C", "00000004", "00000008 00000000"]),
    code: "BadType",
    offset: 0,
    tagPath: [E],
  },
  {
    name: "type byte 0x00 inside a structure",
    hex: hex(["420020 01 00000010", "420004 00 00000004 00000000 00000000"]),
    code: "BadType",
    offset: 8,
    tagPath: [E, C4],
  },
  {
    name: "Boolean value 2",
    hex: hex(["420020", "06", "00000008", "00000000 00000002"]),
    code: "BadBoolean",
    offset: 8,
    tagPath: [E],
  },
  {
    name: "Boolean with a bit set in the high word",
    hex: hex(["420020", "06", "00000008", "01000000 00000001"]),
    code: "BadBoolean",
    offset: 8,
    tagPath: [E],
  },
  {
    name: "Text String with an invalid UTF-8 sequence (C3 28)",
    hex: hex(["420020", "07", "00000002", "C328", "000000000000"]),
    code: "BadUtf8",
    offset: 8,
    tagPath: [E],
  },
  {
    name: "Text String with an encoded surrogate (ED A0 80) inside a structure",
    hex: hex(["420020 01 00000010", "420004 07 00000003", "EDA080", "0000000000"]),
    code: "BadUtf8",
    offset: 16,
    tagPath: [E, C4],
  },
  {
    name: "Text String with an overlong encoding of '/' (C0 AF)",
    hex: hex(["420020", "07", "00000002", "C0AF", "000000000000"]),
    code: "BadUtf8",
    offset: 8,
    tagPath: [E],
  },
  {
    name: "top-level item declares more bytes than the buffer holds",
    hex: hex(["420020", "07", "7FFFFFFF", "48656C6C6F000000"]),
    code: "Truncated",
    offset: 0,
    tagPath: [E],
  },
  {
    name: "top-level Structure declares 0xFFFFFFF8 bytes",
    hex: hex(["420020", "01", "FFFFFFF8", "420004 02 00000004 00000001 00000000"]),
    code: "Truncated",
    offset: 0,
    tagPath: [E],
  },
  {
    name: "child overruns its structure (lengths disagree)",
    hex: hex([
      "420020 01 00000008", // Structure of 8 bytes: room for a header only
      "420004 02 00000004 00000001 00000000", // Integer needing 16
    ]),
    code: "BadLength",
    offset: 8,
    tagPath: [E, C4],
  },
  {
    name: "child declares a huge Byte String inside a structure",
    hex: hex(["420020 01 00000010", "420004 08 FFFFFFFF 0000000000000000"]),
    code: "BadLength",
    offset: 8,
    tagPath: [E, C4],
  },
  {
    name: "structure ends after a child header, before its value",
    hex: hex([
      "420020 01 00000018", // Structure, 24 bytes
      "420004 02 00000004 00000001 00000000", //   Integer (16 bytes)
      "420005 02 00000004", //   Integer header (8 bytes): its value is outside the structure
    ]),
    code: "BadLength",
    offset: 24,
    tagPath: [E, T.ExampleChild5],
  },
  {
    name: "trailing bytes after the item",
    hex: hex(["420020", "02", "00000004", "00000008 00000000", "00000000 00000000"]),
    code: "TrailingBytes",
    offset: 16,
    tagPath: [],
  },
];

describe("malformed TTLV", () => {
  it.each(CASES)("$name -> $code at $offset", ({ hex: text, code, offset, tagPath }) => {
    const error = decodeError(hexToBytes(text));
    expect({ code: error.code, offset: error.offset, tagPath: error.tagPath }).toEqual({
      code,
      offset,
      tagPath,
    });
    expect(error.message).toContain(`offset ${offset}`);
  });

  const nested = EXTRA_VECTORS.find((vector) => vector.name.startsWith("nested"));
  if (nested === undefined) throw new Error("nested vector missing");
  const valid = hexToBytes(nested.hex);

  it("reports Truncated at offset 0 for every cut of a valid message", () => {
    for (let cut = 0; cut < valid.length; cut++) {
      const error = decodeError(valid.subarray(0, cut));
      const expectedPath = cut < 8 ? [] : [T.RequestMessage];
      expect({ cut, code: error.code, offset: error.offset, tagPath: error.tagPath }).toEqual({
        cut,
        code: "Truncated",
        offset: 0,
        tagPath: expectedPath,
      });
    }
  });

  it("reports BadLength at the inner structure when only the outer length fits the buffer", () => {
    // Last 8 bytes dropped and the root length fixed to match: RequestHeader (56 bytes at
    // offset 8) now overruns the root's 56 bytes.
    const shortened = new Uint8Array(valid.subarray(0, valid.length - 8));
    shortened[7] = 0x38; // RequestMessage now 56 bytes (was 64), RequestHeader still 56
    const error = decodeError(shortened);
    expect([error.code, error.offset, error.tagPath]).toEqual([
      "BadLength",
      8,
      [T.RequestMessage, T.RequestHeader],
    ]);
  });

  it("rejects a buffer over maxMessageBytes before reading it", () => {
    const error = decodeError(valid, { maxMessageBytes: 64 });
    expect([error.code, error.offset, error.tagPath]).toEqual(["TooLarge", 64, []]);
    expect(decodeTtlv(valid, { maxMessageBytes: 72 })).toEqual(nested.item);
  });
});
