import { describe, expect, it } from "vitest";
import * as der from "../../../src/server/der.js";

const hex = (b: Buffer) => b.toString("hex");

describe("DER writer (X.690)", () => {
  it("encodes short and long lengths", () => {
    expect(hex(der.octetString(Buffer.alloc(3)))).toBe("0403000000");
    expect(hex(der.octetString(Buffer.alloc(127))).slice(0, 4)).toBe("047f");
    expect(hex(der.octetString(Buffer.alloc(128))).slice(0, 6)).toBe("048180");
    expect(hex(der.octetString(Buffer.alloc(300))).slice(0, 8)).toBe("0482012c");
    expect(der.octetString(Buffer.alloc(300)).length).toBe(304);
  });

  it("encodes object identifiers in base 128", () => {
    expect(hex(der.objectIdentifier("1.2.840.10045.4.3.2"))).toBe("06082a8648ce3d040302");
    expect(hex(der.objectIdentifier("2.5.29.17"))).toBe("0603551d11");
    expect(hex(der.objectIdentifier("1.3.6.1.5.5.7.3.1"))).toBe("06082b06010505070301");
  });

  it("encodes minimal positive integers", () => {
    expect(hex(der.smallInteger(2))).toBe("020102");
    expect(hex(der.smallInteger(0))).toBe("020100");
    expect(hex(der.smallInteger(128))).toBe("02020080");
    expect(hex(der.unsignedInteger(Buffer.from("00007f", "hex")))).toBe("02017f");
    expect(hex(der.unsignedInteger(Buffer.from("0000ff", "hex")))).toBe("020200ff");
  });

  it("encodes booleans, strings and bit strings", () => {
    expect(hex(der.boolean(true))).toBe("0101ff");
    expect(hex(der.boolean(false))).toBe("010100");
    expect(hex(der.utf8String("kmip"))).toBe("0c046b6d6970");
    expect(hex(der.ia5String("a"))).toBe("160161");
    expect(hex(der.bitString(Buffer.of(0x80), 7))).toBe("03020780");
  });

  it("encodes UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280 4.1.2.5)", () => {
    expect(der.time(new Date("2049-12-31T23:59:59Z")).toString("latin1")).toBe(
      "\x17\x0d491231235959Z",
    );
    expect(der.time(new Date("2050-01-01T00:00:00Z")).toString("latin1")).toBe(
      "\x18\x0f20500101000000Z",
    );
  });

  it("nests constructed and context-specific types", () => {
    expect(hex(der.sequence(der.smallInteger(1), der.set()))).toBe("30050201013100");
    expect(hex(der.explicit(3, der.sequence()))).toBe("a3023000");
    expect(hex(der.implicitPrimitive(7, Buffer.of(127, 0, 0, 1)))).toBe("87047f000001");
  });
});
