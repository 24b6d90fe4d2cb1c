/**
 * Golden vectors: each annotated hex vector must decode to its item, its item must encode to
 * exactly those bytes, and both round trips must be lossless.
 */
import { describe, expect, it } from "vitest";
import {
  bytesToHex,
  decodeTtlv,
  encodedLength,
  encodeTtlv,
  hexToBytes,
  type TtlvItem,
} from "../../../src/ttlv/index.js";
import { EXTRA_VECTORS, SPEC_EXAMPLES } from "./vectors.js";

const ALL_VECTORS = [...SPEC_EXAMPLES, ...EXTRA_VECTORS];

describe("golden TTLV vectors", () => {
  it("cover every item type", () => {
    const types = new Set<string>();
    const visit = (item: TtlvItem): void => {
      types.add(item.type);
      if (item.type === "Structure") item.value.forEach(visit);
    };
    for (const vector of ALL_VECTORS) visit(vector.item);
    expect([...types].sort()).toEqual(
      [
        "BigInteger",
        "Boolean",
        "ByteString",
        "DateTime",
        "DateTimeExtended",
        "Enumeration",
        "Integer",
        "Interval",
        "LongInteger",
        "Structure",
        "TextString",
      ].sort(),
    );
  });

  describe.each(ALL_VECTORS)("$name", ({ hex, item }) => {
    const bytes = hexToBytes(hex);

    it("decodes to the expected item", () => {
      expect(decodeTtlv(bytes)).toEqual(item);
    });

    it("encodes to the expected bytes", () => {
      expect(bytesToHex(encodeTtlv(item))).toBe(bytesToHex(bytes));
      expect(encodedLength(item)).toBe(bytes.length);
    });

    it("round-trips bytes -> item -> bytes", () => {
      expect(bytesToHex(encodeTtlv(decodeTtlv(bytes)))).toBe(bytesToHex(bytes));
    });

    it("round-trips item -> bytes -> item", () => {
      // Plain Uint8Array input, so Byte String views are plain Uint8Arrays like the vector's.
      expect(decodeTtlv(new Uint8Array(encodeTtlv(item)))).toEqual(item);
    });
  });
});

describe("decoded values", () => {
  it("returns Byte Strings as views of the input, not copies", () => {
    const bytes = hexToBytes("420020 08 00000003 010203 0000000000");
    const item = decodeTtlv(bytes);
    if (item.type !== "ByteString") throw new Error(`unexpected ${item.type}`);
    expect(item.value.buffer).toBe(bytes.buffer);
    expect(item.value.byteOffset).toBe(bytes.byteOffset + 8);
  });

  it("returns Byte Strings as Buffers when given a Buffer", () => {
    const item = decodeTtlv(Buffer.from(hexToBytes("420020 08 00000003 010203 0000000000")));
    expect(item.type === "ByteString" && Buffer.isBuffer(item.value)).toBe(true);
  });

  it("decodes from a view at a non-zero offset of a larger buffer", () => {
    const backing = hexToBytes("FFFFFFFF 420020 02 00000004 00000008 00000000 FFFFFFFF");
    expect(decodeTtlv(backing.subarray(4, 20))).toEqual({
      tag: 0x420020,
      type: "Integer",
      value: 8,
    });
  });

  it("accepts a non-minimal (extra sign word) Big Integer", () => {
    const bytes = hexToBytes("420020 04 00000010 FFFFFFFFFFFFFFFF FFFFFFFFFFFFFFFE");
    expect(decodeTtlv(bytes)).toEqual({ tag: 0x420020, type: "BigInteger", value: -2n });
  });
});
