import { describe, expect, it } from "vitest";
import { ResultReason } from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import { halfOf, KEY_ID_BYTES, newKeyId, refOf, uidOf } from "../../../src/operations/uid.js";
import { CKO } from "../../../src/pkcs11/constants.js";

describe("UID scheme", () => {
  it("is the upper-case hex CKA_ID plus _pub / _priv", () => {
    const id = new Uint8Array([0x00, 0xab, 0x1f]);
    expect(uidOf(id, "public")).toBe("00AB1F_pub");
    expect(uidOf(id, "private")).toBe("00AB1F_priv");
  });

  it("round-trips fresh 20-byte ids for both halves", () => {
    for (let i = 0; i < 20; i++) {
      const id = newKeyId();
      expect(id.length).toBe(KEY_ID_BYTES);
      for (const half of ["public", "private"] as const) {
        const ref = refOf(uidOf(id, half));
        expect(Buffer.from(ref.id).equals(Buffer.from(id))).toBe(true);
        expect(halfOf(ref)).toBe(half);
        expect(ref.cls).toBe(half === "public" ? CKO.PUBLIC_KEY : CKO.PRIVATE_KEY);
      }
    }
  });

  it("names secret keys <HEX>_sec (CKO_SECRET_KEY), read in either case", () => {
    const id = new Uint8Array([0x0a, 0xff]);
    expect(uidOf(id, "secret")).toBe("0AFF_sec");
    const ref = refOf("0aff_sec");
    expect(ref).toEqual({ id, cls: CKO.SECRET_KEY });
    expect(halfOf(ref)).toBe("secret");
    expect(halfOf(refOf("0AFF_pub"))).toBe("public");
  });

  it("gives fresh ids each time", () => {
    const ids = new Set(Array.from({ length: 50 }, () => Buffer.from(newKeyId()).toString("hex")));
    expect(ids.size).toBe(50);
  });

  it("takes a UID without suffix whole as the CKA_ID of a public key", () => {
    const ref = refOf("deadBEEF");
    expect(Buffer.from(ref.id).toString("hex")).toBe("deadbeef");
    expect(ref.cls).toBe(CKO.PUBLIC_KEY);
  });

  it.each([
    "",
    "_pub",
    "_priv",
    "_sec",
    "XYZ_sec",
    "ABC_sec",
    "XYZ_priv",
    "ABC_pub",
    "12 34",
    "1234_PRIV",
    "../etc",
  ])("refuses %j with Item Not Found", (uid) => {
    let error: unknown;
    try {
      refOf(uid);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(KmipError);
    expect((error as KmipError).reason).toBe(ResultReason.ItemNotFound);
  });
});

describe("refOf cache", () => {
  it("gives the same ref for the same UID, and still refuses what is not a UID", () => {
    const uid = "00AB1F_priv";
    const first = refOf(uid);
    expect(refOf(uid)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first).toEqual({ id: new Uint8Array([0x00, 0xab, 0x1f]), cls: CKO.PRIVATE_KEY });
    for (let i = 0; i < 2; i++) expect(() => refOf("not-hex_priv")).toThrow(KmipError);
  });

  it("stays right past its bound (oldest out)", () => {
    const uids = Array.from({ length: 5000 }, (_, i) => `${i.toString(16).padStart(8, "0")}_pub`);
    const firstRef = refOf(uids[0]!);
    for (const uid of uids) refOf(uid);
    const ref = refOf(uids[0]!);
    // Pushed out by 5000 newer UIDs (the bound is 4096): parsed again, a new object.
    expect(ref).not.toBe(firstRef);
    expect(refOf(uids[4999]!)).toBe(refOf(uids[4999]!));
    expect(Buffer.from(ref.id).toString("hex")).toBe("00000000");
    expect(ref.cls).toBe(CKO.PUBLIC_KEY);
  });
});
