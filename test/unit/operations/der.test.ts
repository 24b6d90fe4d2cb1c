import { generateKeyPairSync, sign, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ecdsaSignatureToDer, unwrapOctetString } from "../../../src/operations/der.js";

describe("ecdsaSignatureToDer", () => {
  it("turns r||s into a DER signature node:crypto verifies", () => {
    for (const namedCurve of ["P-256", "P-384", "P-521"]) {
      const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve });
      for (let i = 0; i < 10; i++) {
        const data = Buffer.from(`message ${i}`);
        const rs = sign("sha256", data, { key: privateKey, dsaEncoding: "ieee-p1363" });
        const der = ecdsaSignatureToDer(new Uint8Array(rs));
        expect(verify("sha256", data, { key: publicKey, dsaEncoding: "der" }, der)).toBe(true);
      }
    }
  });

  it("writes minimal INTEGERs: leading zeros dropped, 0x00 before a high bit", () => {
    const rs = new Uint8Array(64);
    rs[31] = 0x01; // r = 1
    rs[32] = 0x80; // s = 0x80 followed by zeros
    const der = Buffer.from(ecdsaSignatureToDer(rs)).toString("hex");
    expect(der).toBe(`3026020101022100${"80"}${"00".repeat(31)}`);
  });

  it("uses the long length form for P-521 sized signatures", () => {
    const rs = new Uint8Array(132).fill(0xff);
    const der = ecdsaSignatureToDer(rs);
    expect(der[0]).toBe(0x30);
    expect(der[1]).toBe(0x81);
    expect(der[2]).toBe(der.length - 3);
  });

  it("refuses an odd length", () => {
    expect(() => ecdsaSignatureToDer(new Uint8Array(63))).toThrow(/odd/);
  });
});

describe("unwrapOctetString", () => {
  it("unwraps CKA_EC_POINT as PKCS#11 returns it", () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = publicKey.export({ format: "jwk" });
    const point = Buffer.concat([
      Buffer.from([4]),
      Buffer.from(jwk.x ?? "", "base64url"),
      Buffer.from(jwk.y ?? "", "base64url"),
    ]);
    const wrapped = Buffer.concat([Buffer.from([0x04, 0x41]), point]);
    expect(Buffer.from(unwrapOctetString(wrapped, 65) ?? []).equals(point)).toBe(true);
    expect(unwrapOctetString(point, 65)).toBeUndefined();
  });

  it("handles the long length form (P-521: 133 bytes)", () => {
    const inner = new Uint8Array(133).fill(7);
    const wrapped = new Uint8Array([0x04, 0x81, 133, ...inner]);
    expect(unwrapOctetString(wrapped, 133)).toEqual(inner);
    expect(unwrapOctetString(wrapped.subarray(1), 133)).toBeUndefined();
  });
});
