/**
 * Property tests: arbitrary well-formed trees round-trip exactly; random and mutated bytes
 * make the decoder return a value within the limits or throw a TtlvError, nothing else.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeTtlv,
  encodedLength,
  encodeTtlv,
  TtlvError,
  type TtlvItem,
  type TtlvLimits,
} from "../../../src/ttlv/index.js";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const tag = fc.integer({ min: 0, max: 0xff_ffff });
const int64 = fc.bigInt({ min: INT64_MIN, max: INT64_MAX });

const leaf: fc.Arbitrary<TtlvItem> = fc.oneof(
  fc.record({
    tag,
    type: fc.constant("Integer"),
    value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  }),
  fc.record({ tag, type: fc.constant("LongInteger"), value: int64 }),
  fc.record({
    tag,
    type: fc.constant("BigInteger"),
    value: fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }),
  }),
  fc.record({ tag, type: fc.constant("Enumeration"), value: fc.nat({ max: 0xffff_ffff }) }),
  fc.record({ tag, type: fc.constant("Boolean"), value: fc.boolean() }),
  fc.record({
    tag,
    type: fc.constant("TextString"),
    value: fc.string({ unit: "binary", maxLength: 24 }),
  }),
  fc.record({ tag, type: fc.constant("ByteString"), value: fc.uint8Array({ maxLength: 40 }) }),
  fc.record({ tag, type: fc.constant("DateTime"), value: int64 }),
  fc.record({ tag, type: fc.constant("Interval"), value: fc.nat({ max: 0xffff_ffff }) }),
  fc.record({ tag, type: fc.constant("DateTimeExtended"), value: int64 }),
) as fc.Arbitrary<TtlvItem>;

const { tree } = fc.letrec<{ tree: TtlvItem; structure: TtlvItem }>((tie) => ({
  tree: fc.oneof({ depthSize: "small", maxDepth: 5 }, leaf, tie("structure")),
  structure: fc.record({
    tag,
    type: fc.constant("Structure" as const),
    value: fc.array(tie("tree"), { maxLength: 6 }),
  }),
}));

/** Tight limits so that mutations hit them often. */
const LIMITS: TtlvLimits = {
  maxMessageBytes: 4096,
  maxDepth: 4,
  maxItemsPerStructure: 6,
  maxTotalItems: 40,
};

/** Checks a decoded tree against LIMITS; returns its item count. */
function checkWithinLimits(item: TtlvItem, depth: number): number {
  if (item.type !== "Structure") return 1;
  expect(depth).toBeLessThanOrEqual(LIMITS.maxDepth);
  expect(item.value.length).toBeLessThanOrEqual(LIMITS.maxItemsPerStructure);
  let count = 1;
  for (const child of item.value) count += checkWithinLimits(child, depth + 1);
  return count;
}

/** Decodes; a value must respect LIMITS, an error must be a TtlvError. */
function decodeSafely(bytes: Uint8Array): void {
  let item: TtlvItem;
  try {
    item = decodeTtlv(bytes, LIMITS);
  } catch (error) {
    expect(error).toBeInstanceOf(TtlvError);
    const { offset } = error as TtlvError;
    expect(offset >= 0 && offset <= Math.max(bytes.length, LIMITS.maxMessageBytes)).toBe(true);
    return;
  }
  expect(checkWithinLimits(item, 1)).toBeLessThanOrEqual(LIMITS.maxTotalItems);
}

describe("TTLV properties", () => {
  it("tree -> encode -> decode is the same tree; decode -> encode the same bytes", () => {
    fc.assert(
      fc.property(tree, (item) => {
        const bytes = encodeTtlv(item);
        expect(bytes.length).toBe(encodedLength(item));
        expect(bytes.length % 8).toBe(0);
        const decoded = decodeTtlv(new Uint8Array(bytes), { maxItemsPerStructure: 10_000 });
        expect(decoded).toEqual(item);
        expect(encodeTtlv(decoded).equals(bytes)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it("random bytes decode to a value or a TtlvError", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), decodeSafely), { numRuns: 2000 });
  });

  it("random bytes behind a plausible header decode to a value or a TtlvError", () => {
    const structureHeader = (body: Uint8Array): Uint8Array => {
      const bytes = Buffer.alloc(8 + body.length);
      bytes.writeUInt32BE(0x4200_7801, 0); // tag 420078, type Structure
      bytes.writeUInt32BE(body.length, 4);
      bytes.set(body, 8);
      return bytes;
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (body) => decodeSafely(structureHeader(body))),
      { numRuns: 2000 },
    );
  });

  it("byte and bit mutations of valid encodings decode to a value or a TtlvError", () => {
    fc.assert(
      fc.property(
        tree,
        fc.nat(),
        fc.nat({ max: 255 }),
        fc.nat({ max: 7 }),
        (item, at, byte, bit) => {
          const valid = encodeTtlv(item);
          const index = at % valid.length;
          const byteMutant = new Uint8Array(valid);
          byteMutant[index] = byte;
          decodeSafely(byteMutant);
          const bitMutant = new Uint8Array(valid);
          bitMutant[index] = (bitMutant[index] ?? 0) ^ (1 << bit);
          decodeSafely(bitMutant);
          decodeSafely(valid.subarray(0, index)); // truncation
        },
      ),
      { numRuns: 1500 },
    );
  });
});
