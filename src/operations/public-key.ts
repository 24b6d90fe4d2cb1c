/**
 * A token public key read through PKCS#11 and turned into a node:crypto KeyObject, from
 * which every KMIP key format is exported (DER built by node:crypto, not by hand).
 *
 * RSA: CKA_MODULUS, CKA_PUBLIC_EXPONENT. EC: CKA_EC_PARAMS (the curve's OID), CKA_EC_POINT
 * (the uncompressed point 04||X||Y, DER-wrapped in an OCTET STRING as PKCS#11 v2.40 section
 * 2.3.3 prescribes, bare from some libraries). Ed25519: CKA_EC_POINT holds the 32-byte key.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { CryptographicAlgorithm, ResultReason } from "../kmip/enums.js";
import { KmipError } from "../kmip/errors.js";
import type { Pkcs11Client } from "../pkcs11/client.js";
import { CKA } from "../pkcs11/constants.js";
import type { AttrValues, ObjectRef, TokenSelector } from "../pkcs11/types.js";
import { type CurveSpec, curveByParams, ED25519_BITS, isEd25519Params } from "./algorithms.js";
import { unwrapOctetString } from "./der.js";
import { attrBytes, keyKindOf, ulongOf } from "./keys.js";

/** A public key's material, by kind. */
export type PublicKeyInfo =
  | { readonly kind: "RSA"; readonly modulus: Uint8Array; readonly exponent: Uint8Array }
  | { readonly kind: "EC"; readonly curve: CurveSpec; readonly point: Uint8Array }
  | { readonly kind: "Ed25519"; readonly point: Uint8Array };

/** The attributes read for a public key, in one C_GetAttributeValue. */
export const PUBLIC_KEY_ATTRIBUTES: readonly number[] = [
  CKA.KEY_TYPE,
  CKA.MODULUS,
  CKA.PUBLIC_EXPONENT,
  CKA.EC_PARAMS,
  CKA.EC_POINT,
];

/** First byte of an uncompressed EC point (SEC 1 section 2.3.3). */
const UNCOMPRESSED_POINT = 0x04;

function malformed(what: string): KmipError {
  return new KmipError(ResultReason.GeneralFailure, `the token returned a malformed ${what}`);
}

/** The point of CKA_EC_POINT: unwrapped from its OCTET STRING, or bare when of `length`. */
function pointOf(bytes: Uint8Array, length: number): Uint8Array {
  const inner = unwrapOctetString(bytes, length);
  if (inner !== undefined) return inner;
  if (bytes.length === length) return bytes;
  throw malformed("CKA_EC_POINT");
}

/** Decodes the values of {@link PUBLIC_KEY_ATTRIBUTES}. */
export function publicKeyFromAttributes(values: AttrValues): PublicKeyInfo {
  const kind = keyKindOf(ulongOf(attrBytes(values, CKA.KEY_TYPE)));
  if (kind === "RSA") {
    return {
      kind,
      modulus: attrBytes(values, CKA.MODULUS),
      exponent: attrBytes(values, CKA.PUBLIC_EXPONENT),
    };
  }
  const params = attrBytes(values, CKA.EC_PARAMS);
  const rawPoint = attrBytes(values, CKA.EC_POINT);
  if (kind === "Ed25519") {
    if (!isEd25519Params(params)) throw malformed("CKA_EC_PARAMS of an Edwards key");
    return { kind, point: pointOf(rawPoint, 32) };
  }
  const curve = curveByParams(params);
  if (curve === undefined) {
    throw new KmipError(
      ResultReason.FeatureNotSupported,
      `the key's curve (CKA_EC_PARAMS ${Buffer.from(params).toString("hex")}) is not supported`,
    );
  }
  const point = pointOf(rawPoint, 1 + 2 * curve.coordinateBytes);
  if (point[0] !== UNCOMPRESSED_POINT) throw malformed("CKA_EC_POINT (not an uncompressed point)");
  return { kind, curve, point };
}

/** Reads the public key `ref` (Item Not Found when it does not exist). */
export async function readPublicKey(
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
): Promise<PublicKeyInfo> {
  return publicKeyFromAttributes(await client.getAttributes(token, ref, PUBLIC_KEY_ATTRIBUTES));
}

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64url");

/** The key as a node:crypto KeyObject (validates it: an EC point must lie on its curve). */
export function keyObjectOf(info: PublicKeyInfo): KeyObject {
  try {
    if (info.kind === "RSA") {
      return createPublicKey({
        key: { kty: "RSA", n: b64url(info.modulus), e: b64url(info.exponent) },
        format: "jwk",
      });
    }
    if (info.kind === "Ed25519") {
      return createPublicKey({
        key: { kty: "OKP", crv: "Ed25519", x: b64url(info.point) },
        format: "jwk",
      });
    }
    const n = info.curve.coordinateBytes;
    const x = info.point.subarray(1, 1 + n);
    const y = info.point.subarray(1 + n);
    return createPublicKey({
      key: { kty: "EC", crv: info.curve.jwk, x: b64url(x), y: b64url(y) },
      format: "jwk",
    });
  } catch {
    throw malformed(`${info.kind} public key`);
  }
}

/** Cryptographic Length: modulus bits (RSA), field bits (EC), 256 (Ed25519). */
export function lengthOf(info: PublicKeyInfo): number {
  if (info.kind === "EC") return info.curve.bits;
  if (info.kind === "Ed25519") return ED25519_BITS;
  let start = 0;
  while (start < info.modulus.length && info.modulus[start] === 0) start++;
  const top = info.modulus[start];
  if (top === undefined) return 0;
  return (info.modulus.length - start - 1) * 8 + (32 - Math.clz32(top));
}

/** Cryptographic Algorithm: RSA, ECDSA (EC keys), Ed25519. */
export function algorithmOf(info: PublicKeyInfo): number {
  if (info.kind === "RSA") return CryptographicAlgorithm.RSA;
  if (info.kind === "EC") return CryptographicAlgorithm.ECDSA;
  return CryptographicAlgorithm.Ed25519;
}
