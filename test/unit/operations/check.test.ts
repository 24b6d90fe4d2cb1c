/**
 * Check with a fake token: the requested Cryptographic Usage Mask against the key's (read as
 * Get Attributes reads it), Item Not Found, Usage Limits Count allowed, Lease Time refused.
 */
import { describe, expect, it } from "vitest";
import { ResultReason } from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { CryptographicUsageMask as M } from "../../../src/kmip/masks.js";
import { Tag } from "../../../src/kmip/tags.js";
import { check } from "../../../src/operations/check.js";
import { CKA, CKK } from "../../../src/pkcs11/constants.js";
import { ObjectNotFoundError } from "../../../src/pkcs11/errors.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { bool, tableClient } from "./attribute-table.js";
import { attrValues, contextFor, FakeClient, payload, rejection, ulongBytes } from "./fake.js";

const UID = `${"0A".repeat(20)}_sec`;
const V1 = { major: 1, minor: 4 };
const V2 = { major: 2, minor: 1 };

/** An AES-128 key whose token allows Encrypt only. */
const ENCRYPT_ONLY = attrValues([
  [CKA.KEY_TYPE, ulongBytes(CKK.AES)],
  [CKA.LABEL, new Uint8Array()],
  [CKA.VALUE_LEN, ulongBytes(16)],
  [CKA.ENCRYPT, bool(true)],
  [CKA.DECRYPT, bool(false)],
  [CKA.SIGN, bool(false)],
  [CKA.VERIFY, bool(false)],
  [CKA.WRAP, bool(false)],
  [CKA.UNWRAP, bool(false)],
  [CKA.DERIVE, bool(false)],
]);

function run(fields: TtlvItem[], version = V2, client = tableClient(ENCRYPT_ONLY)) {
  return check.run(
    payload(build.textString(Tag.UniqueIdentifier, UID), ...fields),
    contextFor(client, { version }),
  );
}
const mask = (bits: number) => build.integer(Tag.CryptographicUsageMask, bits);

async function failure(promise: () => Promise<unknown>): Promise<KmipError> {
  const err = await rejection(promise);
  expect(err).toBeInstanceOf(KmipError);
  return err as KmipError;
}

describe("Check", () => {
  it("answers the Unique Identifier when the key allows the requested usage", async () => {
    const result = await run([mask(M.Encrypt)]);
    expect(result.uid).toBe(UID);
    expect(result.payload).toEqual([build.textString(Tag.UniqueIdentifier, UID)]);
  });

  it("refuses a usage the key's mask lacks: Incompatible Cryptographic Usage Mask in 2.x", async () => {
    const err = await failure(() => run([mask(M.Decrypt)]));
    expect(err.reason).toBe(ResultReason.IncompatibleCryptographicUsageMask);
    expect(err.message).toContain("Check Failed");
  });

  it("refuses when only part of the requested mask is allowed", async () => {
    const err = await failure(() => run([mask(M.Encrypt | M.Decrypt)]));
    expect(err.reason).toBe(ResultReason.IncompatibleCryptographicUsageMask);
  });

  it("uses Permission Denied in 1.x, which has no Incompatible Cryptographic Usage Mask", async () => {
    const err = await failure(() => run([mask(M.Decrypt)], V1));
    expect(err.reason).toBe(ResultReason.PermissionDenied);
  });

  it("returns the mask that failed before KMIP 2.1 (section 4.10, PyKMIP reads it); none in 2.1", async () => {
    const wanted = M.Encrypt | M.Decrypt;
    expect((await failure(() => run([mask(wanted)], V1))).payload).toEqual([mask(wanted)]);
    const v20 = { major: 2, minor: 0 };
    expect((await failure(() => run([mask(wanted)], v20))).payload).toEqual([mask(wanted)]);
    expect((await failure(() => run([mask(wanted)], V2))).payload).toBeUndefined();
  });

  it("answers Item Not Found for a key that is not on the token", async () => {
    const client = new FakeClient({
      getAttributes: () => {
        throw new ObjectNotFoundError("no object");
      },
    });
    const err = await rejection(() => run([mask(M.Encrypt)], V2, client));
    expect(err).toBeInstanceOf(ObjectNotFoundError);
  });

  it("still looks the key up when no mask is asked", async () => {
    const client = tableClient(ENCRYPT_ONLY);
    await run([], V2, client);
    expect(client.callsOf("getAttributes").length).toBeGreaterThan(0);
  });

  it("allows any Usage Limits Count: the relay's keys have no Usage Limits", async () => {
    const count = build.longInteger(Tag.UsageLimitsCount, 1_000_000n);
    const result = await run([count, mask(M.Encrypt)]);
    expect(result.uid).toBe(UID);
  });

  it("refuses Lease Time as Feature Not Supported: the relay grants no leases", async () => {
    const lease = build.interval(Tag.LeaseTime, 3600);
    const client = tableClient(ENCRYPT_ONLY);
    const err = await failure(() => run([lease], V2, client));
    expect(err.reason).toBe(ResultReason.FeatureNotSupported);
    expect(err.message).toContain("Lease Time");
    expect(client.calls).toEqual([]);
  });

  it("requires a token", async () => {
    const err = await failure(() =>
      check.run(
        payload(build.textString(Tag.UniqueIdentifier, UID)),
        contextFor(tableClient(ENCRYPT_ONLY), { token: undefined }),
      ),
    );
    expect(err.reason).toBe(ResultReason.AuthenticationNotSuccessful);
  });
});
