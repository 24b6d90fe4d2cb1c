/**
 * Independent checks of server-generated values with node:crypto: a signature the relay made
 * is verified against the public key (KMIP 1.4 section 4.31 Sign; PKCS#1 v1.5, PSS, ECDSA with
 * DER signatures, Ed25519), rather than only compared by type.
 */
import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  constants as rsa,
  verify,
} from "node:crypto";
import { HashingAlgorithm, PaddingMethod } from "../../src/kmip/enums.js";
import { findChild } from "../../src/kmip/item.js";
import { Tag } from "../../src/kmip/tags.js";
import type { TtlvItem } from "../../src/ttlv/types.js";

const HASHES: ReadonlyMap<number, string> = new Map([
  [HashingAlgorithm.SHA_1, "sha1"],
  [HashingAlgorithm.SHA_224, "sha224"],
  [HashingAlgorithm.SHA_256, "sha256"],
  [HashingAlgorithm.SHA_384, "sha384"],
  [HashingAlgorithm.SHA_512, "sha512"],
]);

/** A public key from DER SubjectPublicKeyInfo (Key Format Type X_509) or PKCS#1 RSAPublicKey. */
export function publicKeyFromDer(der: Uint8Array): KeyObject | undefined {
  const key = Buffer.from(der);
  for (const type of ["spki", "pkcs1"] as const) {
    try {
      return createPublicKey({ key, format: "der", type });
    } catch {
      // try the next form
    }
  }
  return undefined;
}

/** The public half of a private key in DER (PKCS#1 RSAPrivateKey, PKCS#8, SEC 1). */
export function publicKeyOfPrivateDer(der: Uint8Array): KeyObject | undefined {
  const key = Buffer.from(der);
  for (const type of ["pkcs1", "pkcs8", "sec1"] as const) {
    try {
      return createPublicKey(createPrivateKey({ key, format: "der", type }));
    } catch {
      // try the next form
    }
  }
  return undefined;
}

/** The Key Material of a Get response payload or Register request payload, if a byte string. */
export function keyMaterialOf(payload: TtlvItem): Uint8Array | undefined {
  let found: Uint8Array | undefined;
  const visit = (item: TtlvItem): void => {
    if (item.tag === Tag.KeyMaterial && item.type === "ByteString") found ??= item.value;
    if (item.type === "Structure") item.value.forEach(visit);
  };
  visit(payload);
  return found;
}

function enumValue(parent: TtlvItem | undefined, tag: number): number | undefined {
  if (parent?.type !== "Structure") return undefined;
  const item = findChild(parent, tag);
  return item?.type === "Enumeration" ? item.value : undefined;
}

/**
 * Verifies `signature` over the Sign request's Data with `key`, using the request's
 * Cryptographic Parameters, else the key's own (`keyParams`), else SHA-256 and, for RSA,
 * PKCS#1 v1.5.
 */
export function verifySignature(
  request: TtlvItem,
  signature: Uint8Array,
  key: KeyObject,
  keyParams?: TtlvItem,
): boolean {
  const dataItem = request.type === "Structure" ? findChild(request, Tag.Data) : undefined;
  if (dataItem?.type !== "ByteString") return false;
  const params =
    (request.type === "Structure" ? findChild(request, Tag.CryptographicParameters) : undefined) ??
    keyParams;
  const hashCode = enumValue(params, Tag.HashingAlgorithm) ?? HashingAlgorithm.SHA_256;
  const hash = HASHES.get(hashCode);
  const type = key.asymmetricKeyType;
  if (type === "ed25519") return verify(null, dataItem.value, key, signature);
  if (hash === undefined) return false;
  if (type === "rsa") {
    const pss = enumValue(params, Tag.PaddingMethod) === PaddingMethod.PSS;
    const padding = pss ? rsa.RSA_PKCS1_PSS_PADDING : rsa.RSA_PKCS1_PADDING;
    const saltLength = pss ? rsa.RSA_PSS_SALTLEN_AUTO : undefined;
    const options = saltLength === undefined ? { key, padding } : { key, padding, saltLength };
    return verify(hash, dataItem.value, options, signature);
  }
  return verify(hash, dataItem.value, { key, dsaEncoding: "der" }, signature);
}
