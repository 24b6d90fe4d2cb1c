import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes, TtlvError } from "../../../src/ttlv/index.js";

function hexError(text: string): TtlvError {
  try {
    hexToBytes(text);
  } catch (error) {
    if (error instanceof TtlvError) return error;
    throw error;
  }
  throw new Error("parsed without error");
}

describe("hex helpers", () => {
  it("parses upper and lower case and ignores whitespace", () => {
    expect([...hexToBytes(" 42 00\n20\tAb cD ")]).toEqual([0x42, 0x00, 0x20, 0xab, 0xcd]);
    expect(hexToBytes("")).toHaveLength(0);
  });

  it("returns an array owning exactly its bytes", () => {
    const bytes = hexToBytes("01 02 03");
    expect(bytes.buffer.byteLength).toBe(3);
  });

  it("reports a non-hex character at its index", () => {
    const error = hexError("4200 2g");
    expect([error.code, error.offset, error.tagPath]).toEqual(["BadHex", 6, []]);
  });

  it("reports an odd digit count at the unpaired digit", () => {
    const error = hexError("42 00 2 ");
    expect([error.code, error.offset]).toEqual(["BadHex", 6]);
  });

  it("formats lower case without separators, views included", () => {
    const backing = new Uint8Array([0xff, 0x0a, 0xbc, 0xff]);
    expect(bytesToHex(backing.subarray(1, 3))).toBe("0abc");
  });
});
