/** The runner's own signature check (node:crypto), so a wrong relay signature is caught. */
import { constants, generateKeyPairSync, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { HashingAlgorithm, PaddingMethod } from "../../src/kmip/enums.js";
import { build } from "../../src/kmip/item.js";
import { Tag } from "../../src/kmip/tags.js";
import { publicKeyFromDer, verifySignature } from "./verify.js";

const data = Buffer.from("conformance");
const request = (params: ReturnType<typeof build.structure>[] = []) =>
  build.structure(Tag.RequestPayload, [...params, build.byteString(Tag.Data, data)]);

describe("conformance signature check", () => {
  it("verifies RSA PKCS#1 v1.5 with SHA-256 by default, and refuses a flipped bit", () => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const der = publicKey.export({ format: "der", type: "pkcs1" });
    const key = publicKeyFromDer(der);
    if (!key) throw new Error("no key");
    const signature = sign("sha256", data, privateKey);
    expect(verifySignature(request(), signature, key)).toBe(true);
    signature[10] = (signature[10] ?? 0) ^ 1;
    expect(verifySignature(request(), signature, key)).toBe(false);
  });

  it("follows the request's Cryptographic Parameters (PSS, SHA-384)", () => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const key = publicKeyFromDer(publicKey.export({ format: "der", type: "spki" }));
    if (!key) throw new Error("no key");
    const params = build.structure(Tag.CryptographicParameters, [
      build.enumeration(Tag.PaddingMethod, PaddingMethod.PSS),
      build.enumeration(Tag.HashingAlgorithm, HashingAlgorithm.SHA_384),
    ]);
    const pss = sign("sha384", data, {
      key: privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 48,
    });
    expect(verifySignature(request([params]), pss, key)).toBe(true);
    expect(verifySignature(request(), pss, key)).toBe(false);
  });

  it("verifies DER ECDSA and Ed25519 signatures", () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const ecKey = publicKeyFromDer(ec.publicKey.export({ format: "der", type: "spki" }));
    if (!ecKey) throw new Error("no key");
    expect(verifySignature(request(), sign("sha256", data, ec.privateKey), ecKey)).toBe(true);
    const ed = generateKeyPairSync("ed25519");
    const edKey = publicKeyFromDer(ed.publicKey.export({ format: "der", type: "spki" }));
    if (!edKey) throw new Error("no key");
    expect(verifySignature(request(), sign(null, data, ed.privateKey), edKey)).toBe(true);
  });
});
