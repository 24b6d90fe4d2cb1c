import { describe, expect, it } from "vitest";
import { AddressCap } from "../../../src/server/address-cap.js";

describe("AddressCap", () => {
  it("admits up to the cap per address, independently for each address", () => {
    const cap = new AddressCap(2);
    expect(cap.admit("10.0.0.1")).toBe(true);
    expect(cap.admit("10.0.0.1")).toBe(true);
    expect(cap.admit("10.0.0.1")).toBe(false);
    expect(cap.count("10.0.0.1")).toBe(2);
    expect(cap.admit("10.0.0.2")).toBe(true);
  });

  it("admits again once a connection is released, and forgets addresses with none", () => {
    const cap = new AddressCap(1);
    expect(cap.admit("::1")).toBe(true);
    expect(cap.admit("::1")).toBe(false);
    cap.release("::1");
    expect(cap.count("::1")).toBe(0);
    expect(cap.admit("::1")).toBe(true);
  });

  it("counts nothing and refuses nothing with a cap of 0", () => {
    const cap = new AddressCap(0);
    for (let i = 0; i < 1000; i++) expect(cap.admit("127.0.0.1")).toBe(true);
    expect(cap.count("127.0.0.1")).toBe(0);
  });
});
