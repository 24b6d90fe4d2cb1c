/**
 * Assertions on what PyKMIP got from the relay (the driver's JSON result), shared by the
 * PyKMIP interop test's full sessions, short sessions and parallel clients.
 */
import { expect } from "vitest";
import type { DriverRun, KeyRecord, KeySpec, SignParams } from "./pykmip-driver.js";
import { NODE_CURVE } from "./pykmip-plan.js";
import { publicKeyOf, signatureVerifies, spkiHex, wantsPss } from "./verify.js";

/** The relay's Unique Identifiers: upper-case hex of a 20-byte CKA_ID, then _pub or _priv. */
export const UID = /^([0-9A-F]{40})_(pub|priv)$/;

/** The record of `label`, failing with the driver's own report when the step broke. */
export function recordOf(run: DriverRun, label: string): KeyRecord {
  const record = run.result.keys?.find((k) => k.label === label);
  expect(
    record,
    `no record for ${label}; driver said ${JSON.stringify(run.result.failed)}`,
  ).toBeDefined();
  expect(record?.error, JSON.stringify(record?.error, null, 1)).toBeUndefined();
  return record as KeyRecord;
}

function publicKeyOfRecord(spec: KeySpec, record: KeyRecord): ReturnType<typeof publicKeyOf> {
  if (record.publicKey === undefined) throw new Error(`${spec.label}: no public key`);
  return publicKeyOf(record.publicKey);
}

/** The default-format public key: right format, algorithm, length, and readable by node. */
export function checkPublicKey(spec: KeySpec, record: KeyRecord): void {
  const key = publicKeyOfRecord(spec, record);
  const got = record.publicKey;
  expect(got?.length).toBe(spec.length);
  if (spec.algorithm === "RSA") {
    // The relay returns RSA public keys as PKCS#1 RSAPublicKey by default.
    expect(got).toMatchObject({ format: "PKCS_1", algorithm: "RSA" });
    expect(key.asymmetricKeyDetails).toMatchObject({
      modulusLength: spec.length,
      publicExponent: 65537n,
    });
  } else if (spec.algorithm === "ED25519") {
    expect(got).toMatchObject({ format: "RAW", algorithm: "ED25519" });
    expect(key.asymmetricKeyType).toBe("ed25519");
  } else {
    // EC keys: Raw holding the DER SubjectPublicKeyInfo.
    expect(got?.format).toBe("RAW");
    expect(["EC", "ECDSA"]).toContain(got?.algorithm);
    expect(key.asymmetricKeyDetails?.namedCurve).toBe(NODE_CURVE[spec.length]);
  }
}

/** Each requested Key Format Type came back as asked, holding the same key. */
export function checkFormats(spec: KeySpec, record: KeyRecord): void {
  const reference = spkiHex(publicKeyOfRecord(spec, record));
  expect(record.formats?.map((f) => f.requested)).toEqual(spec.getFormats);
  for (const got of record.formats ?? []) {
    expect(got.reason, `Get as ${got.requested}`).toBeUndefined();
    expect(got.format).toBe(got.requested);
    expect(got.length).toBe(spec.length);
    expect(spkiHex(publicKeyOf({ format: got.format ?? "", der: got.der ?? "" }))).toBe(reference);
  }
}

/** How the driver's Python check must report a good signature (pykmip_verify.py). */
function pythonVerdict(spec: KeySpec, params: SignParams | null): string {
  if (spec.algorithm === "RSA") return wantsPss(params) ? "pss" : "pkcs1v15";
  return spec.algorithm === "ED25519" ? "eddsa" : "der";
}

/**
 * Every Sign of `spec` came back and verifies with node:crypto under the public key PyKMIP's
 * Get returned, and not over other data (so the check can fail). With `python`, the driver's
 * own check (`cryptography`) must agree, in the same scheme.
 */
export function checkSignatures(spec: KeySpec, record: KeyRecord, python: boolean): void {
  const key = publicKeyOfRecord(spec, record);
  expect(record.signatures?.map((s) => s.id)).toEqual(spec.signs.map((s) => s.id));
  for (const sign of spec.signs) {
    const got = record.signatures?.find((s) => s.id === sign.id);
    const what = `${spec.label} ${sign.id}: ${got?.signature}`;
    expect(signatureVerifies(key, sign.params, got?.data ?? "", got?.signature ?? ""), what).toBe(
      true,
    );
    expect(signatureVerifies(key, sign.params, "00", got?.signature ?? ""), what).toBe(false);
    if (python) expect(got?.verified, what).toBe(pythonVerdict(spec, sign.params));
  }
}
