/**
 * Property: any TTLV item survives XML and JSON (and the TTLV codec) unchanged, including
 * extreme values, unknown tags, enumeration values without a name and masks with unnamed bits.
 * Text Strings exclude the C0 controls other than tab, line feed and carriage return, which
 * XML 1.0 cannot carry.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kmipJsonToTtlv, ttlvToKmipJson } from "../../../src/kmip/json.js";
import { Tag } from "../../../src/kmip/tags.js";
import { ttlvToXml, xmlToTtlv } from "../../../src/kmip/xml.js";
import { decodeTtlv } from "../../../src/ttlv/decode.js";
import { encodeTtlv } from "../../../src/ttlv/encode.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { canonical } from "./vector-helpers.js";

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const uint32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
/** Replaces the C0 controls XML 1.0 cannot carry (all but tab, line feed, carriage return). */
function xmlSafe(s: string): string {
  return [...s].map((c) => (c < " " && c !== "\t" && c !== "\n" && c !== "\r" ? "?" : c)).join("");
}
const text = fc.string({ unit: "grapheme", maxLength: 20 }).map(xmlSafe);
const anyTag = fc.oneof(
  fc.constantFrom(...Object.values(Tag)),
  fc.integer({ min: 0x540000, max: 0x54ffff }),
);

const leaf: fc.Arbitrary<TtlvItem> = fc.oneof(
  fc.record({
    tag: anyTag,
    type: fc.constant("Integer" as const),
    value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  }),
  fc.record({
    tag: fc.constant(Tag.CryptographicUsageMask),
    type: fc.constant("Integer" as const),
    value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  }),
  fc.record({ tag: anyTag, type: fc.constant("LongInteger" as const), value: int64 }),
  fc.record({
    tag: anyTag,
    type: fc.constant("BigInteger" as const),
    value: fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }),
  }),
  fc.record({
    tag: anyTag,
    type: fc.constant("Enumeration" as const),
    value: fc.oneof(uint32, fc.integer({ min: 0, max: 40 })),
  }),
  fc.record({ tag: anyTag, type: fc.constant("Boolean" as const), value: fc.boolean() }),
  fc.record({ tag: anyTag, type: fc.constant("TextString" as const), value: text }),
  fc.record({
    tag: anyTag,
    type: fc.constant("ByteString" as const),
    value: fc.uint8Array({ maxLength: 40 }),
  }),
  fc.record({ tag: anyTag, type: fc.constant("DateTime" as const), value: int64 }),
  fc.record({ tag: anyTag, type: fc.constant("Interval" as const), value: uint32 }),
  fc.record({ tag: anyTag, type: fc.constant("DateTimeExtended" as const), value: int64 }),
);

const { item } = fc.letrec<{ item: TtlvItem }>((tie) => ({
  item: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.record({
      tag: anyTag,
      type: fc.constant("Structure" as const),
      value: fc.array(tie("item"), { maxLength: 5 }),
    }),
  ),
}));

const message = fc
  .array(item, { maxLength: 6 })
  .map((value): TtlvItem => ({ tag: Tag.RequestMessage, type: "Structure", value }));

describe("XML and JSON round trips", () => {
  it("keep every item unchanged", () => {
    fc.assert(
      fc.property(message, (msg) => {
        const expected = canonical(msg);
        expect(canonical(decodeTtlv(encodeTtlv(msg)))).toEqual(expected);
        const fromXml = xmlToTtlv(ttlvToXml(msg));
        expect(fromXml.map((x) => canonical(x))).toEqual([expected]);
        const json = JSON.parse(JSON.stringify(ttlvToKmipJson(msg))) as unknown;
        expect(canonical(kmipJsonToTtlv(json))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
