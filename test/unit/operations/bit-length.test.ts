/** keys.ts bitLength: the size of an RSA modulus as Locate and Get Attributes report it. */
import { describe, expect, it } from "vitest";
import { bitLength } from "../../../src/operations/keys.js";

describe("bitLength", () => {
  it("counts from the highest set bit, skipping leading zero bytes", () => {
    expect(bitLength(new Uint8Array([0x80, 0, 0]))).toBe(24);
    expect(bitLength(new Uint8Array([0, 0x01, 0xff]))).toBe(9);
    expect(bitLength(new Uint8Array([0, 0]))).toBe(0);
    expect(bitLength(new Uint8Array(256).fill(0xff))).toBe(2048);
  });
});
