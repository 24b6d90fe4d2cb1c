/** The KMIP JSON encoding: the forms of section 4.1.6 in both directions. */
import { describe, expect, it } from "vitest";
import { KmipJsonError, kmipJsonToTtlv, ttlvToKmipJson } from "../../../src/kmip/json.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { canonical } from "./vector-helpers.js";

const leaf = (tag: string, type: string, value: unknown) => ({ tag, type, value });

describe("KMIP JSON encoding", () => {
  it("reads every value form of section 4.1.6", () => {
    const item = kmipJsonToTtlv({
      tag: "RequestMessage",
      value: [
        leaf("BatchCount", "Integer", "0x0000000A"),
        leaf("CryptographicUsageMask", "Integer", "CertificateSign|0x0000000c"),
        leaf("0x540001", "LongInteger", "0xfffffffffffffffe"),
        leaf("UsageLimitsCount", "LongInteger", "0x1000000000000000"),
        leaf("Modulus", "BigInteger", 0),
        leaf("0x420057", "Enumeration", 2),
        leaf("ObjectType", "Enumeration", "SymmetricKey"),
        leaf("BatchOrderOption", "Boolean", "0x0000000000000001"),
        leaf("MACSignature", "ByteString", "C50F77"),
        leaf("ArchiveDate", "DateTime", "0x000000003a505520"),
        leaf("Offset", "Interval", "0x0000001b"),
        { tag: "Attributes", value: null },
      ],
    });
    expect(canonical(item)).toEqual([
      "420078 Structure",
      " 42000d Integer number 10",
      " 42002c Integer number 4108",
      " 540001 LongInteger bigint -2",
      " 420096 LongInteger bigint 1152921504606846976",
      " 420052 BigInteger bigint 0",
      " 420057 Enumeration number 2",
      " 420057 Enumeration number 2",
      " 420010 Boolean boolean true",
      " 42004d ByteString c50f77",
      " 420005 DateTime bigint 978343200", // 2001-01-01T10:00:00Z
      " 420058 Interval number 27",
      " 420125 Structure",
    ]);
  });

  it("writes names, numbers, hex for wide values and omits the Structure type", () => {
    const item: TtlvItem = {
      tag: Tag.RequestMessage,
      type: "Structure",
      value: [
        { tag: Tag.CryptographicUsageMask, type: "Integer", value: 12 },
        { tag: Tag.UsageLimitsCount, type: "LongInteger", value: 1n << 60n },
        { tag: Tag.UsageLimitsCount, type: "LongInteger", value: -2n },
        { tag: Tag.Modulus, type: "BigInteger", value: -1n },
        { tag: 0x540001, type: "Enumeration", value: 7 },
        { tag: Tag.MACSignature, type: "ByteString", value: new Uint8Array([0xc5, 0x0f]) },
        { tag: Tag.ArchiveDate, type: "DateTime", value: 978307200n },
      ],
    };
    expect(ttlvToKmipJson(item)).toEqual({
      tag: "RequestMessage",
      value: [
        leaf("CryptographicUsageMask", "Integer", "Encrypt|Decrypt"),
        leaf("UsageLimitsCount", "LongInteger", "0x1000000000000000"),
        leaf("UsageLimitsCount", "LongInteger", -2),
        leaf("Modulus", "BigInteger", "0xffffffffffffffff"),
        leaf("0x540001", "Enumeration", "0x00000007"),
        leaf("MACSignature", "ByteString", "c50f"),
        leaf("ArchiveDate", "DateTime", "2001-01-01T00:00:00+00:00"),
      ],
    });
    expect(canonical(kmipJsonToTtlv(ttlvToKmipJson(item)))).toEqual(canonical(item));
  });

  it.each([
    [null, "an item must be an object"],
    [{ tag: "Nope", type: "Integer", value: 1 }, 'unknown tag "Nope"'],
    [leaf("BatchCount", "Int", 1), 'unknown type "Int"'],
    [leaf("BatchCount", "Integer", 1.5), "invalid Integer value"],
    [leaf("BatchCount", "Integer", 2 ** 31), "invalid Integer value"],
    [leaf("ObjectType", "Enumeration", "Bogus"), "invalid Enumeration value"],
    [leaf("UsageLimitsCount", "LongInteger", 2 ** 60), "invalid LongInteger value"],
    [{ tag: "RequestMessage", value: {} }, "a Structure value must be an array"],
  ])("rejects %j", (json, message) => {
    expect(() => kmipJsonToTtlv(json)).toThrow(KmipJsonError);
    expect(() => kmipJsonToTtlv(json)).toThrow(message);
  });
});
