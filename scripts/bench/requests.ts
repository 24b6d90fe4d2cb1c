/**
 * The KMIP requests the benchmark sends, encoded once (the load client only copies bytes):
 * Sign with one or N batch items, Get, Create Key Pair. Also a cheap success count of a
 * response for the load client, which must not spend its CPU decoding.
 */
import { randomBytes } from "node:crypto";
import {
  CryptographicAlgorithm,
  DigitalSignatureAlgorithm,
  Operation,
  ResultStatus,
} from "../../src/kmip/enums.js";
import { build } from "../../src/kmip/item.js";
import { Tag } from "../../src/kmip/tags.js";
import { encodeTtlv } from "../../src/ttlv/encode.js";
import type { TtlvItem } from "../../src/ttlv/types.js";
import { requestMessage, type TestBatchItem } from "../../test/helpers/kmip-client.js";

/** The signature algorithms measured. */
export type Alg = "rsa" | "p256" | "ed25519";
export const ALGS: readonly Alg[] = ["rsa", "p256", "ed25519"];
export const ALG_NAMES: Readonly<Record<Alg, string>> = {
  rsa: "RSA-2048",
  p256: "P-256",
  ed25519: "Ed25519",
};

/** Bytes signed by every Sign request (and by the direct-call limit). */
export const SIGN_DATA: Uint8Array = new Uint8Array(randomBytes(100));

/** The KMIP credential: token label and user PIN. */
export interface Credential {
  readonly username: string;
  readonly password: string;
}

/**
 * Cryptographic Parameters (KMIP 1.4 section 3.6) naming the whole scheme, so that the relay
 * never has to read the key type from the token: RSA PKCS#1 v1.5 with SHA-256, ECDSA with
 * SHA-256 (Digital Signature Algorithm, 9.1.3.2.7), Ed25519 (Cryptographic Algorithm).
 */
function signParameters(alg: Alg): TtlvItem {
  const tag = Tag.CryptographicParameters;
  switch (alg) {
    case "rsa":
      return build.structure(tag, [
        build.enumeration(
          Tag.DigitalSignatureAlgorithm,
          DigitalSignatureAlgorithm.SHA_256WithRSAEncryption,
        ),
      ]);
    case "p256":
      return build.structure(tag, [
        build.enumeration(Tag.DigitalSignatureAlgorithm, DigitalSignatureAlgorithm.ECDSAWithSHA256),
      ]);
    case "ed25519":
      return build.structure(tag, [
        build.enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.Ed25519),
      ]);
  }
}

/** Sign Request Payload (KMIP 1.4 section 4.31): Unique Identifier, parameters, Data. */
function signItem(alg: Alg, privateUid: string, batchId?: number): TestBatchItem {
  const payload = [
    build.textString(Tag.UniqueIdentifier, privateUid),
    signParameters(alg),
    build.byteString(Tag.Data, SIGN_DATA),
  ];
  if (batchId === undefined) return { operation: Operation.Sign, payload };
  const id = new Uint8Array(4);
  new DataView(id.buffer).setUint32(0, batchId);
  return { operation: Operation.Sign, payload, batchId: id };
}

/** A Sign request of `items` batch items (each with a Unique Batch Item ID when > 1). */
export function signRequest(
  cred: Credential,
  alg: Alg,
  privateUid: string,
  items: number,
): Uint8Array {
  const batch = Array.from({ length: items }, (_, i) =>
    signItem(alg, privateUid, items > 1 ? i + 1 : undefined),
  );
  return encodeTtlv(requestMessage({ ...cred, items: batch }));
}

/** Get Request Payload (KMIP 1.4 section 4.11): the Unique Identifier only. */
export function getRequest(cred: Credential, uid: string): Uint8Array {
  const payload = [build.textString(Tag.UniqueIdentifier, uid)];
  return encodeTtlv(requestMessage({ ...cred, items: [{ operation: Operation.Get, payload }] }));
}

/** A KMIP 1.x Attribute{Attribute Name, Attribute Value} (KMIP 1.4 section 2.1.1). */
function attribute(name: string, value: TtlvItem): TtlvItem {
  return build.structure(Tag.Attribute, [
    build.textString(Tag.AttributeName, name),
    { ...value, tag: Tag.AttributeValue },
  ]);
}

/** The Common Template-Attribute of each key kind (KMIP 1.4 section 4.2). */
function keyPairAttributes(alg: Alg): TtlvItem[] {
  const algorithm = (value: number) =>
    attribute("Cryptographic Algorithm", build.enumeration(Tag.CryptographicAlgorithm, value));
  const length = (bits: number) =>
    attribute("Cryptographic Length", build.integer(Tag.CryptographicLength, bits));
  switch (alg) {
    case "rsa":
      return [algorithm(CryptographicAlgorithm.RSA), length(2048)];
    case "p256":
      return [algorithm(CryptographicAlgorithm.ECDSA), length(256)];
    case "ed25519":
      return [algorithm(CryptographicAlgorithm.Ed25519)];
  }
}

/** Create Key Pair request for a key of `alg` (token keys, default usage: sign/verify). */
export function createKeyPairRequest(cred: Credential, alg: Alg): Uint8Array {
  const payload = [build.structure(Tag.CommonTemplateAttribute, keyPairAttributes(alg))];
  return encodeTtlv(
    requestMessage({ ...cred, items: [{ operation: Operation.CreateKeyPair, payload }] }),
  );
}

/**
 * A successful batch item's Result Status as it is on the wire (KMIP 1.4 section 9.1.1):
 * tag 42007F, type Enumeration, length 4, value Success, 4 padding bytes.
 */
const SUCCESS_ITEM = Buffer.from(
  encodeTtlv(build.enumeration(Tag.ResultStatus, ResultStatus.Success)),
);

/** How many batch items of a response message report Success. */
export function countSuccess(response: Buffer): number {
  let count = 0;
  for (
    let at = response.indexOf(SUCCESS_ITEM);
    at >= 0;
    at = response.indexOf(SUCCESS_ITEM, at + 16)
  ) {
    count++;
  }
  return count;
}
