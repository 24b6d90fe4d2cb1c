/**
 * Encoder validation: values that cannot be represented on the wire are refused with
 * BadValue (or BadType/TooDeep), located by would-be output offset and tag path.
 */
import { describe, expect, it } from "vitest";
import { encodedLength, encodeTtlv, TtlvError, type TtlvItem } from "../../../src/ttlv/index.js";
import { T } from "./vectors.js";

function encodeError(item: TtlvItem): TtlvError {
  try {
    encodeTtlv(item);
  } catch (error) {
    if (error instanceof TtlvError) return error;
    throw error;
  }
  throw new Error("encoded without error");
}

/** Builds a leaf of any type from untyped parts, to feed the encoder values TS would refuse. */
function leaf(type: string, value: unknown, tag: number = T.Example): TtlvItem {
  return { tag, type, value } as unknown as TtlvItem;
}

const E = T.Example;

describe("encodeTtlv rejects unrepresentable values", () => {
  it.each([
    ["Integer 2^31", leaf("Integer", 2 ** 31)],
    ["Integer -2^31-1", leaf("Integer", -(2 ** 31) - 1)],
    ["Integer 1.5", leaf("Integer", 1.5)],
    ["Integer NaN", leaf("Integer", Number.NaN)],
    ["Integer given as bigint", leaf("Integer", 1n)],
    ["Enumeration -1", leaf("Enumeration", -1)],
    ["Enumeration 2^32", leaf("Enumeration", 2 ** 32)],
    ["Interval -1", leaf("Interval", -1)],
    ["Long Integer 2^63", leaf("LongInteger", 2n ** 63n)],
    ["Long Integer given as number", leaf("LongInteger", 1)],
    ["Date-Time -2^63-1", leaf("DateTime", -(2n ** 63n) - 1n)],
    ["Date-Time Extended as number", leaf("DateTimeExtended", 0)],
    ["Big Integer as number", leaf("BigInteger", 5)],
    ["Boolean 1", leaf("Boolean", 1)],
    ["Text String with a lone surrogate", leaf("TextString", "a\uD800b")],
    ["Text String as bytes", leaf("TextString", new Uint8Array(2))],
    ["Byte String as array", leaf("ByteString", [1, 2])],
    ["Structure value not an array", leaf("Structure", {})],
    ["tag over 3 bytes", leaf("Integer", 1, 0x1000000)],
    ["negative tag", leaf("Integer", 1, -1)],
  ])("%s", (_name, item) => {
    const error = encodeError(item);
    expect([error.code, error.offset]).toEqual(["BadValue", 0]);
    expect(error.tagPath).toHaveLength(1);
  });

  it("rejects an unknown type name with BadType", () => {
    const error = encodeError(leaf("Float", 1.5));
    expect([error.code, error.offset, error.tagPath]).toEqual(["BadType", 0, [E]]);
  });

  it("locates a bad value deep in a tree by output offset and tag path", () => {
    const item: TtlvItem = {
      tag: T.RequestMessage,
      type: "Structure",
      value: [
        { tag: T.BatchCount, type: "Integer", value: 1 }, // bytes 8..24
        {
          tag: T.RequestHeader, // bytes 24..
          type: "Structure",
          value: [
            { tag: T.ProtocolVersionMajor, type: "Integer", value: 1 }, // bytes 32..48
            leaf("Integer", 2 ** 40, T.ProtocolVersionMinor), // would start at 48
          ],
        },
      ],
    };
    const error = encodeError(item);
    expect([error.code, error.offset, error.tagPath]).toEqual([
      "BadValue",
      48,
      [T.RequestMessage, T.RequestHeader, T.ProtocolVersionMinor],
    ]);
    expect(() => encodedLength(item)).toThrow(TtlvError);
  });

  it("refuses a cyclic structure with TooDeep instead of overflowing the stack", () => {
    const children: TtlvItem[] = [];
    const cyclic: TtlvItem = { tag: E, type: "Structure", value: children };
    children.push(cyclic);
    expect(encodeError(cyclic).code).toBe("TooDeep");
  });
});

describe("encodeTtlv output", () => {
  it("zeroes padding even in recycled Buffer memory", () => {
    // Small allocUnsafe Buffers are slices of a shared pool: dirty the whole current pool.
    const pool = Buffer.allocUnsafe(1).buffer;
    new Uint8Array(pool).fill(0xff);
    const bytes = encodeTtlv({
      tag: E,
      type: "Structure",
      value: [
        { tag: E, type: "TextString", value: "a" },
        { tag: E, type: "ByteString", value: new Uint8Array([1]) },
        { tag: E, type: "Integer", value: -1 },
        { tag: E, type: "Boolean", value: true },
      ],
    });
    // Padding spans: text 17..24, bytes 33..40, integer 52..56, boolean high word 64..68.
    for (const [from, to] of [
      [17, 24],
      [33, 40],
      [52, 56],
      [64, 68],
    ] as const) {
      expect([...bytes.subarray(from, to)]).toEqual(new Array(to - from).fill(0));
    }
  });

  it("sign-extends Big Integers minimally to a multiple of 8 bytes", () => {
    const sizes = [
      0n,
      1n,
      -1n,
      2n ** 63n - 1n,
      -(2n ** 63n),
      2n ** 63n,
      -(2n ** 63n) - 1n,
      2n ** 127n,
    ];
    expect(sizes.map((value) => encodedLength({ tag: E, type: "BigInteger", value }) - 8)).toEqual([
      8, 8, 8, 8, 8, 16, 16, 24,
    ]);
  });
});
