import { describe, expect, it } from "vitest";
import {
  CKA,
  CKF,
  CKK,
  CKM,
  CKR,
  ckaName,
  ckkName,
  ckmName,
  ckrName,
  tokenFlagNames,
} from "../../../src/pkcs11/constants.js";
import { PinCache } from "../../../src/pkcs11/pin-cache.js";

describe("PKCS#11 constants", () => {
  it("names return values, attributes, key types and mechanisms", () => {
    expect(ckrName(0xa0)).toBe("CKR_PIN_INCORRECT");
    expect(ckrName(CKR.USER_ALREADY_LOGGED_IN)).toBe("CKR_USER_ALREADY_LOGGED_IN");
    expect(ckrName(0x12345)).toBe("CKR_0x00012345");
    expect(ckaName(CKA.EC_POINT)).toBe("CKA_EC_POINT");
    expect(ckkName(0x40)).toBe("CKK_EC_EDWARDS");
    expect(ckmName(0x1055)).toBe("CKM_EC_EDWARDS_KEY_PAIR_GEN");
    expect(ckmName(0x1057)).toBe("CKM_EDDSA");
    expect(CKK.EC_EDWARDS).toBe(0x40);
  });

  it("maps every CKR value back to its own name", () => {
    for (const [name, value] of Object.entries(CKR)) expect(ckrName(value)).toBe(`CKR_${name}`);
    for (const [name, value] of Object.entries(CKM)) expect(ckmName(value)).toBe(`CKM_${name}`);
  });

  it("names token flags", () => {
    expect(tokenFlagNames(CKF.RNG | CKF.LOGIN_REQUIRED)).toEqual(["CKF_RNG", "CKF_LOGIN_REQUIRED"]);
  });
});

describe("PIN cache", () => {
  it("matches only the last PIN a token accepted, per token", () => {
    const pins = new PinCache();
    expect(pins.matches("a", "1234")).toBe(false);
    pins.remember("a", "1234");
    expect(pins.matches("a", "1234")).toBe(true);
    expect(pins.matches("a", "12345")).toBe(false);
    expect(pins.matches("b", "1234")).toBe(false);
    pins.remember("a", "9999");
    expect(pins.matches("a", "1234")).toBe(false);
    expect(pins.matches("a", "9999")).toBe(true);
    expect(pins.known()).toEqual([{ token: "a", pin: "9999" }]);
  });
});
